"""What grading train_lm and generate costs next to the reference's own training on the budget.

Grades the reference solutions in this process, as `grade train_lm` and `grade generate` do,
and times the reference's train() alone on the grading budget (corpus.BUDGET) in a runner like
the one grading uses. The first train_lm grading of a process also trains the reference in a
second runner, in parallel, for the pass bar; later ones (a batch of submissions) reuse it.
Run from the repository root: python bench/bench_lm.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from autograde.grading import engine


def seconds(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def reference_training() -> Callable[[], object]:
    """A callable that trains the reference on the budget in a fresh runner (model built first)."""
    from autograde.grading import corpus
    from autograde.grading import course
    from autograde.sandbox.launch import default_launcher
    from autograde.grading.remote import RemoteExercise
    from graders.lm_cases import initial_state, remote_model, training_ids

    def run():
        runner = RemoteExercise(
            default_launcher(), "train_lm", course.reference_dir() / "train_lm.py", timeout=300,
        )
        try:
            model = remote_model(runner, initial_state(corpus.BUDGET["seed"]))
            return seconds(lambda: runner.call("train", model, training_ids(), kwargs=corpus.BUDGET))
        finally:
            runner.close()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    engine.start()  # before any grader or reference is imported, as `grade` does
    from autograde.grading import course

    reference = course.reference_dir()
    times = {"grade train_lm, first in the process": [seconds(lambda: engine.grade(reference, ["train_lm"]))]}
    train_alone = reference_training()
    for name, work in {
        "grade train_lm, reference number cached": lambda: engine.grade(reference, ["train_lm"]),
        "grade generate": lambda: engine.grade(reference, ["generate"]),
        "reference train() alone, one runner": train_alone,
    }.items():
        times[name] = [work() if name.startswith("reference") else seconds(work) for _ in range(runs)]
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"{name:42s} median {median:5.1f} s over {len(times[name])} run(s) (min {min(times[name]):.1f} s)")
    base = medians["reference train() alone, one runner"]
    for name in ("grade train_lm, first in the process", "grade train_lm, reference number cached"):
        print(f"{name} / reference training: {medians[name] / base:.2f}")


if __name__ == "__main__":
    main()
