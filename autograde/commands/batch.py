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
@click.option("--scheduler", metavar="ADDRESS",
              help="Grade on the workers of this Dask cluster (tcp://host:8786) instead of local processes; "
              "needs the dask extra (docs/cluster.md).")
@exercise_option
@extra_graders_option
@timeout_option
@memory_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; print only the summary line.")
@allow_unsandboxed_option
def command(submissions, out, workers, scheduler, exercise_names, extra_graders, timeout, memory_mib, quiet, allow_unsandboxed):
    """Grade every submission in SUBMISSIONS (folders and/or .zip files, named by student id).

    Re-running the same command grades only submissions that are new or changed since the last
    run (and those an interruption left ungraded). Delete OUT/journal.jsonl to grade all again.
    """
    from autograde.batch.run import run_batch
    from autograde.formats import percent

    exercises = resolve_exercises(exercise_names)
    if scheduler is not None:
        if workers is not None:
            raise click.UsageError("--workers is for local grading: a cluster's workers are its own (see docs/cluster.md)")
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise click.UsageError(
                "--scheduler needs Dask's distributed package: pip install 'rnn-autograder[dask]'"
            ) from None
    else:
        require_separation(allow_unsandboxed)  # a cluster's workers are checked one by one instead
    result = run_batch(
        submissions, out, exercises, workers=workers, timeout=timeout, memory_bytes=memory_mib << 20,
        extra_graders=extra_graders, quiet=quiet, scheduler=scheduler, allow_unsandboxed=allow_unsandboxed,
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
