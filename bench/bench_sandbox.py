"""What the sandbox costs per exercise: a runner's start, one call and its clean-up, in each mode.

Prints the median over many runners for the bubblewrap sandbox and for the fallback, and the
one-off cost of starting each mode's fork server. Run from the repository root:
python bench/bench_sandbox.py [--runners 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

from autograde.grading import course
from autograde.grading import engine
from autograde.sandbox import bubblewrap
from autograde.sandbox.launch import ForkServer
from autograde.grading.remote import RemoteExercise


def per_runner_seconds(launcher, runners: int) -> list[float]:
    import torch

    inputs = (torch.randn(3, 5), torch.randn(3, 4), torch.randn(5, 4), torch.randn(4, 4), torch.randn(4))
    times = []
    for _ in range(runners):
        start = time.perf_counter()
        submission = RemoteExercise(launcher, "rnn_step", course.reference_dir() / "rnn_step.py")
        submission.rnn_step(*inputs)
        submission.close()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=30)
    runners = parser.parse_args().runners
    engine.start()
    modes = {"fallback": bubblewrap.Protections("fallback", "benchmark", False, False)}
    if bubblewrap.detect().mode == "sandbox":
        modes["sandbox"] = bubblewrap.detect()
    results = {}
    for name, protections in modes.items():
        start = time.perf_counter()
        server = ForkServer(protections)
        per_runner_seconds(server, 1)  # waits for the fork server to be ready
        startup = time.perf_counter() - start
        times = per_runner_seconds(server, runners)
        server.close()
        results[name] = statistics.median(times)
        print(f"{name:9s} fork server ready in {startup:.2f} s; per exercise (start, call, clean-up): "
              f"median {1000 * results[name]:.1f} ms over {runners} runners")
    if "sandbox" in results:
        print(f"sandbox cost per exercise: {1000 * (results['sandbox'] - results['fallback']):+.1f} ms")
    else:
        print(f"bubblewrap unavailable: {bubblewrap.detect().bubblewrap}")


if __name__ == "__main__":
    main()
