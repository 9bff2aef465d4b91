"""grade export: a batch's gradebook as the import file Canvas or Moodle accepts as it is."""

import csv
import io

import click
from click.testing import CliRunner

from autograde.batch import outputs
from autograde.batch.rows import Row
from autograde.commands import export
from autograde.formats import lms

WORTH = {"rnn_step": 7.0, "rnn_forward": 8.0}


def report(step: float, forward: float) -> dict:
    return {"score": step + forward, "max_score": 15, "exercises": {
        "rnn_step": {"score": step, "max_score": 7, "tests": [], "output": ""},
        "rnn_forward": {"score": forward, "max_score": 8, "tests": [], "output": ""},
    }}


def results_folder(tmp_path):
    rows = [Row("jdoe", "graded", report(7, 4)), Row("=1+1", "graded", report(1, 0)),
            Row("asmith", "the zip file could not be read"), Row("stranger", "graded", report(7, 8))]
    folder = tmp_path / "results"
    folder.mkdir(exist_ok=True)
    (folder / "gradebook.csv").write_text(outputs.gradebook_csv(rows, WORTH), encoding="utf-8")
    return folder


# What Canvas's Grades > Export writes: a BOM-less CSV, a Points Possible row, an assignment with its id.
CANVAS_ROSTER = (
    "Student,ID,SIS User ID,SIS Login ID,Section,RNN autograder (4242),Quiz 1 (17)\n"
    "    Points Possible,,,,,100,10\n"
    '"Doe, Jane",101,S101,jdoe,Section A,,9\n'
    '"Smith, Al",102,S102,asmith,Section A,,8\n'
    '"One, Plus",103,S103,=1+1,Section B,,7\n'
    '"Absent, Ann",104,S104,aabsent,Section B,,6\n'
)
MOODLE_ROSTER = (
    "\ufeffFirst name,Last name,ID number,Institution,Department,Email address,Assignment: RNN (Real)\n"
    "Jane,Doe,5001,,,jdoe@uni.example,-\n"
    "Ann,Absent,5004,,,aabsent@uni.example,-\n"
)


def test_canvas_import_has_the_identity_columns_one_assignment_column_and_points_possible(tmp_path):
    roster = tmp_path / "canvas.csv"
    roster.write_text(CANVAS_ROSTER)
    made = lms.export("canvas", lms.read_gradebook(results_folder(tmp_path)), roster, assignment="RNN autograder")
    rows = list(csv.reader(io.StringIO(made.text)))
    # Canvas makes every column after Section an assignment: exactly one, the existing one by its id.
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "RNN autograder (4242)"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "15"]
    by_login = {r[3]: r for r in rows[2:]}
    assert by_login["jdoe"][-1] == "11" and by_login["=1+1"][-1] == "1"  # the id as given matches
    assert by_login["asmith"][-1] == "" and by_login["aabsent"][-1] == ""  # blank: not graded, not submitted
    assert made.no_submission == ["Absent, Ann"] and made.no_roster_match == ["stranger"]
    assert made.ungraded == ["Smith, Al (asmith: the zip file could not be read)"]

    zero = lms.export("canvas", lms.read_gradebook(results_folder(tmp_path)), roster, assignment="Lab 3",
                      per_exercise=True, missing="zero")
    rows = list(csv.reader(io.StringIO(zero.text)))
    assert rows[0][5:] == ["Lab 3: rnn_step", "Lab 3: rnn_forward"] and rows[1][5:] == ["7", "8"]
    assert {r[3]: r[5:] for r in rows[2:]}["aabsent"] == ["0", "0"]


def test_moodle_import_keeps_the_columns_moodle_identifies_users_by(tmp_path):
    roster = tmp_path / "moodle.csv"
    roster.write_text(MOODLE_ROSTER, encoding="utf-8")
    made = lms.export("moodle", lms.read_gradebook(results_folder(tmp_path)), roster, assignment="RNN")
    rows = list(csv.reader(io.StringIO(made.text)))
    assert rows[0] == ["First name", "Last name", "ID number", "Institution", "Department", "Email address", "RNN"]
    assert rows[1] == ["Jane", "Doe", "5001", "", "", "jdoe@uni.example", "11"]  # matched by the email's local part
    assert len(rows) == 3 and made.maximum == {"RNN": 15}
    assert sorted(made.no_roster_match) == ["=1+1", "asmith", "stranger"]


def test_the_export_command(tmp_path):
    @click.group()
    def main():
        pass

    main.add_command(export.command)
    results = results_folder(tmp_path)
    roster = tmp_path / "canvas.csv"
    roster.write_text(CANVAS_ROSTER)
    result = CliRunner().invoke(main, ["export", "canvas", str(results), "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    assert "1 on the roster with no submission (blank in the file):\n  Absent, Ann" in result.output
    assert "submissions that match no roster student" in result.output and "  stranger" in result.output
    assert (results / "canvas-import.csv").read_text().startswith("Student,ID,SIS User ID,SIS Login ID,Section,")
    wrong = CliRunner().invoke(main, ["export", "canvas", str(results), "--roster", str(tmp_path / "moodle.csv")])
    assert wrong.exit_code == 2
    (tmp_path / "moodle.csv").write_text(MOODLE_ROSTER)
    wrong = CliRunner().invoke(main, ["export", "canvas", str(results), "--roster", str(tmp_path / "moodle.csv")])
    assert wrong.exit_code == 2 and "not a Canvas gradebook export" in wrong.output
