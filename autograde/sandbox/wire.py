"""The plain-data format spoken between the trusted checker and an untrusted runner.

A frame is a 4-byte big-endian length, a JSON header, then raw buffers. Tensors travel as
raw bytes described by dtype and shape; everything else is JSON. Nothing is ever pickled, so
decoding a frame can never run code, and the decoder checks every field before trusting it.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

import torch

MAX_FRAME_BYTES = 1 << 30
MAX_DEPTH = 32

DTYPES = {
    name: getattr(torch, name)
    for name in (
        "float16", "bfloat16", "float32", "float64",
        "uint8", "int8", "int16", "int32", "int64", "bool",
    )
}
DTYPE_NAMES = {dtype: name for name, dtype in DTYPES.items()}

_LENGTH = struct.Struct(">I")


class WireError(Exception):
    """A frame that does not follow this format (truncated, oversized or malformed)."""


class FrameTooLarge(WireError):
    """A frame whose header announces more bytes than the reader accepts."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"a frame of {size} bytes is larger than the limit of {limit}")
        self.size, self.limit = size, limit


@dataclass(frozen=True)
class Handle:
    """A reference to an object that lives in the runner and cannot be sent as data."""

    id: int
    type_name: str


def map_leaves(value: Any, leaf: Callable[[Any], Any]) -> Any:
    """``value`` with ``leaf`` applied to everything inside its lists, tuples and dict values."""
    if isinstance(value, list):
        return [map_leaves(v, leaf) for v in value]
    if isinstance(value, tuple):
        return tuple(map_leaves(v, leaf) for v in value)
    if isinstance(value, dict):
        return {k: map_leaves(v, leaf) for k, v in value.items()}
    return leaf(value)


def encode(message: Any) -> bytes:
    """Encode a message made of None, bool, int, float, str, list, tuple, dict, Tensor, Handle."""
    buffers: list[bytes] = []
    tree = _encode_value(message, buffers, 0)
    header = json.dumps({"tree": tree, "buffers": [len(b) for b in buffers]}).encode()
    return b"".join([_LENGTH.pack(len(header)), header, *buffers])


def _encode_value(value: Any, buffers: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply to send")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, torch.Tensor):
        return _encode_tensor(value, buffers)
    if isinstance(value, Handle):
        return {"__handle__": value.id, "type": value.type_name}
    if isinstance(value, list):
        return [_encode_value(v, buffers, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [_encode_value(v, buffers, depth + 1) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, (str, int)) for k in value):
            raise WireError("only dicts with str or int keys can be sent")
        return {"__dict__": [[k, _encode_value(v, buffers, depth + 1)] for k, v in value.items()]}
    raise WireError(f"cannot send a value of type {type(value).__name__}")


def _encode_tensor(tensor: torch.Tensor, buffers: list[bytes]) -> dict:
    # DisableTorchFunction: a tensor subclass cannot intercept its own serialisation.
    with torch._C.DisableTorchFunction():
        plain = torch.Tensor.detach(tensor).cpu().contiguous()
        if plain.dtype not in DTYPE_NAMES:
            raise WireError(f"cannot send a tensor of dtype {plain.dtype}")
        raw = plain.reshape(-1).view(torch.uint8).numpy().tobytes()
        entry = {
            "__tensor__": len(buffers),
            "dtype": DTYPE_NAMES[plain.dtype],
            "shape": list(plain.shape),
            "requires_grad": bool(tensor.requires_grad),
        }
    buffers.append(raw)
    return entry


def decode(frame: bytes | memoryview) -> Any:
    """Decode one whole frame (length prefix included), validating every part of it."""
    frame = memoryview(frame)
    if len(frame) < _LENGTH.size:
        raise WireError("frame shorter than its length prefix")
    (header_len,) = _LENGTH.unpack(frame[: _LENGTH.size])
    header_end = _LENGTH.size + header_len
    try:
        header = json.loads(bytes(frame[_LENGTH.size : header_end]))
    except (ValueError, UnicodeDecodeError) as error:
        raise WireError(f"header is not JSON: {error}") from None
    if not isinstance(header, dict) or set(header) != {"tree", "buffers"}:
        raise WireError("header must have exactly 'tree' and 'buffers'")
    sizes = header["buffers"]
    if not isinstance(sizes, list) or not all(_is_count(n) for n in sizes):
        raise WireError("buffer sizes must be a list of non-negative ints")
    if header_end + sum(sizes) != len(frame):
        raise WireError("frame length does not match its buffers")
    buffers, offset = [], header_end
    for size in sizes:
        buffers.append(frame[offset : offset + size])
        offset += size
    return _decode_value(header["tree"], buffers, 0)


def frame_length(prefix: bytes | memoryview, limit: int = MAX_FRAME_BYTES) -> int | None:
    """Total length of the frame whose first bytes are ``prefix`` (None if more bytes are needed).

    Raises FrameTooLarge as soon as the header says the frame is longer than ``limit``, before
    any of its body is read.
    """
    if len(prefix) < _LENGTH.size:
        return None
    (header_len,) = _LENGTH.unpack(bytes(prefix[: _LENGTH.size]))
    header_end = _LENGTH.size + header_len
    if header_end > limit:
        raise FrameTooLarge(header_end, limit)
    if len(prefix) < header_end:
        return None
    try:
        sizes = json.loads(bytes(prefix[_LENGTH.size : header_end]))["buffers"]
        total = header_end + sum(int(n) for n in sizes)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise WireError("unreadable frame header") from None
    if total > limit:
        raise FrameTooLarge(total, limit)
    return total


def read_frame(sock) -> Any | None:
    """Read and decode one frame from a blocking socket (None when the other side hung up)."""
    buffer = bytearray()
    while True:
        total = frame_length(buffer)
        if total is not None and len(buffer) >= total:
            return decode(bytes(buffer))
        chunk = sock.recv(max(65536, (total or 0) - len(buffer)))
        if not chunk:
            return None
        buffer += chunk


def _is_count(n: Any) -> bool:
    return type(n) is int and n >= 0


def _decode_value(tree: Any, buffers: list[memoryview], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return tree
    if isinstance(tree, list):
        return [_decode_value(v, buffers, depth + 1) for v in tree]
    if not isinstance(tree, dict) or len(tree) == 0:
        raise WireError("malformed value")
    if "__tensor__" in tree:
        return _decode_tensor(tree, buffers)
    if "__tuple__" in tree and isinstance(tree["__tuple__"], list):
        return tuple(_decode_value(v, buffers, depth + 1) for v in tree["__tuple__"])
    if "__dict__" in tree and isinstance(tree["__dict__"], list):
        result = {}
        for pair in tree["__dict__"]:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int))):
                raise WireError("malformed dict entry")
            result[pair[0]] = _decode_value(pair[1], buffers, depth + 1)
        return result
    if "__float__" in tree and tree["__float__"] in ("nan", "inf", "-inf"):
        return float(tree["__float__"])
    if "__handle__" in tree and _is_count(tree["__handle__"]) and isinstance(tree.get("type"), str):
        return Handle(tree["__handle__"], tree["type"])
    raise WireError("malformed value")


def _decode_tensor(tree: dict, buffers: list[memoryview]) -> torch.Tensor:
    index, dtype_name, shape = tree.get("__tensor__"), tree.get("dtype"), tree.get("shape")
    if not (_is_count(index) and index < len(buffers)):
        raise WireError("tensor refers to a missing buffer")
    if dtype_name not in DTYPES:
        raise WireError(f"unsupported tensor dtype {dtype_name!r}")
    if not (isinstance(shape, list) and all(_is_count(n) for n in shape)):
        raise WireError("tensor shape must be a list of non-negative ints")
    dtype = DTYPES[dtype_name]
    raw = buffers[index]
    if math.prod(shape) * dtype.itemsize != len(raw):
        raise WireError(f"tensor of shape {shape} and dtype {dtype_name} does not fit its buffer")
    if len(raw) == 0:
        tensor = torch.empty(shape, dtype=dtype)
    else:
        tensor = torch.frombuffer(bytearray(raw), dtype=dtype).reshape(shape)
    if tree.get("requires_grad") is True and tensor.is_floating_point():
        tensor.requires_grad_(True)
    return tensor
