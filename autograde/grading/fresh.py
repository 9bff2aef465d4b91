"""Fresh inputs: the same checks on other seeds, so that answers tuned to the release's
recorded inputs earn nothing in official grading.

Every grader draws its inputs from ``torch.Generator().manual_seed(seed)`` (or
``torch.manual_seed``) in the checker. Within ``moved_seeds(offset)`` each of those seeds is
moved by ``offset``: every check that draws its inputs so gets a twin on inputs the release has
no recording of. The offset is the course's (``reference/fresh_inputs.toml``), which the
release does not hold. A check that sets no seed, or that declares ``fresh_twin=False`` (its
marker says why), runs once.
"""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from autograde.grading import course

SETTING = "fresh_inputs.toml"


def offset() -> int | None:
    """The course's seed offset for fresh inputs; None in the students' release."""
    if not course.has_reference():
        return None
    with open(course.reference_dir() / SETTING, "rb") as stream:
        return int(tomllib.load(stream)["seed_offset"])


@dataclass
class SeedsSet:
    """How many checker-side seeds were set within ``moved_seeds``."""

    count: int = 0


@contextlib.contextmanager
def moved_seeds(shift: int) -> Iterator[SeedsSet]:
    """Within: every checker-side seed is ``seed + shift``, and counted. A check that set none has
    inputs no seed decides, so its twin on "fresh" inputs would be the same run again."""
    seeds = SeedsSet()
    original_generator, original_seed = torch.Generator, torch.manual_seed

    class Generator(original_generator):
        def manual_seed(self, seed):
            seeds.count += 1
            return super().manual_seed(int(seed) + shift)

    def manual_seed(seed):
        seeds.count += 1
        return original_seed(int(seed) + shift)

    torch.Generator, torch.manual_seed = Generator, manual_seed
    try:
        yield seeds
    finally:
        torch.Generator, torch.manual_seed = original_generator, original_seed
