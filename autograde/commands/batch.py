"""``grade batch SUBMISSIONS -o OUT``: grade a whole class, in parallel and resumably."""

from __future__ import annotations

from pathlib import Path

import click

from autograde.commands.options import (
    allow_unsandboxed_option, exercise_option, extra_graders_option, memory_option, require_separation, resolve_exercises,
    timeout_option,
)


@click.command("batch")
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for gradebook.csv, report.html, reports/ and gradescope/ (and the journal that makes re-runs resume).")
@click.option("--workers", type=click.IntRange(min=1), help="Submissions graded in parallel. [default: the number of cores]")
@exercise_option
@extra_graders_option
@timeout_option
@memory_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; print only the summary line.")
@allow_unsandboxed_option
def command(submissions, out, workers, exercise_names, extra_graders, timeout, memory_mib, quiet, allow_unsandboxed):
    """Grade every submission in SUBMISSIONS (folders and/or .zip files, named by student id).

    Re-running the same command grades only submissions that are new or changed since the last
    run (and those an interruption left ungraded). Delete OUT/journal.jsonl to grade all again.
    """
    from autograde.batch.run import run_batch
    from autograde.formats import percent

    exercises = resolve_exercises(exercise_names)
    require_separation(allow_unsandboxed)
    result = run_batch(
        submissions, out, exercises, workers=workers, timeout=timeout, memory_bytes=memory_mib << 20,
        extra_graders=extra_graders, quiet=quiet,
    )
    graded = [r for r in result.rows if r.report is not None]
    mean = sum(percent(r.report) for r in graded) / len(graded) if graded else 0.0
    click.echo(
        f"{len(result.rows)} submissions: {len(graded)} graded ({result.graded_now} now, {result.reused} from the journal), "
        f"{len(result.rows) - len(graded)} could not be graded; mean {mean:.1f}%. "
        f"Wrote {out / 'gradebook.csv'} and {out / 'report.html'} in {result.seconds:.1f} s."
    )


if __name__ == "__main__":  # python -m autograde.commands.batch SUBMISSIONS -o OUT
    command()
