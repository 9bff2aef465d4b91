"""The trusted side: the course, the grader plugin, scoring, and the checker's proxy for a runner.

Nothing here runs student code; the submission only ever runs in ``autograde.sandbox``.
"""
