"""``grade release OUT``: write the students' repository, without the answer key."""

from __future__ import annotations

from pathlib import Path

import click

from autograde.commands.options import starts_engine


@click.command("release")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
def command(out):
    """Write the students' repository to OUT (a new folder): stubs, public checks, engine, notebook
    and the reference's answers recorded as plain data, with no solution and no mistake's code.

    Recording grades the reference and every case in tests/cases/ (a few minutes). See
    docs/instructors.md, "Releasing the course".
    """
    _build(out)


@starts_engine
def _build(out: Path) -> None:
    from autograde.release.build import build

    try:
        release = build(out)
    except FileExistsError as error:
        raise click.UsageError(str(error)) from None
    click.echo(
        f"Wrote {release.out}: {release.answers} recorded answers in graders/fixtures/ "
        f"({release.fixture_bytes / 1e6:.1f} MB). Push it as the students' template repository."
    )
