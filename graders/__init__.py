"""Grader suites: one pytest module per exercise, ``test_<exercise>.py``, run by ``grade``.

Each test checks one behaviour of the exercise contract and declares its worth with
``@pytest.mark.points(n, hint=...)``. The ``student`` fixture is the submission, running in
its own runner process; the reference and every expected value stay in this process.
"""
