"""Fresh inputs: the same checks on other seeds, so that answers tuned to the release's
recorded inputs earn nothing in official grading.

Every grader draws its inputs from ``torch.Generator().manual_seed(seed)`` (or
``torch.manual_seed``) in the checker. Within ``fresh_inputs(offset)`` each of those seeds is
moved by ``offset``: every check gets a twin on inputs the release has no recording of. The
offset is the course's (``reference/fresh_inputs.toml``), which the release does not hold.
"""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Iterator

import torch

from autograde.grading import course

SETTING = "fresh_inputs.toml"


def offset() -> int | None:
    """The course's seed offset for fresh inputs; None in the students' release."""
    if not course.has_reference():
        return None
    with open(course.reference_dir() / SETTING, "rb") as stream:
        return int(tomllib.load(stream)["seed_offset"])


@contextlib.contextmanager
def fresh_inputs(shift: int) -> Iterator[None]:
    """Within: every checker-side seed is ``seed + shift``."""
    original_generator, original_seed = torch.Generator, torch.manual_seed

    class Generator(original_generator):
        def manual_seed(self, seed):
            return super().manual_seed(int(seed) + shift)

    def manual_seed(seed):
        return original_seed(int(seed) + shift)

    torch.Generator, torch.manual_seed = Generator, manual_seed
    try:
        yield
    finally:
        torch.Generator, torch.manual_seed = original_generator, original_seed
