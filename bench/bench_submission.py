"""The cost of one full correct submission in a warm grading process (a batch or cluster worker).

Starts the engine once, collects every suite, grades the reference once to warm up, then grades
it --repeat more times and prints, per exercise, the wall seconds of the report's ``seconds``
field, and for the whole submission the wall time and the core-seconds of the process tree
(this checker, the fork server and every runner it reaped: utime + stime + cutime + cstime of
each live process, so a finished runner counts once, in its reaper).

``--official`` grades as ``grade batch`` does here: every check that passed and drew seeded
inputs runs again on fresh inputs (autograde/grading/fresh.py).

Run from the repository root: python bench/bench_submission.py [--repeat 2] [--official] [--skip train_lm]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of ``root`` and its live descendants, with the children each has reaped."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += times.get(pid, 0.0)
        stack += [child for child, parent in parents.items() if parent == pid]
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip", nargs="*", default=[], metavar="EXERCISE")
    parser.add_argument("--official", action="store_true", help="with fresh inputs, as official grading")
    args = parser.parse_args()
    from autograde.grading import engine

    engine.start()
    from autograde.grading import course

    exercises = [name for name in course.exercises() if name not in args.skip]
    engine.plan(exercises)
    options = engine.Options(fresh_inputs=args.official)
    engine.grade(course.reference_dir(), exercises, options)  # warm: first imports, first runner of each kind
    print(f"{len(exercises)} exercises{', official (fresh inputs)' if args.official else ''}; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    per_exercise: dict[str, list[float]] = {name: [] for name in exercises}
    walls, cores = [], []
    for _ in range(args.repeat):
        cpu, started = tree_cpu_seconds(os.getpid()), time.perf_counter()
        report = engine.grade(course.reference_dir(), exercises, options).to_json()
        walls.append(time.perf_counter() - started)
        cores.append(tree_cpu_seconds(os.getpid()) - cpu)
        assert report["score"] == report["max_score"], "the reference must earn full marks"
        for name, exercise in report["exercises"].items():
            per_exercise[name].append(exercise["seconds"])
    for name, seconds in sorted(per_exercise.items(), key=lambda item: -min(item[1])):
        print(f"  {name:20s} {min(seconds):6.2f} s")
    print(f"full submission: {min(walls):.2f} s wall, {min(cores):.2f} core-seconds (best of {args.repeat}); "
          f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
