"""The --timeout and --memory options, shared by every command that runs submissions."""

from __future__ import annotations

import click

from autograde.containment import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT

timeout_option = click.option(
    "--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT, show_default=True,
    help="Seconds each call of the submission's code may take.",
)
memory_option = click.option(
    "--memory", "memory_mib", type=click.IntRange(min=256), default=DEFAULT_MEMORY_BYTES >> 20, show_default=True,
    help="Memory limit of the process running the submission's code, in MiB.",
)
