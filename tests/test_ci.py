"""grade ci: the job summary, annotations at the student's file, JUnit, --fail-under, no injection."""

import io
import re
import shutil
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from autograde.commands import ci

CASES = Path(__file__).parent / "cases"
REPO = Path(__file__).resolve().parent.parent

# A missing bias (a known mistake), and workflow commands printed at import and at every call.
INJECTING = textwrap.dedent('''
    import torch
    print("::set-output name=score::100")
    print("::error file=exercises/rnn_step.py::all good, ignore the rest")

    def rnn_step(x_t, h_prev, Wxh, Whh, bh):
        print("::add-mask::x")
        print("::stop-commands::guess")
        return torch.tanh(x_t @ Wxh + h_prev @ Whh)
''')


@pytest.fixture
def workspace(tmp_path):
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / "rnn_step.py").write_text(INJECTING)
    shutil.copyfile(CASES / "rnn_step_fused" / "two_matmuls.py", folder / "rnn_step_fused.py")
    (folder / "rnn_forward.py").write_text("def rnn_forward(x, h0, Wxh, Whh, bh):\n    return (x\n")
    return tmp_path


def run(workspace, **options) -> tuple[int, str]:
    out = io.StringIO()
    status = ci.run_ci(
        workspace / "exercises", ["rnn_step", "rnn_step_fused", "rnn_forward"], workspace=workspace, out=out, **options
    )
    return status, out.getvalue()


def commands_github_would_run(log: str) -> list[str]:
    """The workflow commands in ``log``, honouring ::stop-commands::TOKEN ... ::TOKEN::."""
    active, token = [], None
    for line in log.splitlines():
        if token is not None:
            if line == f"::{token}::":
                token = None
            continue
        if line.startswith("::stop-commands::"):
            token = line.removeprefix("::stop-commands::")
        elif line.startswith("::"):
            active.append(line)
    return active


def test_student_output_cannot_inject_workflow_commands(workspace):
    status, log = run(workspace)
    assert status == 0
    assert "::set-output name=score::100" in log  # shown to the student, but inert
    active = commands_github_would_run(log)
    ours = ("::error file=exercises/", "::error title=", "::group::", "::endgroup::", "::notice title=autograder score::")
    assert active and all(line.startswith(ours) for line in active), active
    assert not any("set-output" in line or "add-mask" in line or "all good" in line for line in active)
    token = re.search(r"^::stop-commands::([0-9a-f]{32})$", log, re.MULTILINE).group(1)
    assert f"::{token}::" in log.splitlines()


def test_escape_sequences_a_submission_prints_reach_no_log_summary_or_junit(workspace, tmp_path):
    (workspace / "exercises" / "rnn_step.py").write_text(textwrap.dedent('''
        print("\\x1b[2J\\x1b[HTotal: 7/7 (100%)\\r\\u202e<script>x</script>")

        def rnn_step(x_t, h_prev, Wxh, Whh, bh):
            raise ValueError("\\x1b[2J\\x1b[H\\u202eTotal: 7/7 (100%)\\r<script>")
    '''))
    status, log = run(workspace, summary=tmp_path / "summary.md", junit=tmp_path / "junit.xml")
    written = [log, (tmp_path / "summary.md").read_text(encoding="utf-8"), (tmp_path / "junit.xml").read_text(encoding="utf-8")]
    for text in written:
        assert not any(c in text for c in ("\x1b", "\r", "\u202e")), text
    assert "\\x1b[2J" in log  # shown, as text


def test_grading_without_a_sandbox_says_so_outside_the_stop_commands_block(workspace, tmp_path, monkeypatch):
    from autograde import formats
    from autograde.grading import engine

    def unsandboxed(submission, exercises, options):
        report = formats.from_json({"score": 0, "max_score": 0, "exercises": {}})
        report.protections = {"mode": "fallback", "bubblewrap": "not installed", "runner_uid": False, "network_isolated": False}
        return report

    monkeypatch.setattr(engine, "grade", unsandboxed)
    status, log = run(workspace, summary=tmp_path / "summary.md")
    warnings = [line for line in commands_github_would_run(log) if line.startswith("::warning ")]
    assert len(warnings) == 1 and warnings[0].startswith("::warning title=graded without a sandbox::")
    assert "not installed" in warnings[0]
    assert "without the bubblewrap sandbox" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    sandboxed = {"score": 0, "max_score": 0, "exercises": {}, "protections": {"mode": "sandbox"}}
    assert ci.sandbox_warning(sandboxed) is None and "sandbox" not in ci.summary_markdown(sandboxed)


def test_failed_checks_are_annotated_at_the_students_file_and_line(workspace):
    _, log = run(workspace)
    active = commands_github_would_run(log)
    syntax = [line for line in active if "file=exercises/rnn_forward.py" in line]
    assert len(syntax) == 1  # every check failed the same way: said once
    assert ",line=2," in syntax[0] and "syntax error" in syntax[0]
    formula = next(line for line in active if "matches the formula in float32" in line)
    assert formula.startswith("::error file=exercises/rnn_step.py,title=rnn_step%3A matches the formula")
    assert "the bias is missing" in formula and "%0A" in formula  # one line, whatever the message
    # One cause, one annotation: the missing bias costs five checks (the gradients of its wrong values
    # too) and is said once, with all five.
    assert sum("the bias is missing" in line for line in active) == 1
    assert "keeps float64 inputs in float64" in formula and "(5 checks, 4.5 points lost)" in formula.replace("%2C", ",")
    assert any("file=exercises/rnn_step_fused.py" in line and "matrix multiplication" in line for line in active)


def test_the_summary_is_a_table_with_every_failure_in_code_blocks(workspace, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier steps' summary\n")
    run(workspace, summary=summary, fail_under=50)
    text = summary.read_text()
    assert text.startswith("earlier steps' summary\n## Autograder: 7.5/22 (34%) — below the required 50%")
    assert "| ❌ `rnn_step` | 2/7 | 6 |" in text and "| ❌ `rnn_forward` | 0/8 |" in text
    assert "**✗ performs exactly one matrix multiplication** (0/1.5)" in text
    printed = text[text.index("<summary>What your code printed</summary>"):]
    assert "```text\n::set-output name=score::100" in printed


def test_a_fence_cannot_be_closed_by_backticks_in_student_text():
    block = ci._fenced("x\n````\n<img src=x>")
    assert block.startswith("`````text\n") and block.endswith("\n`````")


def test_junit_and_fail_under(workspace, tmp_path):
    status, log = run(workspace, junit=tmp_path / "junit.xml", fail_under=50)
    assert status == ci.EXIT_BELOW_THRESHOLD
    assert "::error title=score below the threshold::34.1%25 is below --fail-under 50%25" in commands_github_would_run(log)
    from tests.test_formats import assert_valid_junit

    assert_valid_junit((tmp_path / "junit.xml").read_text(encoding="utf-8"))  # real times, real failures
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert [s.get("name") for s in root] == ["rnn_step", "rnn_step_fused", "rnn_forward"]
    assert root.get("failures") == str(sum(int(s.get("failures")) for s in root))
    assert run(workspace, fail_under=30)[0] == 0


def test_the_ci_command_through_click(workspace, monkeypatch):
    @click.group()
    def main():
        pass

    main.add_command(ci.command)
    monkeypatch.chdir(workspace)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(workspace / "step_summary.md"))
    result = CliRunner().invoke(main, ["ci", "rnn_step_fused", "--fail-under", "90"])
    assert result.exit_code == 1, result.output
    assert "Total: 5.5/7 (78.6%)" in result.output
    assert (workspace / "step_summary.md").read_text().startswith("## Autograder: 5.5/7 (79%)")
    assert CliRunner().invoke(main, ["ci", "rnn_stp"]).exit_code == 2


def test_the_example_workflow_grades_classroom_pushes_with_the_release_s_own_grader():
    """Classroom: students push to main, its feedback pull request targets `feedback`; the
    release (the template repository) grades itself, with no token or private install."""
    text = (REPO / "examples" / "github-classroom.yml").read_text()
    code = "\n".join(line.split(" #")[0] for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert re.search(r"^on:\s*\n\s+push:\s*\n\s+branches: \[main\]", code, re.MULTILINE)
    assert re.search(r"pull_request:\s*\n\s+branches: \[feedback\]", code)
    assert "pull_request_target" not in code and "secrets." not in code and "GRADER_REPO" not in code
    assert "grade\" ci" in text and "--junit" in text and "--fail-under" in text
    assert re.search(r"pip install --quiet \.$", code, re.MULTILINE) and "permissions:" in code


def test_the_example_workflow_grades_inside_bubblewrap_on_ubuntu_24_04():
    """Unprivileged bwrap fails there (AppArmor restricts user namespaces); as root it needs none."""
    text = (REPO / "examples" / "github-classroom.yml").read_text()
    code = "\n".join(line.split(" #")[0] for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert re.search(r"apt-get install[^\n]* bubblewrap", code)
    grading = next(line for line in code.splitlines() if "grade\" ci" in line or "grade ci" in line)
    assert grading.lstrip().startswith("sudo -E env \"PATH=$PATH\"") or "apparmor_restrict_unprivileged_userns=0" in code


def fake_report(failing: dict[str, int]) -> dict:
    """A student view where exercise ``name`` has ``n`` failed checks, each with its own message."""
    exercises = {}
    for name, n in failing.items():
        tests = [{"name": f"test_check_{i}", "score": 0, "max_score": 1, "status": "failed",
                  "message": f"{name} check {i} is wrong", "hint": ""} for i in range(n)]
        tests.append({"name": "test_passes", "score": 1, "max_score": 1, "status": "passed", "message": "", "hint": ""})
        exercises[name] = {"score": 1, "max_score": n + 1, "tests": tests, "output": ""}
    return {"score": len(failing), "max_score": sum(n + 1 for n in failing.values()), "exercises": exercises,
            "protections": {"mode": "sandbox"}}


def test_at_most_ten_errors_with_the_threshold_one_and_every_failing_exercise_first(tmp_path, monkeypatch):
    from autograde import formats
    from autograde.grading import engine

    failing = {"rnn_step": 8, "rnn_forward": 8, "lstm_step": 1, "embedding": 3, "perplexity": 2}
    monkeypatch.setattr(engine, "grade", lambda *args: formats.from_json(fake_report(failing)))
    out = io.StringIO()
    status = ci.run_ci(tmp_path, list(failing), workspace=tmp_path, out=out, fail_under=90)
    assert status == ci.EXIT_BELOW_THRESHOLD
    active = commands_github_would_run(out.getvalue())
    errors = [line for line in active if line.startswith("::error")]
    assert len(errors) == 10 and errors[-1].startswith("::error title=score below the threshold::")
    per_exercise = {name: sum(f"file={name}.py" in line for line in errors) for name in failing}
    assert min(per_exercise.values()) >= 1 and per_exercise == {
        "rnn_step": 2, "rnn_forward": 2, "lstm_step": 1, "embedding": 2, "perplexity": 2,
    }
    notice = next(line for line in active if line.startswith("::notice"))
    assert notice == "::notice title=autograder score::5/27 points (18.5%25); 13 more failed checks are in the job summary and the log"


def test_round_robin_never_gives_an_exercise_a_second_annotation_before_all_have_one():
    report = fake_report({f"ex{i}": 3 for i in range(4)})
    lines, left_out = ci.error_annotations(report, Path("/w/exercises"), Path("/w"), budget=6)
    counts = [sum(f"file=exercises/ex{i}.py" in line for line in lines) for i in range(4)]
    assert counts == [2, 2, 1, 1] and left_out == 6
    lines, left_out = ci.error_annotations(fake_report({f"ex{i}": 1 for i in range(12)}), Path("/w/exercises"), Path("/w"))
    assert len(lines) == 10 and left_out == 2


def test_the_log_has_one_group_per_exercise_opened_outside_the_stop_commands_blocks(workspace):
    _, log = run(workspace)
    active = commands_github_would_run(log)
    groups = [line for line in active if line.startswith("::group::")]
    assert groups == ["::group::rnn_step 2/7", "::group::rnn_step_fused 5.5/7", "::group::rnn_forward 0/8"]
    assert active.count("::endgroup::") == 3
    lines = log.splitlines()
    for start in (i for i, line in enumerate(lines) if line.startswith("::group::")):
        assert lines[start + 1].startswith("::stop-commands::")  # the exercise's text is inert
        token = lines[start + 1].removeprefix("::stop-commands::")
        end = lines.index(f"::{token}::", start)
        assert lines[end + 1] == "::endgroup::"
    assert len({line for line in lines if line.startswith("::stop-commands::")}) == 4  # a fresh token each
