"""grade batch: reading submissions safely, one row per submission, outputs, resuming, Ctrl-C."""

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from autograde.batch import journal, outputs, run, workers
from autograde.batch.rows import Row
from autograde.commands import batch as batch_command
from autograde.errors import EXIT_INTERRUPTED, BadSubmission
from autograde.grading import intake
from autograde.grading import course
from autograde.formats import gradescope
from tests.helpers import without_timings

CASES = Path(__file__).parent / "cases"
REPO = Path(__file__).resolve().parent.parent
EXERCISES = ["rnn_step", "rnn_step_fused", "rnn_forward"]  # rnn_forward's reference uses rnn_step


def reference(name: str) -> bytes:
    return (course.reference_dir() / f"{name}.py").read_bytes()


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# -- reading submissions (no grading) ---------------------------------------------------------


def test_a_zip_keeps_only_contract_files_from_its_wrapping_folder_and_never_follows_paths(tmp_path):
    archive = make_zip(tmp_path / "ann.zip", {
        "ann-main/exercises/rnn_step.py": b"x = 1\n",
        "ann-main/exercises/helper.py": b"import os\n",
        "ann-main/README.md": b"hi",
        "../../rnn_step_fused.py": b"escape",
        "/etc/rnn_forward.py": b"absolute",
        "__MACOSX/ann-main/exercises/._rnn_step.py": b"junk",
    })
    assert intake.collect(archive) == {"rnn_step": b"x = 1\n"}
    assert not (tmp_path.parent / "rnn_step_fused.py").exists()


def test_a_zip_may_hold_the_files_at_its_top(tmp_path):
    archive = make_zip(tmp_path / "bo.zip", {"rnn_step.py": b"a", "rnn_forward.py": b"b", "notes.txt": b"c"})
    assert intake.collect(archive) == {"rnn_step": b"a", "rnn_forward": b"b"}


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ({"rnn_step.py": b"\0" * (intake.MAX_FILE_BYTES + 1)}, "larger than 1 MiB"),  # compresses to almost nothing
        ({"notes/readme.txt": b"no python here"}, "no exercise files"),
    ],
)
def test_a_zip_too_large_or_without_exercises_is_a_bad_submission(tmp_path, members, expected):
    with pytest.raises(BadSubmission, match=expected):
        intake.collect(make_zip(tmp_path / "x.zip", members))


def test_a_corrupt_or_truncated_zip_is_a_bad_submission(tmp_path):
    (tmp_path / "garbage.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(BadSubmission, match="could not be read"):
        intake.collect(tmp_path / "garbage.zip")
    good = make_zip(tmp_path / "good.zip", {"rnn_step.py": reference("rnn_step")})
    (tmp_path / "cut.zip").write_bytes(good.read_bytes()[:60])
    with pytest.raises(BadSubmission, match="could not be read"):
        intake.collect(tmp_path / "cut.zip")


def test_a_folder_is_read_at_its_top_in_exercises_or_in_one_wrapping_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "rnn_step.py").write_bytes(b"top")
    (tmp_path / "b" / "repo" / "exercises").mkdir(parents=True)
    (tmp_path / "b" / "repo" / "exercises" / "rnn_step.py").write_bytes(b"nested")
    (tmp_path / "b" / "notes.txt").write_text("not a folder")
    assert intake.collect(tmp_path / "a") == {"rnn_step": b"top"}
    assert intake.collect(tmp_path / "b") == {"rnn_step": b"nested"}


def test_a_symlinked_exercise_file_is_refused(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "rnn_step.py").symlink_to(course.reference_dir() / "rnn_step.py")
    with pytest.raises(BadSubmission, match="symbolic link"):
        intake.collect(tmp_path / "c")


def test_the_content_hash_depends_on_names_and_bytes_only():
    assert intake.content_hash({"a": b"1", "b": b"2"}) == intake.content_hash({"b": b"2", "a": b"1"})
    assert intake.content_hash({"a": b"1"}) != intake.content_hash({"b": b"1"})
    assert intake.content_hash({"a": b"12"}) != intake.content_hash({"a": b"1", "b": b"2"})


def test_the_fingerprint_changes_with_the_exercises_the_limits_and_the_extra_graders(tmp_path):
    options = {"timeout": 10.0, "memory_bytes": 1 << 30, "extra_graders": None}
    base = journal.grading_fingerprint(["rnn_step"], options)
    assert base == journal.grading_fingerprint(["rnn_step"], dict(options))
    assert base != journal.grading_fingerprint(["rnn_step", "rnn_forward"], options)
    assert base != journal.grading_fingerprint(["rnn_step"], dict(options, timeout=5.0))
    (tmp_path / "test_rnn_step.py").write_text("# hidden checks")
    with_extra = journal.grading_fingerprint(["rnn_step"], dict(options, extra_graders=str(tmp_path)))
    (tmp_path / "test_rnn_step.py").write_text("# hidden checks, fixed")
    fixed = journal.grading_fingerprint(["rnn_step"], dict(options, extra_graders=str(tmp_path)))
    assert fixed != with_extra
    (tmp_path / "test_lstm_step.py").write_text("# another exercise's suite does not count")
    assert journal.grading_fingerprint(["rnn_step"], dict(options, extra_graders=str(tmp_path))) == fixed


def test_the_fingerprint_covers_every_file_of_the_course_not_only_python(tmp_path, monkeypatch):
    from autograde.grading import course

    graders = tmp_path / "graders"
    shutil.copytree(course.graders_dir(), graders, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(course, "graders_dir", lambda: graders)
    before = journal.grading_fingerprint(["rnn_step"], {})
    (graders / "__pycache__").mkdir(exist_ok=True)
    (graders / "__pycache__" / "stale.pyc").write_bytes(b"bytecode does not count")
    assert journal.grading_fingerprint(["rnn_step"], {}) == before
    toml = graders / "course.toml"
    toml.write_text(toml.read_text() + "\n# an instructor's edit\n")
    assert journal.grading_fingerprint(["rnn_step"], {}) != before


def test_the_journal_skips_a_line_cut_short_and_the_last_line_wins(tmp_path):
    log = journal.Journal(tmp_path / "journal.jsonl")
    log.append({"student": "ann", "hash": "h1"})
    log.append({"student": "ann", "hash": "h2"})
    with open(log.path, "a") as stream:
        stream.write('{"v": 1, "student": "bo", "ha')  # a crash mid-write
    assert {s: e["hash"] for s, e in log.load().items()} == {"ann": "h2"}


def test_gradebook_cells_cannot_run_as_spreadsheet_formulas():
    rows = [Row("=HYPERLINK(\"x\")", "graded", {"score": 1, "max_score": 2, "exercises": {
        "rnn_step": {"score": 1, "max_score": 2, "tests": [], "output": ""}}}),
        Row("bo", "-not a zip")]
    text = outputs.gradebook_csv(rows, {"rnn_step": 2.0})
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == ["student", "student_as_text", "rnn_step", "total", "percent", "status"]
    assert parsed[1] == ["Points Possible", "Points Possible", "2", "2", "100.00", ""]
    assert parsed[2][0] == "=HYPERLINK(\"x\")"  # as given: it matches reports/ and the LMS
    assert parsed[2][1].startswith("'=") and parsed[3][-1] == "'-not a zip"
    assert parsed[3][:5] == ["bo", "bo", "0", "0", "0.00"]  # ungraded: 0, and the status says why


def test_any_file_name_becomes_one_row_and_every_output_is_written(tmp_path):
    subs = tmp_path / "submissions"
    subs.mkdir()
    undecodable = os.fsdecode(b"\xff\xfe student")
    (subs / undecodable).mkdir()
    (subs / undecodable / "rnn_step.py").write_bytes(reference("rnn_step"))
    long_name = os.fsdecode(b"z" * 200 + "é".encode() * 25)  # 250 bytes: Linux allows 255 per name
    for name in (b"-rf", b"a\nb", b"\x1b[2Jfake", b"-rf.zip"):
        (subs / os.fsdecode(name)).mkdir()
    (subs / long_name).write_bytes(b"not a zip")
    out = tmp_path / "out"
    result = run.run_batch(subs, out, ["rnn_step"], workers=1, quiet=True)

    rows, reports, results = read_outputs(out)
    assert len(rows) == len(result.rows) == 6  # "-rf" the folder and "-rf.zip" the folder: two ids
    ids = [r["student"] for r in rows]
    assert "\\xff\\xfe student" in ids and "a\\x0ab" in ids and "\\x1b[2Jfake" in ids
    assert "-rf" in ids and "'-rf" in [r["student_as_text"] for r in rows]  # as given, and the formula guard beside it
    assert all(len(i) <= 200 and "\n" not in i and "\x1b" not in i for i in ids)
    by_student = {r["student"]: r for r in rows}
    assert by_student["\\xff\\xfe student"]["total"] == "7"
    assert len(reports) == len(results) == 6
    for stem in reports:
        assert "/" not in stem and "\\" not in stem and stem[0] not in ".-" and len(stem.encode()) <= 200
    assert (out / "report.html").read_text(encoding="utf-8").count("<tr><td>") >= 6

    again = run.run_batch(subs, out, ["rnn_step"], workers=1, quiet=True)  # the ids are stable: nothing to redo
    assert again.graded_now == 0 and again.reused == 1
    assert sorted(p.name for p in (out / "reports").iterdir()) == sorted(f"{stem}.{ext}" for stem in reports for ext in ("html", "json"))


# -- grading a class ----------------------------------------------------------------------------


@pytest.fixture
def mixed_class(tmp_path):
    """Correct, partly wrong, broken and unreadable submissions, as instructors receive them."""
    subs = tmp_path / "submissions"
    subs.mkdir()
    (subs / "alice").mkdir()
    for name in EXERCISES:
        (subs / "alice" / f"{name}.py").write_bytes(reference(name))
    make_zip(subs / "bob.zip", {
        "bob-main/exercises/rnn_step.py": reference("rnn_step"),
        "bob-main/exercises/rnn_step_fused.py": (CASES / "rnn_step_fused" / "two_matmuls.py").read_bytes(),
        "bob-main/README.md": b"my solutions",
    })
    (subs / "carol").mkdir()
    (subs / "carol" / "rnn_step.py").write_text("def rnn_step(x_t, h_prev:\n    pass\n")
    (subs / "dan").mkdir()
    (subs / "dan" / "rnn_step.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (subs / "corrupt.zip").write_bytes(b"definitely not a zip")
    (subs / "empty").mkdir()
    (subs / "eve").mkdir()
    (subs / "eve" / "answers.pdf").write_bytes(b"%PDF-1.4")
    (subs / "notes.txt").write_text("a stray file")
    return subs


EXPECTED_STATUS = {
    "alice": "graded", "bob": "graded", "carol": "graded", "dan": "graded",
    "corrupt": "the zip file could not be read", "empty": "no exercise files", "eve": "no exercise files",
    "notes.txt": "not a folder or a .zip file",
}


def read_outputs(out: Path) -> tuple[list[dict], dict, dict]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert rows[0]["student"] == outputs.POINTS_POSSIBLE
    rows = rows[1:]
    reports = {p.stem: json.loads(p.read_text()) for p in (out / "reports").glob("*.json")}
    results = {p.stem: json.loads(p.read_text()) for p in (out / "gradescope").glob("*.json")}
    return rows, reports, results


def test_a_mixed_class_gives_one_row_each_valid_outputs_and_the_same_scores_with_any_workers(mixed_class, tmp_path):
    out = tmp_path / "out"
    result = run.run_batch(mixed_class, out, EXERCISES, workers=2, quiet=True)
    assert result.graded_now == 4 and result.exercise_max == {"rnn_step": 7.0, "rnn_step_fused": 7.0, "rnn_forward": 8.0}

    rows, reports, results = read_outputs(out)
    with open(out / "gradebook.csv", encoding="utf-8") as stream:
        assert next(csv.reader(stream)) == ["student", "student_as_text", *EXERCISES, "total", "percent", "status"]
    assert [r["student"] for r in rows] == sorted(EXPECTED_STATUS)
    for row in rows:
        assert row["status"].startswith(EXPECTED_STATUS[row["student"]]), row
    by_student = {r["student"]: r for r in rows}
    assert (by_student["alice"]["total"], by_student["alice"]["percent"]) == ("22", "100.00")
    assert (by_student["bob"]["rnn_step_fused"], by_student["bob"]["rnn_forward"], by_student["bob"]["total"]) == ("5.5", "0", "12.5")
    assert by_student["carol"]["total"] == "0" and by_student["corrupt"]["total"] == "0"
    carol = reports["carol"]["exercises"]["rnn_step"]["tests"][0]["message"]
    assert "syntax error at line 1" in carol
    assert "rnn_step_fused.py is missing" in reports["carol"]["exercises"]["rnn_step_fused"]["tests"][0]["message"]

    assert set(reports) == set(results) == set(EXPECTED_STATUS)
    for student, data in results.items():
        assert gradescope.problems(data) == [], student
    assert results["alice"]["score"] == 22 and results["corrupt"]["score"] == 0
    assert "could not be graded" in results["corrupt"]["output"]
    page = (out / "report.html").read_text(encoding="utf-8")
    for chart in ("score-distribution", "exercise-mean", "exercise-failure-rate", "test-failure-rate", "slowest"):
        assert f'data-chart="{chart}"' in page
    assert "performs exactly one matrix multiplication" in page
    assert '<a href="reports/alice.html">alice</a>' in page and (out / "reports" / "alice.html").exists()
    from tests.test_formats import assert_strict_html

    assert_strict_html(page)
    assert_strict_html((out / "reports" / "bob.html").read_text(encoding="utf-8"))

    gradebook = (out / "gradebook.csv").read_text()
    (out / "journal.jsonl").unlink()
    again = run.run_batch(mixed_class, out, EXERCISES, workers=1, quiet=True)
    assert again.graded_now == 4
    assert (out / "gradebook.csv").read_text() == gradebook
    assert {s: without_timings(r) for s, r in read_outputs(out)[1].items()} == {s: without_timings(r) for s, r in reports.items()}


SLOW_STEP = textwrap.dedent("""
    import torch
    def rnn_step(x_t, h_prev, Wxh, Whh, bh):
        busy = torch.ones(256, 256)  # a few ms of work per call (time.sleep is not allowed)
        for _ in range(40):
            busy = torch.tanh(busy @ busy / 256)
        return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
""")

SUPERVISOR = textwrap.dedent("""
    # Runs the batch like a terminal would, presses Ctrl-C once a result is journalled, then
    # lists what is still running. As a child subreaper it inherits every orphan the batch leaves.
    import ctypes, json, os, signal, subprocess, sys, time
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    command, journal = json.loads(sys.argv[1]), sys.argv[2]
    batch = subprocess.Popen(command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and batch.poll() is None:
        if os.path.exists(journal) and open(journal).read().count("\\n") >= 1:
            break
        time.sleep(0.05)
    os.killpg(batch.pid, signal.SIGINT)
    out, err = batch.communicate(timeout=120)

    def children():
        found = []
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/stat") as stream:
                    fields = stream.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if entry.isdigit() and int(fields[1]) == os.getpid() and fields[0] != "Z":
                found.append(entry)
        return found

    left = []
    for _ in range(100):
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        left = children()
        if not left:
            break
        time.sleep(0.1)
    names = []
    for pid in left:
        try:
            names.append(open(f"/proc/{pid}/cmdline").read().replace("\\0", " "))
        except OSError:
            pass
    print(json.dumps({"returncode": batch.returncode, "stderr": err.decode(), "left": names}))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses a Linux child subreaper")
def test_ctrl_c_stops_cleanly_and_a_rerun_grades_only_what_was_not_done(tmp_path, monkeypatch):
    subs = tmp_path / "submissions"
    for student in ("ann", "bo", "cy", "di"):
        (subs / student).mkdir(parents=True)
        (subs / student / "rnn_step.py").write_text(SLOW_STEP + f"# {student}\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "cli", "batch", str(subs), "-o", str(out), "-e", "rnn_step", "--workers", "1", "-q"]
    supervisor = subprocess.run(
        [sys.executable, "-c", SUPERVISOR, json.dumps(command), str(out / "journal.jsonl")],
        cwd=REPO, capture_output=True, text=True, timeout=400,
    )
    outcome = json.loads(supervisor.stdout.strip().splitlines()[-1])
    assert outcome["returncode"] == EXIT_INTERRUPTED, outcome
    assert "Run the same command again" in outcome["stderr"] and "Traceback" not in outcome["stderr"]
    assert outcome["left"] == [], "processes survived Ctrl-C"
    done = journal.Journal(out / "journal.jsonl").load()
    assert 1 <= len(done) < 4 and not (out / "gradebook.csv").exists()
    # Pin the grading code's fingerprint to the first run's: in a shared checkout, someone
    # editing a grader in the meantime would (rightly) make everything regrade.
    fingerprint = next(iter(done.values()))["config"]
    monkeypatch.setattr(run, "grading_fingerprint", lambda exercises, options: fingerprint)

    result = run.run_batch(subs, out, ["rnn_step"], workers=2, quiet=True)
    assert (result.reused, result.graded_now) == (len(done), 4 - len(done))
    lines = (out / "journal.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["student"] for line in lines) == ["ann", "bo", "cy", "di"]  # each graded once
    assert all(r.status == "graded" and r.report["score"] == 7 for r in result.rows)

    (subs / "bo" / "rnn_step.py").write_text(SLOW_STEP.replace("+ bh)", ")"))  # bo resubmits
    asked = []

    def grade_nothing(self, *args):
        asked.extend(submission.student for submission in self.todo)
        for submission in self.todo:
            self.rows[submission.student] = Row(submission.student, "graded", result.rows[0].report)

    monkeypatch.setattr(run.BatchRun, "run", grade_nothing)
    again = run.run_batch(subs, out, ["rnn_step"], workers=1, quiet=True)
    assert asked == ["bo"] and again.reused == 3


def test_a_grading_process_that_dies_costs_one_row_and_is_replaced(tmp_path, monkeypatch):
    import multiprocessing
    import threading
    import time

    subs = tmp_path / "submissions"
    for student in ("ann", "bo"):
        (subs / student).mkdir(parents=True)
        (subs / student / "rnn_step.py").write_text(SLOW_STEP)
    staged = threading.Event()
    stage = intake.stage
    monkeypatch.setattr(run, "stage", lambda files, folder: (staged.set(), stage(files, folder))[1])

    def kill_the_worker_mid_grading():
        staged.wait(300)
        time.sleep(0.5)
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)

    threading.Thread(target=kill_the_worker_mid_grading, daemon=True).start()
    result = run.run_batch(subs, tmp_path / "out", ["rnn_step"], workers=1, quiet=True)
    status = {row.student: row.status for row in result.rows}
    assert status["ann"].startswith("grading failed: the grading process ended") and status["bo"] == "graded"
    assert list(journal.Journal(tmp_path / "out" / "journal.jsonl").load()) == ["bo"]  # ann is graded on a re-run


def test_the_batch_process_itself_never_imports_torch_or_a_grader(tmp_path):
    (tmp_path / "subs" / "empty").mkdir(parents=True)
    (tmp_path / "subs" / "bad.zip").write_bytes(b"no")
    script = (
        "import sys; from pathlib import Path; from autograde.batch import run; "
        f"run.run_batch(Path({str(tmp_path / 'subs')!r}), Path({str(tmp_path / 'out')!r}), ['rnn_step'], quiet=True); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'pytest', 'graders', 'reference', 'exercises', 'distributed', 'dask')))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert workers.start_method() == "spawn"  # this test process did import torch: never fork it


def test_the_batch_command_reports_usage_errors_and_a_summary(mixed_class, tmp_path):
    import click
    from click.testing import CliRunner

    @click.group()
    def main():
        pass

    main.add_command(batch_command.command)
    runner = CliRunner()
    wrong = runner.invoke(main, ["batch", str(mixed_class), "-o", str(tmp_path / "o"), "-e", "rnn_stp"])
    assert wrong.exit_code == 2 and "Did you mean 'rnn_step'?" in wrong.output
    shutil.rmtree(mixed_class / "alice")
    for name in ("bob.zip", "carol", "dan"):
        path = mixed_class / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    result = runner.invoke(main, ["batch", str(mixed_class), "-o", str(tmp_path / "o"), "-e", "rnn_step", "-q"])
    assert result.exit_code == 0, result.output
    assert "4 submissions: 0 graded" in result.output and "4 could not be graded" in result.output
    assert os.path.exists(tmp_path / "o" / "report.html")
