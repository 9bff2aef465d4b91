"""Fresh inputs (autograde/grading/fresh.py): which checks official grading runs a second time."""

import textwrap

import torch

from autograde.grading import course, engine
from autograde.grading.fresh import moved_seeds


def test_moved_seeds_moves_every_checker_seed_and_counts_them():
    expected = torch.randn(3, generator=torch.Generator().manual_seed(12))
    with moved_seeds(5) as seeds:
        moved = torch.randn(3, generator=torch.Generator().manual_seed(7))
        torch.manual_seed(0)
    assert torch.equal(moved, expected)
    assert seeds.count == 2
    assert torch.Generator is torch._C.Generator and torch.randn(3, generator=torch.Generator().manual_seed(7)).ne(expected).any()


def test_official_grading_runs_a_twin_only_where_a_seed_decides_the_inputs(tmp_path):
    """A check that set no seed would run the same inputs again, and one that declares
    fresh_twin=False says why its twin proves nothing: both run once; a seeded check twice."""
    log = tmp_path / "ran.txt"
    suites = tmp_path / "extra"
    suites.mkdir()
    (suites / "test_rnn_step.py").write_text(textwrap.dedent(f"""
        import pytest
        import torch

        def ran(name):
            with open({str(log)!r}, "a") as stream:
                stream.write(name + "\\n")

        @pytest.mark.points(1, hint="-")
        def test_seeded():
            torch.randn(2, generator=torch.Generator().manual_seed(3))
            ran("seeded")

        @pytest.mark.points(1, hint="-")
        def test_fixed_inputs():
            torch.ones(2)
            ran("fixed")

        @pytest.mark.points(1, hint="-", fresh_twin=False)
        def test_seeded_without_a_twin():
            torch.manual_seed(4)
            ran("no twin")
    """))
    options = engine.Options(fresh_inputs=True, extra_graders=suites, keyword="seeded or fixed_inputs")
    report = engine.grade(course.reference_dir(), ["rnn_step"], options)
    assert report.exercises["rnn_step"].score == report.exercises["rnn_step"].max_score
    assert sorted(log.read_text().split("\n")[:-1]) == ["fixed", "no twin", "seeded", "seeded"]
