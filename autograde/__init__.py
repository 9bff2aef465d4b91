"""The grading engine: runs untrusted submissions in runner processes and scores them with pytest.

Architecture, from the bottom up:

- ``wire``: the only format that crosses the process boundary (tensors as raw bytes, never pickle).
- ``forkserver`` and ``runner``: the untrusted side. A fork server that imported torch and
  nothing else starts one runner per exercise; the runner loads the submission and answers calls.
- ``remote``: the trusted side's proxy for a runner (``student.rnn_step(...)``).
- ``checks``, ``mistakes``, ``static_scan``: what grader suites use to judge results.
- ``plugin``, ``scoring``, ``engine``: run the grader suites with pytest and turn the
  structured results into a score.
- ``report``: the terminal and JSON views of a score.
"""
