"""``grade list``: the exercises, what each is worth, and the student's last scores."""

from __future__ import annotations

from pathlib import Path

import click

from autograde.commands.last_run import load_last_scores
from autograde.commands.options import resolve_exercises, starts_engine


@click.command("list")
@click.option("--submission", type=click.Path(path_type=Path), help="Show last scores for this folder. [default: ./exercises]")
@starts_engine
def command(submission):
    """List the exercises, what each is worth, and your last score."""
    from rich.console import Console
    from rich.table import Table

    from autograde.grading import engine

    points = engine.plan(resolve_exercises(()))
    folder = (submission or Path("exercises")).resolve()
    last = load_last_scores().get(str(folder), {})
    table = Table(title=f"Exercises (last scores for {folder})")
    table.add_column("exercise")
    table.add_column("points", justify="right")
    table.add_column("last score", justify="right")
    for name, worth in points.items():
        score = last.get(name)
        table.add_row(name, f"{worth:g}", "-" if score is None else f"{score['score']:g}/{score['max_score']:g}")
    table.add_row("total", f"{sum(points.values()):g}", "", style="bold")
    Console().print(table)
