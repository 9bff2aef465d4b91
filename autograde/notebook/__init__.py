"""The course in Jupyter: ``from autograde.notebook import check``, then ``check("rnn_step")``
in a cell grades what the notebook defines now (``checking``). It runs in the student's own
kernel, so it is a convenience, never a grade (SECURITY.md, "Notebooks")."""

from autograde.notebook.checking import CheckResult, check

__all__ = ["CheckResult", "check"]
