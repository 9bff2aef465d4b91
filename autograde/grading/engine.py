"""Grading a submission: start the fork server, run the grader suites with pytest, score them.

This is the one function the CLI (and the tests) call. The trusted process runs pytest and
every check; student code only ever runs in runners started by ``launch``.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from autograde.grading import course
from autograde.errors import GraderBroken
from autograde.sandbox.protocol import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Options:
    timeout: float = DEFAULT_TIMEOUT
    memory_bytes: int = DEFAULT_MEMORY_BYTES
    extra_graders: Path | None = None  # instructor-only suites, test_<exercise>.py (hidden by default)
    restricted: bool = True  # False runs submissions without the submission policy: for tests of the walls beneath it
    fresh_inputs: bool = False  # official grading: every check also runs on fresh inputs (autograde/grading/fresh.py)
    keyword: str | None = None  # run only the checks matching this pytest -k expression
    only: frozenset[tuple[str, str]] | None = None  # run only these (exercise, check name) pairs; see plugin.Settings

    @property
    def selects(self) -> bool:
        """Whether only some checks run (the report then holds only those)."""
        return self.keyword is not None or self.only is not None


def start() -> None:
    """Start the fork server now, while this process holds nothing but torch.

    Call it before anything imports a grader or a reference module; ``grade`` calls it too.
    """
    import gc

    from autograde.sandbox.launch import default_launcher

    default_launcher()  # a sandboxed fork server imports torch in parallel with us
    import torch  # noqa: F401

    gc.freeze()  # torch's million objects need no more garbage collection passes


@contextlib.contextmanager
def _plugin_autoload_disabled():
    """Only our plugins run: others installed here (hypothesis costs 1 s to load) stay out."""
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous


def _run_pytest(exercises: list[str], plugin, extra_args: list[str], extra_graders: Path | None = None, selects: bool = False):
    """Run the grader suites of ``exercises`` in this process; returns pytest-json-report's report."""
    import pytest
    from pytest_jsonreport.plugin import JSONReport

    results = JSONReport()
    graders = rootdir = course.graders_dir()
    args = [str(course.grader_file(name, graders)) for name in exercises]
    if extra_graders is not None:
        extra = Path(extra_graders).resolve()
        args += [str(path) for name in exercises if (path := course.grader_file(name, extra)).is_file()]
        # A common root keeps node ids unique: outside the rootdir, pytest names every test "::name".
        rootdir = Path(os.path.commonpath([graders.resolve(), extra]))
    args += [
        "-c", os.devnull,  # no ini file of the user's (or of the submission's) applies
        f"--rootdir={rootdir}",
        "--noconftest",
        "--import-mode=importlib",
        "--capture=no",
        "-q",
        "--tb=no",
        "-p", "no:cacheprovider",
        "-p", "no:unraisableexception",  # its five full gc passes over torch's heap cost 0.5 s
        "-p", "no:logging",  # nothing reads captured logs: its handlers cost ~0.1 s per exercise
        "-p", "pytest_jsonreport.plugin",
        "--json-report-file=none",
        # Scoring reads outcomes, metadata and durations only; capturing logs per phase and
        # formatting tracebacks (a submission's failure is a message, not a traceback) cost time.
        "--json-report-omit", "log", "traceback", "streams", "keywords", "warnings",
        *extra_args,
    ]
    with contextlib.redirect_stdout(io.StringIO()) as noise, _plugin_autoload_disabled():
        exit_code = pytest.main(args, plugins=[plugin, results])
    if exit_code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if plugin.defects:
        raise GraderBroken("; ".join(plugin.defects))
    broken = [c["nodeid"] for c in (results.report or {}).get("collectors", []) if c.get("outcome") == "failed"]
    ran = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) + ((pytest.ExitCode.NO_TESTS_COLLECTED,) if selects else ())
    if exit_code not in ran or broken:
        raise GraderBroken(
            f"the grader suites could not run (pytest exit code {int(exit_code)}): {noise.getvalue()[-2000:]}"
        )
    return results.report


def plan(exercises: list[str], extra_graders: Path | None = None) -> dict[str, float]:
    """What each exercise is worth, from its grader suite, without running anything."""
    from autograde.grading.plugin import GradingPlugin, Settings

    course.resolve_exercises_to_reference()  # collecting imports references, which import exercises.X
    plugin = GradingPlugin(Path("."), None, Settings(DEFAULT_TIMEOUT, DEFAULT_MEMORY_BYTES, extra_graders))
    _run_pytest(exercises, plugin, ["--collect-only"], extra_graders)
    points = dict.fromkeys(exercises, 0.0)
    for test in plugin.planned.values():
        points[test.exercise] += test.points
    return points


def _warm_up_training(launcher) -> None:
    """An exercise that trains builds torch optimizers in its runners and, for the reference's
    training, here; the first optimizer of a process imports torch._dynamo (1.6 s). The fork
    server pays that once for all its runners, while this process pays it for itself."""
    import torch

    launcher.warm_up_training()
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def grade(submission_dir: Path, exercises: list[str], options: Options = Options(), launcher=None, progress=None):
    """Grade ``exercises`` of the submission in ``submission_dir``; returns a GradeReport.

    ``launcher`` starts the runners (default: this process's fork server, sandboxed if possible);
    ``progress(exercise, checks_done, checks_in_all)`` is called after every check.
    """
    from autograde.grading import fresh, scoring
    from autograde.sandbox.launch import default_launcher
    from autograde.grading.plugin import GradingPlugin, Settings

    plugin = GradingPlugin(
        Path(submission_dir), launcher or default_launcher(), Settings(
            options.timeout, options.memory_bytes, options.extra_graders, progress, options.restricted, options.only,
            fresh.offset() if options.fresh_inputs else None,
        )
    )
    course.resolve_exercises_to_reference()
    if course.trains(exercises):
        _warm_up_training(plugin.launcher)
    keyword = ["-k", options.keyword] if options.keyword is not None else []
    report = _run_pytest(exercises, plugin, keyword, options.extra_graders, options.selects)
    result = scoring.score(report, plugin.planned, exercises, plugin.outputs)
    result.protections = plugin.launcher.protections.to_json()
    return result
