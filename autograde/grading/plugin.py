"""The pytest plugin that turns grader suites into scored checks.

A grader suite is a plain pytest module, ``graders/test_<exercise>.py``. Each test declares its
points and a hint with ``@pytest.mark.points(2, hint="...")`` and receives the submission
through the ``student`` fixture (one fresh runner per exercise) or its text through
``student_source``. This plugin records what each test is worth and turns every failure into a
message for the student; ``scoring`` then reads pytest-json-report's results.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograde.formats import HIDDEN_CHECKS, title_of
from autograde.grading import course
from autograde.sandbox import wire
from autograde.grading.checks import CheckFailed
from autograde.grading.recording import Unrecorded
from autograde.grading.remote import (
    NotImplementedYet, RemoteExercise, RunnerDied, StudentProblem, StudentRaised, StudentTimeout, SubmissionUnavailable,
)


VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")  # Gradescope's values


@dataclass(frozen=True)
class Settings:
    timeout: float
    memory_bytes: int
    extra_graders: Path | None = None  # tests collected from there default to "hidden"
    progress: Callable[[str, int, int], None] | None = None  # (exercise, checks done, checks in all)
    restricted: bool = True  # see engine.Options
    # Only these (exercise, check name) pairs run; the name HIDDEN_CHECKS stands for every
    # non-visible check of its exercise (students know them only by that line). None: all.
    only: frozenset[tuple[str, str]] | None = None
    fresh_offset: int | None = None  # when set, each test runs again with its seeds moved by this much


@dataclass(frozen=True)
class PlannedTest:
    """A test as collected, before it runs: what it is worth decides the score, not its output."""

    nodeid: str
    exercise: str
    name: str
    points: float
    hint: str
    visibility: str = "visible"  # one of VISIBILITIES: who may see this check's name and message
    code_hint: str = ""  # a code-level hint, shown only when the student asks (``grade --hint``)
    title: str = ""  # the check as people read it: declared with ``title=``, else from the test's name

    def __post_init__(self):
        if not self.title:
            object.__setattr__(self, "title", title_of(self.name))


def exercise_of(path: Path) -> str:
    return path.stem.removeprefix("test_")


KINDS = ("wrong", "not_implemented", "unavailable", "exception", "timeout", "runner_crash", "grader_error")
"""Why a check failed, as every format needs it: a wrong answer (``wrong``), a stub
(``not_implemented``), a file that is missing, unreadable or does not import (``unavailable``),
the submission's code raising (``exception``) or running out of time (``timeout``), the runner
process dying (``runner_crash``), or the grader's own failure (``grader_error``). JUnit reports
the last four as ``<error>``, the class report keeps stubs and unimportable files apart."""
CRASHES = ("exception", "timeout", "runner_crash", "grader_error")


def kind_of(error: BaseException) -> str:
    """One of ``KINDS`` for the exception a failed test raised."""
    for cls, kind in (
        (NotImplementedYet, "not_implemented"), (SubmissionUnavailable, "unavailable"),
        (StudentRaised, "exception"), (StudentTimeout, "timeout"), (RunnerDied, "runner_crash"),
    ):
        if isinstance(error, cls):
            return kind
    return "wrong" if message_for(error)[0] == "failed" else "grader_error"


def message_for(error: BaseException) -> tuple[str, str]:
    """(status, message) for a failed test; only an internal error keeps its type name."""
    if isinstance(error, (CheckFailed, StudentProblem)):
        return "failed", str(error)
    if isinstance(error, AssertionError):
        return "failed", str(error).split("\nassert ")[0] or "a check failed"
    if isinstance(error, Unrecorded):
        return "error", str(error)
    if isinstance(error, wire.WireError):
        return "failed", f"the runner sent back data that could not be read ({error})"
    return "error", (
        f"the grader itself failed ({type(error).__name__}: {error}). "
        "This is not your fault: please tell your instructor."
    )


def own_dependencies(submission_dir: Path, exercise: str) -> dict[str, str]:
    """The earlier exercises the submission's module imports, as its own sources (the students'
    release, which has no reference to serve them from): {exercise: source}."""
    try:
        tree = ast.parse((submission_dir / f"{exercise}.py").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return {}
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.partition(".")[2] for alias in node.names if alias.name.startswith("exercises."))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("exercises."):
                imported.add(node.module.partition(".")[2])
            elif node.module == "exercises":
                imported.update(alias.name for alias in node.names)
    order = course.names()
    earlier = set(order[: order.index(exercise)]) if exercise in order else set()
    sources = {}
    for name in sorted(imported & earlier):
        try:
            sources[name] = (submission_dir / f"{name}.py").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # missing: the stand-in answers, and says it cannot here
    return sources


class GradingPlugin:
    def __init__(self, submission_dir: Path, launcher, settings: Settings):
        self.submission_dir = submission_dir
        self.launcher = launcher
        self.settings = settings
        self.planned: dict[str, PlannedTest] = {}
        self.outputs: dict[str, str] = {}
        self.defects: list[str] = []
        self.finished = 0
        self.own_imports: dict[str, tuple[str, ...]] = {}  # exercise -> the earlier exercises it takes from the submission
        self.failed: set[str] = set()  # exercises with a check that failed in this run

    def pytest_configure(self, config):
        config.addinivalue_line(
            "markers",
            "points(n, hint, code_hint='', title='', visibility='visible', fresh_twin=True): what a grader test is "
            "worth, a short hint shown when it fails, a code-level hint shown on request, a title where the test's "
            "name cannot carry punctuation, who may see it (visible, hidden, after_due_date, after_published), and "
            "whether official grading runs it again on fresh inputs (autograde/grading/fresh.py)",
        )

    def module_visibility(self, module, path: Path) -> str:
        """A module's default: its VISIBILITY, else "hidden" for --extra-graders suites, else "visible"."""
        declared = getattr(module, "VISIBILITY", None)
        if declared is not None:
            return declared
        extra = self.settings.extra_graders
        if extra is not None and Path(path).resolve().is_relative_to(Path(extra).resolve()):
            return "hidden"
        return "visible"

    def pytest_collection_modifyitems(self, session, config, items):
        from autograde.grading.reference_use import instrument_loaded

        instrument_loaded(course.graders_dir(), {id(item.module): item.module for item in items if hasattr(item, "module")}.values())
        for item in items:
            marker = item.get_closest_marker("points")
            if marker is None or not marker.args or "hint" not in marker.kwargs:
                self.defects.append(f"{item.nodeid} has no @pytest.mark.points(n, hint=...)")
                continue
            visibility = marker.kwargs.get("visibility") or self.module_visibility(item.module, item.path)
            if visibility not in VISIBILITIES:
                self.defects.append(f"{item.nodeid} has visibility {visibility!r}: use one of {', '.join(VISIBILITIES)}")
                continue
            self.planned[item.nodeid] = PlannedTest(
                nodeid=item.nodeid,
                exercise=exercise_of(item.path),
                name=item.name,
                points=float(marker.args[0]),
                hint=marker.kwargs["hint"],
                visibility=visibility,
                code_hint=marker.kwargs.get("code_hint") or "",
                title=marker.kwargs.get("title") or "",
            )
        if self.settings.only is not None:
            dropped = [item for item in items if not self._chosen(self.planned.get(item.nodeid))]
            if dropped:
                config.hook.pytest_deselected(items=dropped)
                items[:] = [item for item in items if item not in dropped]

    def _chosen(self, plan: PlannedTest | None) -> bool:
        if plan is None:
            return True  # a defect: reported as such, whatever was asked for
        name = plan.name if plan.visibility == "visible" else HIDDEN_CHECKS
        return (plan.exercise, name) in self.settings.only

    def pytest_deselected(self, items):
        """Checks left out (``-k``, ``--failed``) are not in the report, rather than scoring zero."""
        for item in items:
            self.planned.pop(item.nodeid, None)

    @pytest.fixture(scope="module")
    def student(self, request):
        """The submission's module for this grader's exercise, running in its own runner."""
        exercise = exercise_of(request.path)
        dependencies = {} if course.has_reference() else own_dependencies(self.submission_dir, exercise)
        self.own_imports[exercise] = tuple(dependencies)
        submission = RemoteExercise(
            self.launcher,
            exercise,
            self.submission_dir / f"{exercise}.py",
            dependencies=dependencies,
            forbidden=course.forbidden(exercise),
            timeout=self.settings.timeout,
            memory_bytes=self.settings.memory_bytes,
            restricted=self.settings.restricted,
        )
        yield submission
        submission.close()
        if self.module_visibility(request.module, request.path) == "visible":
            # What a hidden suite's inputs made the code print would tell what the suite checks.
            self.outputs[exercise] = submission.printed_output()

    @pytest.fixture(scope="module")
    def student_source(self, request) -> str:
        """The text of the submission's module (read here, never imported here)."""
        exercise = exercise_of(request.path)
        path = self.submission_dir / f"{exercise}.py"
        try:
            source = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SubmissionUnavailable(f"{exercise}.py is missing from the submission: create it from the stub in exercises/") from None
        except (OSError, UnicodeDecodeError) as error:
            raise SubmissionUnavailable(f"{exercise}.py could not be read as UTF-8 text: {error}") from None
        try:
            ast.parse(source)
        except SyntaxError as error:
            problem = SubmissionUnavailable(f"{exercise}.py has a syntax error at line {error.lineno}: {error.msg}")
            raise problem.at({"line": error.lineno}) from None
        return source

    @pytest.fixture(scope="module")
    def forbidden(self, request) -> list[str]:
        """The APIs that would do this exercise's work (``graders/course.toml``)."""
        return course.forbidden(exercise_of(request.path))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        """Official grading: a test that passed runs again on fresh inputs, and must pass there too."""
        if self.settings.fresh_offset is None:
            return (yield)
        from autograde.grading.fresh import moved_seeds

        with moved_seeds(0) as seeds:
            result = yield
        twin_allowed = item.get_closest_marker("points").kwargs.get("fresh_twin", True)  # collection requires the marker
        if seeds.count and twin_allowed:
            with moved_seeds(self.settings.fresh_offset):
                try:
                    item.runtest()
                except CheckFailed as failure:
                    raise CheckFailed(f"on fresh inputs (official grading checks other inputs than the local checks): {failure}",
                                      line=failure.line).named(failure) from None
        return result

    def pytest_runtest_logfinish(self, nodeid, location):
        if self.settings.progress is not None and nodeid in self.planned:
            self.finished += 1
            self.settings.progress(self.planned[nodeid].exercise, self.finished, len(self.planned))

    def pytest_json_runtest_metadata(self, item, call):
        if call.excinfo is None or call.when == "teardown":
            return {}
        error = call.excinfo.value
        status, message = message_for(error)
        exercise = exercise_of(item.path)
        self.failed.add(exercise)
        suspects = [name for name in self.own_imports.get(exercise, ()) if name in self.failed or name not in self.own_imports]
        if suspects:
            message += "\n" + " ".join(
                f"Your {name} is used here (from exercises.{name} import ...): this failure may come from it, so check it first."
                for name in suspects
            )
        return {"status": status, "message": message, "kind": kind_of(error), "mistake": getattr(error, "mistake", None),
                "mistake_name": getattr(error, "mistake_name", None), "line": getattr(error, "line", None),
                "error_type": getattr(error, "error_type", None), "follows_values": getattr(error, "follows_values", False) is True}

    @pytest.fixture
    def measure(self, request):
        """``measure(name, value, order="asc")`` records a number the checker measured (a held-out
        perplexity, say) as a field of this check's result, whether or not the check passes:
        Gradescope's leaderboard shows it. Only grader code calls it; the value never comes from
        the runner's own report of itself."""
        metadata = request.getfixturevalue("json_metadata")

        def record(name: str, value: float, *, order: str = "asc") -> None:
            if order not in ("asc", "desc"):
                raise ValueError(f"order must be asc or desc, not {order!r}")
            metadata.setdefault("measurements", []).append({"name": str(name), "value": float(value), "order": order})

        return record
