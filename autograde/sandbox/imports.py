"""What ``import`` means in a runner: ``exercises.X`` to a chosen file or to a stand-in, the course's
packages to nothing."""

from __future__ import annotations

import importlib.abc
import importlib.util

from autograde.sandbox.protocol import HIDDEN_FROM_RUNNERS


class CoursePackagesHidden(importlib.abc.MetaPathFinder):
    """Refuses the packages a submission must not see, whatever sys.path says."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in HIDDEN_FROM_RUNNERS:
            raise ImportError(f"{fullname} is not available while grading")
        return None


class ExerciseImports(importlib.abc.MetaPathFinder):
    """Resolves ``exercises.<name>`` to a chosen source file per exercise.

    In a runner: the submission for the graded exercise (and, for ``grade train``, the student's
    other modules). In the checker: the reference for all, so that a reference module importing
    ``exercises.rnn_step`` gets the reference, not the stub.
    """

    def __init__(self, sources: dict[str, str | None]):
        self.sources = sources

    def find_spec(self, fullname, path=None, target=None):
        top, _, name = fullname.partition(".")
        if top != "exercises" or not name or self.sources.get(name) is None:
            return None
        return importlib.util.spec_from_file_location(fullname, self.sources[name])


class PolicedSourceImports(ExerciseImports, importlib.abc.Loader):
    """``exercises.<name>`` from a student's source file, checked and run under the submission
    policy (``policy``): the student's code never runs unguarded, whichever module imports it."""

    def find_spec(self, fullname, path=None, target=None):
        top, _, name = fullname.partition(".")
        if top != "exercises" or not name or self.sources.get(name) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=self.sources[name])

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        from autograde.sandbox import policy

        path = module.__spec__.origin
        with open(path, encoding="utf-8") as stream:
            source = stream.read()
        module.__file__ = path
        policy.run_submission(module, source, path, importlib.import_module)


class StandInImports(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves ``exercises.<earlier exercise>`` in a runner to a module of stand-ins (``standins``):
    the reference's results without the reference's code, so a mistake in one exercise never
    cascades into the next."""

    def __init__(self, exercises: list[str]):
        self.exercises = set(exercises)

    def find_spec(self, fullname, path=None, target=None):
        top, _, name = fullname.partition(".")
        if top != "exercises" or name not in self.exercises:
            return None
        from autograde.sandbox import standins  # torch: only a runner pays for it, not `grade list`

        if not standins.has_standin(name):
            raise ImportError(f"{fullname} is not available while grading this exercise")
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        from autograde.sandbox import standins

        standins.fill(module.__name__.partition(".")[2], module.__dict__)
