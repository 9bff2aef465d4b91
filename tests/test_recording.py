"""Recorded sources: what the release replays, and the rule that keeps every reference value in them."""

from __future__ import annotations

import ast

import pytest
import torch

from autograde.grading import course, recording
from autograde.grading.recording import NotRecordable, Recorded, Unrecorded
from autograde.grading.reference_use import LEFT_OUT, analyse


def test_a_recorded_answer_is_replayed_by_value_and_a_new_input_is_refused():
    answers: dict[str, bytes] = {}
    source = Recorded("test:tanh", torch.tanh)
    x = torch.randn(3, generator=torch.Generator().manual_seed(0))
    with recording.recording(recording.RECORD, answers):
        recorded = source(x)
    with recording.recording(recording.REPLAY, answers):
        assert torch.equal(Recorded("test:tanh")(x.clone()), recorded)
        with pytest.raises(Unrecorded, match="graded only by your instructor"):
            Recorded("test:tanh")(x + 1)


def test_what_plain_data_cannot_carry_stops_the_recording_and_sources_get_copies():
    def scale_in_place(t):
        return t.mul_(2)

    with recording.recording(recording.RECORD):
        with pytest.raises(NotRecordable, match="cannot carry"):
            Recorded("test:module", torch.nn.Linear)(2, 2)
        held = torch.ones(2)  # a source writing into its argument works on a copy, as the release does
        assert Recorded("test:scale", scale_in_place)(held).tolist() == [2.0, 2.0] and held.tolist() == [1.0, 1.0]


def test_the_store_is_one_wire_frame_that_loads_back(tmp_path):
    answers: dict[str, bytes] = {}
    with recording.recording(recording.RECORD, answers):
        Recorded("test:pair", lambda n: (torch.arange(n), float(n)))(4)
    recording.save(answers, tmp_path)
    assert recording.load(tmp_path) == answers


def test_every_grader_takes_the_reference_only_through_imports_that_are_recorded():
    """An import of the reference inside a function, or of a whole module, would bypass the
    recording: the release would break where the course repository works."""
    uses = analyse(course.graders_dir())
    for path in sorted(course.graders_dir().glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = set(map(id, tree.body))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.partition(".")[0] in LEFT_OUT for a in node.names), f"{path.name}:{node.lineno}"
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.partition(".")[0] in LEFT_OUT:
                assert id(node) in top_level, f"{path.name}:{node.lineno} imports {node.module} inside a function"
                assert all((a.asname or a.name) in uses[f"graders.{path.stem}"].recorded for a in node.names)
        assert "importlib" not in path.read_text(encoding="utf-8"), path.name


def test_a_refused_recording_is_kept_for_the_release_to_stop_on():
    with recording.recording(recording.RECORD) as taken:
        with pytest.raises(NotRecordable):
            Recorded("test:model", torch.nn.Linear)(2, 2)
    assert len(taken.refused) == 1 and "test:model" in taken.refused[0]
