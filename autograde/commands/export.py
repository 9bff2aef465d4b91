"""``grade export canvas|moodle RESULTS --roster ROSTER``: the batch's scores as an LMS import file."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("export")
@click.argument("lms", type=click.Choice(["canvas", "moodle"]))
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The LMS's own gradebook export (Canvas: Grades > Export; Moodle: Export > Plain text file).")
@click.option("--assignment", default="RNN autograder", show_default=True,
              help="The assignment (grade item) the scores go to.")
@click.option("--per-exercise", is_flag=True, help="One column per exercise instead of one for the total.")
@click.option("--missing", type=click.Choice(["blank", "zero"]), default="blank", show_default=True,
              help="What roster students without a graded submission get.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The import file to write. [default: RESULTS/<lms>-import.csv]")
def command(lms, results, roster, assignment, per_exercise, missing, output):
    """Write RESULTS' scores (from `grade batch -o RESULTS`) as a file LMS imports as it is."""
    from autograde.formats import lms as formats_lms, points, write_atomically

    try:
        book = formats_lms.read_gradebook(results)
        made = formats_lms.export(lms, book, roster, assignment=assignment, per_exercise=per_exercise, missing=missing)
    except formats_lms.RosterError as error:
        raise click.UsageError(str(error)) from None
    output = output or results / f"{lms}-import.csv"
    write_atomically(output, made.text)
    graded = sum(score is not None for score in book.scores.values())
    click.echo(f"Wrote {output}: {', '.join(f'{name} (out of {points(v)})' for name, v in made.maximum.items())}.")
    if lms == "moodle":
        click.echo("Moodle: identify users by the Email address, Username or ID number column, map each grade column to "
                   "its grade item, and set the item's maximum to the points above.")
    shown = "0" if missing == "zero" else "blank"
    for heading, names in (
        (f"on the roster with no submission ({shown} in the file)", made.no_submission),
        (f"on the roster whose submission could not be graded ({shown} in the file)", made.ungraded),
        ("submissions that match no roster student, or several (not in the file)", made.no_roster_match),
    ):
        if names:
            click.echo(f"{len(names)} {heading}:")
            for name in names:
                click.echo(f"  {name}")
    click.echo(f"{graded} graded submissions, {len(made.no_roster_match)} unmatched.")


if __name__ == "__main__":
    command()
