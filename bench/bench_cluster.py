"""One class graded three ways: one `grade all` process per submission, `grade batch --workers 2`,
and `grade batch --scheduler` on a 2-worker LocalCluster; with the sandbox and without it.

Grades N complete, correct submissions (copies of reference/) each way, checks every one gets
full marks, and prints the wall times, their ratios to one-by-one, and the core-seconds per
submission (CPU time of every process involved: the commands and everything they waited for,
and the cluster's scheduler, nannies, workers, fork servers and runners). The cluster is started
before its timing starts (as an instructor's would be); its workers start the engine during it,
like a local batch's do. GRADE_SANDBOX=off gives the fallback, which as root here refuses the
official modes (the Python installation lives under a 0700 /root): the bench passes
--allow-unsandboxed in that mode.

Run from the repository root:
python bench/bench_cluster.py [--submissions 4] [--skip EXERCISE ...] [--modes sandbox fallback]
The machine may be shared: the load average is printed before and after each mode.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


class TreeSampler:
    """utime + stime of every process ever seen in this process's tree, sampled every 0.1 s.

    A `grade` process does not wait for its fork server (it dies with it), so the runners' time
    never reaches our cutime; sampling counts each process up to its last sample (a process's
    last < 0.1 s, and one shorter than that, are missed: an undercount of a few percent).
    """

    def __init__(self):
        import threading

        self.seen: dict[tuple[int, str], float] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        parents, rows = {}, {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents[int(entry)] = int(fields[1])
                rows[int(entry)] = ((int(entry), fields[19]), (int(fields[11]) + int(fields[12])) / tick)
        stack = [os.getpid()]
        while stack:
            pid = stack.pop()
            if pid in rows:
                key, seconds = rows[pid]
                self.seen[key] = max(self.seen.get(key, 0.0), seconds)
            stack += [child for child, parent in parents.items() if parent == pid]

    def _loop(self) -> None:
        while not self.stopped.wait(0.1):
            self._sample()

    def total(self) -> float:
        self._sample()
        return sum(self.seen.values())

    def __enter__(self):
        self._sample()
        self.start = sum(self.seen.values())
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()
        self.seconds = self.total() - self.start


def measured(run) -> tuple[float, float]:
    """(wall seconds, core-seconds of this process's tree) of ``run()``."""
    started = time.perf_counter()
    with TreeSampler() as sampler:
        run()
    return time.perf_counter() - started, sampler.seconds


def check_full_marks(out: Path, n: int) -> None:
    with open(out / "gradebook.csv", newline="") as stream:
        rows = [row for row in csv.DictReader(stream) if row["status"]]  # not the "Points Possible" row
    assert len(rows) == n and all(r["percent"] == "100.00" for r in rows), rows


def one_mode(sandbox: bool, n: int, exercises: list[str], work: Path) -> dict[str, tuple[float, float]]:
    from distributed import LocalCluster

    env = dict(os.environ, PYTHONPATH=str(REPO))
    allow = []
    if not sandbox:
        env["GRADE_SANDBOX"] = "off"
        allow = ["--allow-unsandboxed"]
    selection = [arg for name in exercises for arg in ("-e", name)]
    submissions = work / "submissions"
    grade = [sys.executable, str(REPO / "cli.py")]
    results = {}

    def one_by_one():
        for student in sorted(submissions.iterdir()):
            done = subprocess.run([*grade, *exercises, "--submission", str(student), "-q", "--fail-under", "100"],
                                  cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if done.returncode:  # quiet otherwise: the fallback's "runs as you" warning, once per process
                raise SystemExit(f"grade failed on {student.name} (exit {done.returncode}):\n{done.stderr[-3000:]}")

    results["one by one"] = measured(one_by_one)

    def batch(out: Path, *extra: str):
        subprocess.run([*grade, "batch", str(submissions), "-o", str(out), "-q", *selection, *allow, *extra],
                       cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
        check_full_marks(out, n)

    results["--workers 2"] = measured(lambda: batch(work / f"out-local-{sandbox}", "--workers", "2"))
    previous = os.environ.get("GRADE_SANDBOX")
    os.environ.update({k: v for k, v in env.items() if k in ("GRADE_SANDBOX", "PYTHONPATH")})  # the workers inherit it
    try:
        with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
            results["2-worker LocalCluster"] = measured(
                lambda: batch(work / f"out-cluster-{sandbox}", "--scheduler", cluster.scheduler_address))
    finally:
        os.environ.pop("GRADE_SANDBOX", None)
        if previous is not None:
            os.environ["GRADE_SANDBOX"] = previous
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=4)
    parser.add_argument("--skip", nargs="*", default=[], metavar="EXERCISE")
    parser.add_argument("--modes", nargs="+", choices=["sandbox", "fallback"], default=["sandbox", "fallback"],
                        help="measure only these (a mode takes about 3.5 minutes with 8 submissions here)")
    args = parser.parse_args()
    from autograde.grading import course

    exercises = [name for name in course.exercises() if name not in args.skip]
    print(f"{args.submissions} full correct submissions x {len(exercises)} exercises; {os.cpu_count()} cores "
          "(shared: other work runs beside this bench)")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for i in range(args.submissions):
            shutil.copytree(REPO / "reference", work / "submissions" / f"student{i:02d}",
                            ignore=shutil.ignore_patterns("__pycache__"))
        for sandbox in [mode == "sandbox" for mode in args.modes]:
            load = os.getloadavg()[0]
            results = one_mode(sandbox, args.submissions, exercises, work)
            base = results["one by one"][0]
            print(f"\n{'sandbox (bubblewrap)' if sandbox else 'fallback (GRADE_SANDBOX=off, --allow-unsandboxed)'}; "
                  f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
            for name, (wall, cores) in results.items():
                print(f"  {name:22s} {wall:7.1f} s wall  {base / wall:5.2f}x  {cores / args.submissions:6.1f} core-s per submission")


if __name__ == "__main__":
    main()
