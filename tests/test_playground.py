"""`grade train`: the student's own model trained, measured, plotted and sampled, in a runner."""

import math
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from autograde.grading import corpus, course
from autograde.commands.train import Text, baselines, command, load_text

SMALL = ["--steps", "12", "--batch-size", "4", "--seq-len", "16", "--length", "30"]
STUBS = course.package_dir("exercises")


@pytest.fixture
def grade(tmp_path, monkeypatch):
    """Run `grade <args>` with the playground registered, in a fresh folder."""
    monkeypatch.chdir(tmp_path)

    @click.group()
    def main():
        pass

    main.add_command(command)
    return lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)


def submission(folder: Path, stubs: tuple[str, ...] = ()) -> Path:
    """The reference's four modules, except ``stubs``, which are the shipped stubs."""
    folder.mkdir()
    for name in ("char_lstm", "next_token_batches", "train_lm", "generate"):
        shutil.copyfile((STUBS if name in stubs else course.reference_dir()) / f"{name}.py", folder / f"{name}.py")
    return folder


def test_a_text_file_is_trained_on_measured_against_baselines_plotted_and_sampled(grade, tmp_path):
    (tmp_path / "poem.txt").write_text("the quick brown fox jumps over the lazy dog.\n" * 60, encoding="utf-8")
    result = grade("train", "poem.txt", "--reference", *SMALL, "--plot", "out/curve.png", "--temperature", "0", "--temperature", "1")
    assert result.exit_code == 0, result.output
    for text in ("your model", "bigram baseline", "unigram baseline", "uniform baseline", "greedy (temperature 0)", "temperature 1"):
        assert text in result.output
    assert "floor" not in result.output  # unknown for a file
    assert (tmp_path / "out" / "curve.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_the_builtin_corpus_shows_the_floor_and_its_first_words_as_the_prompt(grade):
    result = grade("train", "--reference", *SMALL, "--temperature", "0.5")
    assert result.exit_code == 0, result.output
    assert "floor: the source's entropy rate" in result.output and "1.507" in result.output
    assert "behind a moo" in result.output  # the held-out text's first 12 characters


def test_the_students_own_modules_run_and_an_unfinished_train_is_named(grade, tmp_path):
    folder = submission(tmp_path / "mine", stubs=("train_lm",))
    result = grade("train", "--submission", str(folder), *SMALL)
    assert result.exit_code == 1
    assert "train is not implemented yet: finish exercises/train_lm.py first" in result.output


def test_an_unfinished_make_batches_is_named_before_training(grade, tmp_path):
    folder = submission(tmp_path / "mine", stubs=("next_token_batches",))
    result = grade("train", "--submission", str(folder), *SMALL)
    assert result.exit_code == 1
    assert "make_batches is not implemented yet: finish exercises/next_token_batches.py" in result.output


def test_without_generate_it_still_trains_and_says_why_there_are_no_samples(grade, tmp_path):
    folder = submission(tmp_path / "mine", stubs=("generate",))
    result = grade("train", "--submission", str(folder), *SMALL)
    assert result.exit_code == 0, result.output
    assert "your model" in result.output
    assert "No samples: generate is not implemented yet" in result.output


def test_a_missing_module_is_a_usage_error_that_names_it(grade, tmp_path):
    folder = submission(tmp_path / "mine")
    (folder / "generate.py").unlink()
    result = grade("train", "--submission", str(folder), *SMALL)
    assert result.exit_code == 2
    assert "has no generate.py" in result.output


def test_a_text_too_short_for_one_batch_is_a_usage_error(grade, tmp_path):
    (tmp_path / "short.txt").write_text("abcabcabc" * 10, encoding="utf-8")
    result = grade("train", "short.txt", "--reference")
    assert result.exit_code == 2
    needed = corpus.BUDGET["batch_size"] * corpus.BUDGET["seq_len"] + 1
    assert f"--batch-size × --seq-len + 1 = {needed} are needed" in result.output


def test_a_file_keeps_its_last_tenth_for_held_out_measurement(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("0123456789" * 10, encoding="utf-8")
    text = load_text(path)
    assert (text.train, text.held_out, text.floor) == ("0123456789" * 9, "0123456789", None)


def test_baselines_are_smoothed_counts_from_the_training_text():
    known = baselines(Text("t", train="abab", held_out="ab"))
    # alphabet {a, b}; unigram P(a) = P(b) = (2 + 1) / (4 + 2); bigram P(b | a) = (2 + 1) / (2 + 2)
    assert math.isclose(known["uniform"], math.log(2))
    assert math.isclose(known["unigram"], -math.log(0.5))
    assert math.isclose(known["bigram"], -math.log(0.75))
