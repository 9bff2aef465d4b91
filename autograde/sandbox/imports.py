"""What ``import`` means in a runner: ``exercises.X`` to a chosen file, the course's packages to nothing."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util

from autograde.sandbox.protocol import HIDDEN_FROM_RUNNERS


class CoursePackagesHidden(importlib.abc.MetaPathFinder):
    """Refuses the packages a submission must not see, whatever sys.path says."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in HIDDEN_FROM_RUNNERS:
            raise ImportError(f"{fullname} is not available while grading")
        return None


class ExerciseImports(importlib.abc.MetaPathFinder):
    """Resolves ``exercises.<name>`` to a chosen file per exercise.

    In a runner: the submission for the graded exercise, the reference for every other one,
    so a mistake in one exercise never cascades. In the checker: the reference for all, so
    that a reference module importing ``exercises.rnn_step`` gets the reference, not the stub.
    """

    def __init__(self, sources: dict[str, str | None]):
        self.sources = sources

    def find_spec(self, fullname, path=None, target=None):
        top, _, name = fullname.partition(".")
        if top != "exercises" or not name or self.sources.get(name) is None:
            return None
        source = self.sources[name]
        if source.endswith(".pyc"):
            loader = importlib.machinery.SourcelessFileLoader(fullname, source)
            return importlib.util.spec_from_file_location(fullname, source, loader=loader)
        return importlib.util.spec_from_file_location(fullname, source)
