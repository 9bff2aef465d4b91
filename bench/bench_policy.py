"""What the submission policy costs: `grade all` on a full correct submission, with and without it.

Grades the reference solutions (a full correct submission) in one process, alternating runs with
the policy (the default) and without it (`restricted=False`, as the process-wall tests do), and
prints the median of each, their ratio and the machine's load. Run from the repository root:
python bench/bench_policy.py [--rounds 3] [--skip train_lm]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from autograde.grading import engine

engine.start()  # before any grader or reference is imported

from autograde.grading import course  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip", action="append", default=[], help="leave out an exercise (repeatable)")
    args = parser.parse_args()
    exercises = [name for name in course.exercises() if name not in args.skip]
    engine.grade(course.reference_dir(), exercises)  # warm: the checker imports every reference once
    seconds = {True: [], False: []}
    for _ in range(args.rounds):
        for restricted in (True, False):
            started = time.perf_counter()
            report = engine.grade(course.reference_dir(), exercises, engine.Options(restricted=restricted))
            seconds[restricted].append(time.perf_counter() - started)
            assert report.score == report.max_score, f"restricted={restricted}: {report.score}/{report.max_score}"
    with_policy, without = statistics.median(seconds[True]), statistics.median(seconds[False])
    print(f"load average at the end: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print(f"grade {len(exercises)} exercises, median of {args.rounds}: with the policy {with_policy:.2f} s, "
          f"without {without:.2f} s, ratio {with_policy / without:.3f}")


if __name__ == "__main__":
    main()
