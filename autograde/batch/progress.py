"""The batch's progress bar: count, ETA and how many submissions could not be graded."""

from __future__ import annotations


class Progress:
    """The progress bar (count, ETA, failures so far), or nothing in quiet mode."""

    def __init__(self, total: int, quiet: bool, *, done: int = 0, failed: int = 0):
        self.bar = None
        self.failed = failed
        if quiet:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn, TimeRemainingColumn,
        )

        self.bar = RichProgress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} could not be graded"), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(), console=Console(stderr=True),
        )
        self.task = self.bar.add_task("Starting workers", total=total, completed=done, failed=failed)
        self.bar.start()

    def advance(self, graded: bool) -> None:
        if not graded:
            self.failed += 1
        if self.bar is not None:
            self.bar.update(self.task, advance=1, failed=self.failed)

    def describe(self, description: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, description=description)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
