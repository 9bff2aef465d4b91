"""``grade doctor``: which protections grading has on this machine, and how to get the missing ones."""

from __future__ import annotations

import click


def protection_rows(found) -> list[tuple[str, bool, str]]:
    """(protection, active, why not) for every protection SECURITY.md describes."""
    from autograde.sandbox.protocol import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT

    sandboxed = found.mode == "sandbox"
    return [
        ("separate runner process per exercise, plain data only", True, ""),
        (f"wall-clock timeout per call ({DEFAULT_TIMEOUT:g} s) and a deadline on every wait", True, ""),
        (f"memory cap ({DEFAULT_MEMORY_BYTES >> 20} MiB), output truncated, no stdin", True, ""),
        ("runner inherits no descriptor and starts from a clean environment", True, ""),
        ("bubblewrap sandbox: course files, homes and /tmp invisible, host read-only", sandboxed, found.bubblewrap or ""),
        ("runner drops to its own unprivileged uid", found.runner_uid, found.uid_note),
        ("own pid and IPC namespaces per runner: nothing it starts outlives it", found.runner_namespaces, found.namespace_note),
        ("a cgroup per grading process: CPU shared fairly with other workers, processes bounded", found.cpu_budget,
         "" if found.cpu_budget else "needs root and the cgroup cpu and pids controllers"),
        ("no network", found.network_isolated, "" if found.network_isolated else "needs bubblewrap, or root on Linux"),
        ("official modes (batch, gradescope, ci) allowed without --allow-unsandboxed", found.separated,
         "" if found.separated else "runners would run as the grading user"),
    ]


@click.command("doctor")
def command():
    """Show which protections grading has on this machine, and how to get the missing ones."""
    import os
    import platform

    from rich.console import Console
    from rich.table import Table

    from autograde.sandbox import bubblewrap

    found = bubblewrap.detect()
    table = Table(title=f"Grading protections on {platform.system()} ({'root' if os.geteuid() == 0 else 'user'}): mode {found.mode}")
    table.add_column("protection")
    table.add_column("active", justify="center")
    table.add_column("note")
    for name, active, note in protection_rows(found):
        table.add_row(name, "[green]yes[/]" if active else "[red]no[/]", note)
    Console().print(table)
    if found.mode != "sandbox":
        click.echo("See SECURITY.md for what the fallback mode leaves open.")
