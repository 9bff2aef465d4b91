"""The grading engine: runs untrusted submissions in runner processes and scores them with pytest.

The folders are the architecture, and the first is the trust boundary:

- ``sandbox/``: the untrusted side, everything that runs beside student code: the typed
  ``protocol`` and the ``wire`` format (the only things that cross the boundary), the fork server
  (``launch``), the runner and its ``imports``, the ``standins`` for earlier exercises,
  ``containment`` (limits), ``bubblewrap``, the runtime ``watch`` and the ``fixtures`` graders
  build in a runner. It imports nothing below.
- ``grading/``: the trusted side: the ``course``, the pytest ``plugin``, ``scoring``, the
  ``engine``, the checker's proxy for a runner (``remote``) and the calls it ``served`` for it,
  ``checks``, ``mistakes``, the ``recording`` of every value taken from the reference (and
  ``reference_use``, which finds where the suites take them), ``fresh`` inputs for official
  grading, ``static_scan``, the built-in ``corpus``, ``intake`` (reading
  submissions) with ``zip_directory`` and ``notebook_intake``, and ``student_text`` (student text made visible and
  bounded, once).
- ``batch/``: grading a class: ``journal``, ``workers``, the ``run`` loop and its ``outputs``.
- ``formats/``: every view of a result (terminal, JSON, JUnit, HTML, Gradescope, LMS import files).
- ``release/``: ``grade release``, the students' repository without the answer key (it is not
  part of that repository).
- ``commands/``: one module per ``grade`` subcommand; ``errors`` holds the exit codes.
- ``notebook/``: ``check()`` for a notebook cell, which grades the notebook's definitions through
  ``grade`` in a child process (a convenience in the student's own kernel, never a grade).
"""
