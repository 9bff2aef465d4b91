"""The wire format: what round-trips, and what a malicious runner's frames cannot do."""

import json
import struct

import pytest
import torch

from autograde.sandbox import wire


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.bool, torch.bfloat16, torch.uint8])
def test_tensors_round_trip_with_dtype_shape_and_values(dtype):
    tensor = (torch.arange(24) % 5).reshape(2, 3, 4).to(dtype)
    back = wire.decode(wire.encode(tensor))
    assert back.dtype == dtype and back.shape == tensor.shape and torch.equal(back, tensor)


def test_nested_plain_data_round_trips():
    message = {"a": [1, 2.5, None, True, "x"], "b": (torch.zeros(0, 3), float("nan"), float("-inf")), 3: {"k": ()}}
    back = wire.decode(wire.encode(message))
    assert back["a"] == [1, 2.5, None, True, "x"]
    assert isinstance(back["b"], tuple) and back["b"][0].shape == (0, 3)
    assert back["b"][1] != back["b"][1] and back["b"][2] == float("-inf")
    assert back[3] == {"k": ()}


def test_non_contiguous_views_and_requires_grad_survive():
    base = torch.arange(12.0).reshape(3, 4)
    back = wire.decode(wire.encode(base.T.requires_grad_(False)))
    assert torch.equal(back, base.T)
    assert wire.decode(wire.encode(torch.ones(2, requires_grad=True))).requires_grad


def test_arbitrary_objects_cannot_be_encoded():
    with pytest.raises(wire.WireError):
        wire.encode(object())


def frame(header: dict, *buffers: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack(">I", len(raw)) + raw + b"".join(buffers)


@pytest.mark.parametrize(
    "bad",
    [
        frame({"tree": {"__tensor__": 0, "dtype": "float32", "shape": [4]}, "buffers": [8]}, b"\0" * 8),
        frame({"tree": {"__tensor__": 0, "dtype": "object", "shape": [1]}, "buffers": [8]}, b"\0" * 8),
        frame({"tree": {"__tensor__": 3, "dtype": "float32", "shape": [1]}, "buffers": []}),
        frame({"tree": {"__pickle__": "gASV"}, "buffers": []}),
        frame({"tree": 1, "buffers": [5]}, b"abc"),
        frame({"tree": 1}),
        b"\0\0\0\x05{nope",
    ],
    ids=["short-buffer", "bad-dtype", "missing-buffer", "unknown-tag", "truncated", "no-buffers", "not-json"],
)
def test_malformed_frames_are_rejected(bad):
    with pytest.raises(wire.WireError):
        wire.decode(bad)


def test_oversized_frames_are_refused_before_they_are_read():
    header = json.dumps({"tree": 1, "buffers": [wire.MAX_FRAME_BYTES]}).encode()
    with pytest.raises(wire.WireError):
        wire.frame_length(struct.pack(">I", len(header)) + header)
