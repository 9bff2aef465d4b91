"""The trust boundary as the layout draws it: the untrusted side imports nothing of the trusted side,
and a runner cannot import the course's reference, graders or tests."""

import ast
from pathlib import Path

import pytest

import autograde
from autograde.grading.remote import RemoteExercise, StudentRaised
from autograde.sandbox.launch import default_launcher

ENGINE = Path(autograde.__file__).parent
UNTRUSTED = ENGINE / "sandbox"


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted(UNTRUSTED.glob("*.py")), ids=lambda p: p.name)
def test_the_untrusted_side_imports_only_itself_of_the_project(path):
    project = {"autograde", "reference", "graders", "tests", "cli"}  # exercises.X is the runner's own namespace
    crossing = sorted(
        name for name in imported_modules(path)
        if name.partition(".")[0] in project and not (name == "autograde.sandbox" or name.startswith("autograde.sandbox."))
    )
    assert not crossing, f"{path.name} imports {crossing} from outside autograde/sandbox"


def test_every_engine_module_sits_in_a_folder_that_names_its_side():
    loose = sorted(p.name for p in ENGINE.glob("*.py") if p.name not in ("__init__.py", "errors.py"))
    assert not loose, f"modules outside the layout's folders: {loose}"


@pytest.mark.parametrize("module", ["reference.rnn_step", "graders.test_rnn_step", "tests.helpers", "cli", "reference"])
def test_a_runner_cannot_import_the_course(tmp_path, module):
    source = f"import importlib\ndef rnn_step(*args):\n    return importlib.import_module({module!r}).__name__\n"
    (tmp_path / "rnn_step.py").write_text(source)
    # Without the submission policy, which refuses importlib before anything runs: the import
    # guard beneath it must hold on its own.
    submission = RemoteExercise(default_launcher(), "rnn_step", tmp_path / "rnn_step.py", restricted=False)
    try:
        with pytest.raises(StudentRaised, match="not available while grading|No module named"):
            submission.rnn_step()
    finally:
        submission.close()
