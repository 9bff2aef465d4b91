"""The grading engine: runs untrusted submissions in runner processes and scores them with pytest.

Architecture, from the bottom up:

- ``wire``: the only format that crosses the process boundary (tensors as raw bytes, never pickle).
- ``sandbox``, ``launch``, ``containment``: the untrusted side's walls. A fork server that
  imported torch and nothing of the course (inside bubblewrap where available) forks one
  runner per exercise, which limits itself before any student code runs.
- ``runner``, ``guard``, ``fixtures``: what runs beside student code: the request loop, the
  runtime watch for forbidden APIs and matmuls, and helpers graders build things with.
- ``remote``: the trusted side's proxy for a runner (``student.rnn_step(...)``).
- ``checks``, ``mistakes``, ``static_scan``: what grader suites use to judge results.
- ``course``, ``plugin``, ``scoring``, ``engine``: find the course's parts, run the grader
  suites with pytest, and turn the structured results into a score.
- ``report``: the terminal and JSON views of a score.
"""
