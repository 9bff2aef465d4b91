"""How much `grade rnn_step` costs next to the `import torch` every PyTorch process pays.

Prints the median wall time of each over several runs and their ratio (target: <= 1.5).
Run from the repository root: python bench/bench_grade_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def wall_time(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copytree(REPO / "reference", work / "exercises")  # a complete, correct submission
        commands = {
            "python -c 'import torch'": [sys.executable, "-c", "import torch"],
            "grade rnn_step": [sys.executable, str(REPO / "cli.py"), "rnn_step", "-q"],
        }
        times = {name: [] for name in commands}
        for _ in range(runs):  # interleaved, so drift on a shared machine hits both alike
            for name, command in commands.items():
                times[name].append(wall_time(command, work))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"{name:28s} median {median:.2f} s over {runs} runs (min {min(times[name]):.2f} s)")
    ratio = medians["grade rnn_step"] / medians["python -c 'import torch'"]
    print(f"ratio grade/import: {ratio:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
