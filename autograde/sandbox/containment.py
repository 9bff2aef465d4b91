"""Limits a runner process puts on itself right after it starts, before any student code runs.

Every cap is paired with the checker's wall-clock kill (see ``remote``): rlimits turn memory
bombs and runaway writes into clean errors, the kill ends everything else.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import sys
import tempfile
from pathlib import Path

from autograde.sandbox.protocol import DEFAULT_FILE_BYTES, DEFAULT_MEMORY_BYTES

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
MAX_PROCESSES = 64
SAFE_ENVIRONMENT = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)


def become_subreaper() -> None:
    """Linux: orphaned descendants are re-parented to this process instead of init."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def set_limit(kind: int, value: int) -> None:
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, value))


def isolate_network() -> None:
    """A network namespace of its own (Linux, root): no network at all. Best effort."""
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWNET)


def _unshare(flags: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        return ctypes.CDLL(None, use_errno=True).unshare(flags) == 0
    return False


def _map_own_ids(uid: int, gid: int) -> None:
    """In a user namespace we made, keep our own uid and gid (unmapped ones cannot create files).

    The ids are the ones from before the unshare: inside, until mapped, we are the overflow uid.
    """
    with open("/proc/self/setgroups", "w") as stream:
        stream.write("deny")
    with open("/proc/self/uid_map", "w") as stream:
        stream.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as stream:
        stream.write(f"{gid} {gid} 1")


def new_process_namespaces() -> bool:
    """Put this process's next child in a pid and an IPC namespace of its own.

    The child is the namespace's init: when it ends, the kernel kills everything it started,
    whatever the shape of its process tree, and no SysV queue, semaphore or shared memory
    outlives it. As root (or with CAP_SYS_ADMIN) directly; otherwise inside a user namespace of
    our own, where Linux allows it. False where neither works.
    """
    if _unshare(CLONE_NEWPID | CLONE_NEWIPC):
        return True
    uid, gid = os.geteuid(), os.getegid()
    if _unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWIPC):
        # The next child is in the new pid namespace whatever happens now, and this process can
        # no longer start threads: the caller must fork, so True even if the mapping fails.
        with contextlib.suppress(OSError):
            _map_own_ids(uid, gid)
        return True
    return False


class NamespaceInitForker:
    """Forks children that are each the init of a pid namespace of their own, with no process in
    between: this process unshares the pid namespace of its next child, forks, and sets its
    children's namespace back to its own. That needs CAP_SYS_ADMIN over this process's pid
    namespace, which only root has (a normal user has no capabilities inside bubblewrap either);
    where the probe at construction fails, ``available`` is False and callers go through
    ``new_process_namespaces`` in an intermediate process instead.

    The intermediate costs a second copy of the fork server's page tables and a second exit
    (about 30 ms of CPU per runner). The child must still unshare its IPC namespace itself,
    since an unshared IPC namespace applies to the caller at once.
    """

    def __init__(self):
        self.own_namespace: int | None = None
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError):
                self.own_namespace = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        # Setting the children's namespace to our own changes nothing, but tells whether we may:
        # only then is unsharing it safe, since there is no way back without that permission.
        self.available = self.own_namespace is not None and self._restore() and _unshare(CLONE_NEWPID)
        if self.available and not self._restore():
            os._exit(70)

    def _restore(self) -> bool:
        with contextlib.suppress(OSError, AttributeError):
            return ctypes.CDLL(None, use_errno=True).setns(self.own_namespace, CLONE_NEWPID) == 0
        return False

    def fork(self) -> int:
        """os.fork(), the child in new pid namespace; the caller must check ``available`` first."""
        if not _unshare(CLONE_NEWPID):
            raise OSError("unshare(CLONE_NEWPID) failed")
        pid = -1
        try:
            pid = os.fork()
            return pid
        finally:
            if pid != 0 and not self._restore():
                # No later child could get a namespace of its own (the kernel refuses the next
                # unshare): stop, and let the checker start another fork server.
                os._exit(70)


def enter_own_ipc_namespace() -> None:
    """The child side of ``NamespaceInitForker.fork``: SysV objects die with this process."""
    if not _unshare(CLONE_NEWIPC):
        os._exit(70)


def close_inherited_descriptors(keep: set[int]) -> None:
    """Close every descriptor but stdin, stdout, stderr and ``keep``: a runner inherits nothing."""
    fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else range(3, 4096)
    for fd in fds:
        if fd > 2 and fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def drop_privileges(uid: int) -> None:
    """Become an unprivileged user: no access to root's files, no signals to other processes."""
    set_limit(resource.RLIMIT_NPROC, MAX_PROCESSES)  # counted per uid: a fork bomb stops here
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def contain(output_fd: int, keep_fd: int, limits: dict, workdir: Path) -> None:
    """Limit this process before any student code runs; ``keep_fd`` is its channel to the checker."""
    os.setsid()  # its own process group, so one killpg ends it and anything it started
    die_with_parent()  # armed again after drop_privileges: a change of uid disarms it
    isolate_network()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    close_inherited_descriptors(keep={keep_fd})
    set_limit(resource.RLIMIT_DATA, int(limits.get("memory_bytes", DEFAULT_MEMORY_BYTES)))
    set_limit(resource.RLIMIT_FSIZE, int(limits.get("file_bytes", DEFAULT_FILE_BYTES)))
    set_limit(resource.RLIMIT_CORE, 0)
    if limits.get("uid") is not None:
        drop_privileges(limits["uid"])
        die_with_parent()
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(SAFE_ENVIRONMENT, HOME=str(workdir), TMPDIR=str(workdir))
    tempfile.tempdir = str(workdir)  # the parent may have cached its own (torch asks for one lazily)
    # The process we were forked from may have swapped sys.stdout (pytest's capture does):
    # print() must reach the pipe the checker reads, whatever the parent's streams were.
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - /dev/null; these live as long as the process
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
