"""``grade doctor``: which protections grading has on this machine, and how to get the missing ones."""

from __future__ import annotations

import click


@click.command("doctor")
def command():
    """Show which protections grading has on this machine, and how to get the missing ones."""
    import os
    import platform

    from rich.console import Console
    from rich.table import Table

    from autograde.sandbox import bubblewrap
    from autograde.sandbox.protocol import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT

    found = bubblewrap.detect()
    strong = found.mode == "sandbox"
    rows = [
        ("separate runner process per exercise, plain data only", True, ""),
        (f"wall-clock timeout per call ({DEFAULT_TIMEOUT:g} s), process group killed", True, ""),
        (f"memory cap ({DEFAULT_MEMORY_BYTES >> 20} MiB), output truncated, no stdin, scrubbed environment", True, ""),
        ("bubblewrap sandbox: course files, homes and /tmp invisible, host read-only", strong, found.bubblewrap or ""),
        ("own pid namespace: the checker is invisible, leftovers die with the sandbox", strong, ""),
        ("no network", found.network_isolated, "" if found.network_isolated else "needs bubblewrap, or root on Linux"),
        ("runner drops to its own unprivileged uid", found.runner_uid, "" if found.runner_uid else "needs bubblewrap and root"),
    ]
    table = Table(title=f"Grading protections on {platform.system()} ({'root' if os.geteuid() == 0 else 'user'}): mode {found.mode}")
    table.add_column("protection")
    table.add_column("active", justify="center")
    table.add_column("note")
    for name, active, note in rows:
        table.add_row(name, "[green]yes[/]" if active else "[red]no[/]", note)
    Console().print(table)
    if not strong:
        click.echo("See SECURITY.md for what the fallback mode leaves open.")
