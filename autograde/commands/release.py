"""``grade release OUT``: write the students' repository, without the answer key (``--check``:
say whether OUT is what this course repository releases now)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from autograde.commands.options import starts_engine


@click.command("release")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Rebuild the release and list the files where OUT differs from it (exit 1 if any).")
def command(out, check):
    """Write the students' repository to OUT (a new folder): stubs, public checks, engine, notebook
    and the reference's answers recorded as plain data, with no solution and no mistake's code.

    Recording grades the reference and every case in tests/cases/ (about 10 minutes on 2 cores). See
    docs/instructors.md, "Releasing the course".
    """
    _check(out) if check else _build(out)


@starts_engine
def _build(out: Path) -> None:
    from autograde.errors import GraderBroken
    from autograde.grading.recording import NotRecordable
    from autograde.release.build import build

    try:
        release = build(out)
    except FileExistsError as error:
        raise click.UsageError(str(error)) from None
    except NotRecordable as error:
        raise GraderBroken(str(error)) from None
    click.echo(
        f"Wrote {release.out}: {release.answers} recorded answers in graders/fixtures/ "
        f"({release.fixture_bytes / 1e6:.1f} MB). Push it as the students' template repository."
    )


@starts_engine
def _check(out: Path) -> None:
    from autograde.errors import ReleaseDiffers
    from autograde.release.build import build, differences

    if not out.is_dir():
        raise click.UsageError(f"{out} is not a folder: give the release to check")
    with tempfile.TemporaryDirectory(prefix="grade-release-") as scratch:
        changed = differences(out, build(Path(scratch) / "release").out)
    if changed:
        raise ReleaseDiffers(f"{out} differs from this course's release in {len(changed)} files: " + ", ".join(changed[:20]))
    click.echo(f"{out} is this course's release: same files, same recorded answers.")
