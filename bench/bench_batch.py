"""How much faster `grade batch --workers 2` grades a class than one `grade all` process per student.

Grades N complete, correct submissions (copies of reference/) first one `grade all --submission`
process at a time, then all at once with `grade batch --workers 2`, checks both give full
marks, and prints both wall times and their ratio (target: >= 2.5). It also splits the batch's
time into the workers' start-up and the grading itself (from the journal), to show where the
rest goes. Every exercise `autograde.course.exercises()` finds a grader for is graded.

Run from the repository root: python bench/bench_batch.py [--submissions 8] [--workers 2] [--skip train_lm]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def batch_command() -> list[str]:
    """`grade batch` once cli.py registers it; the module's own entry point until then."""
    probe = subprocess.run(
        [sys.executable, "-c", "import cli; print('batch' in cli.main.commands)"], capture_output=True, text=True, cwd=REPO
    )
    if probe.stdout.strip() == "True":
        return [sys.executable, str(REPO / "cli.py"), "batch"]
    return [sys.executable, "-m", "cli", "batch"]


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip", nargs="*", default=[], metavar="EXERCISE",
                        help="Leave these exercises out (e.g. train_lm, whose grader trains for ~20 s).")
    args = parser.parse_args()
    from autograde.grading import course

    exercises = [name for name in course.exercises() if name not in args.skip]
    print(f"{args.submissions} submissions x {len(exercises)} exercises ({', '.join(exercises)}); "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        submissions = work / "submissions"
        for i in range(args.submissions):
            shutil.copytree(REPO / "reference", submissions / f"student{i:02d}", ignore=shutil.ignore_patterns("__pycache__"))

        sequential = 0.0
        for student in sorted(submissions.iterdir()):
            sequential += timed([sys.executable, str(REPO / "cli.py"), *exercises, "--submission", str(student), "-q",
                                 "--fail-under", "100"], work)
        out = work / "out"
        selection = [arg for name in exercises for arg in ("-e", name)]
        parallel = timed([*batch_command(), str(submissions), "-o", str(out), "--workers", str(args.workers), "-q",
                          *selection], work)

        with open(out / "gradebook.csv", newline="") as stream:
            rows = [row for row in csv.DictReader(stream) if row["status"]]  # not the "Points Possible" row
        assert len(rows) == args.submissions and all(r["percent"] == "100.00" for r in rows), rows
        grading = [json.loads(line)["seconds"] for line in (out / "journal.jsonl").read_text().splitlines()]

    per_process = sequential / args.submissions
    per_submission = sum(grading) / len(grading)
    print(f"one `grade all` process per submission: {sequential:6.1f} s ({per_process:.2f} s each)")
    print(f"`grade batch --workers {args.workers}`:            {parallel:6.1f} s")
    print(f"ratio: {sequential / parallel:.2f}x (target >= 2.5x); load average now {os.getloadavg()[0]:.1f}")
    print(f"where the time goes: a warm worker grades a submission in {per_submission:.2f} s (a `grade all` "
          f"process takes {per_process:.2f} s: the difference is its start-up: torch, the sandboxed fork server, "
          f"collecting the suites). The batch took {parallel - sum(grading) / args.workers:.1f} s beyond "
          f"grading time / workers: worker start-up, the last submission's tail, reading and writing.")
    print("The ratio is bounded by workers x (start-up + grading) / grading; other load on the machine "
          "slows the parallel part most (two workers compete for the same cores).")


if __name__ == "__main__":
    main()
