"""A CPU and process budget per fork server (per ``grade`` process, per batch worker), via cgroups.

Each fork server starts inside a cgroup of its own, and every runner it forks stays there. The
kernel shares CPU fairly between cgroups, not between processes, so sixty busy loops (or sixty
torch threads) in one worker's runner take that worker's share and not its neighbour's; and
``pids.max`` bounds how many processes one grading process's runners may have, whatever their
uid. Needs root and the cgroup ``cpu`` and ``pids`` controllers (v2, or v1's hierarchies);
elsewhere ``create`` returns None and ``grade doctor`` says so.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shlex
import signal
from dataclasses import dataclass
from pathlib import Path

MAX_PROCESSES = 512
"""Processes one fork server and all its runners may have at once."""
V1_ROOTS = {"cpu": Path("/sys/fs/cgroup/cpu"), "pids": Path("/sys/fs/cgroup/pids")}
_serial = itertools.count()


def _v2_root() -> Path | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mounts").read_text().splitlines():
            _, mount, kind, *_ = line.split()
            if kind == "cgroup2":
                root = Path(mount)
                enabled = (root / "cgroup.subtree_control").read_text().split()
                if {"cpu", "pids"} <= set(enabled):
                    return root
    return None


@dataclass
class Budget:
    """The cgroup folders one fork server lives in (one for v2, one per controller for v1)."""

    folders: list[Path]

    def wrap(self, command: list[str]) -> list[str]:
        """``command`` started from inside the cgroups: a shell moves itself in, then execs it,
        so that not even the first instruction of the command runs outside."""
        moves = "; ".join(f"echo $$ > {shlex.quote(str(folder / 'cgroup.procs'))}" for folder in self.folders)
        return ["/bin/sh", "-c", f'{moves} && exec "$@"', "sh", *command]

    def remove(self) -> None:
        """Kill whatever is left in the cgroups, then remove them."""
        for folder in self.folders:
            for _ in range(20):
                with contextlib.suppress(OSError):
                    pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
                    if not pids:
                        break
                    for pid in pids:
                        with contextlib.suppress(OSError):
                            os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                folder.rmdir()


def create() -> Budget | None:
    """A new budget for one fork server, or None where cgroups cannot be managed here."""
    if os.geteuid() != 0 or not os.path.isdir("/sys/fs/cgroup"):
        return None
    name = f"autograde-{os.getpid()}-{next(_serial)}"
    v2 = _v2_root()
    try:
        if v2 is not None:
            folder = v2 / name
            folder.mkdir()
            (folder / "pids.max").write_text(str(MAX_PROCESSES))
            return Budget([folder])
        if all(root.is_dir() for root in V1_ROOTS.values()):
            folders = [root / name for root in V1_ROOTS.values()]
            for folder in folders:
                folder.mkdir()
            (V1_ROOTS["pids"] / name / "pids.max").write_text(str(MAX_PROCESSES))
            return Budget(folders)
    except OSError:
        return None
    return None
