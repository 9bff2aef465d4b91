"""Grader for char_vocab: build_vocab(text) -> (stoi, itos), encode(text, stoi), decode(ids, itos).

Checks that the vocabulary is sorted(set(text)) with matching ids, that encode returns an int64
tensor of shape (len(text),) and raises KeyError for unknown characters, that decode accepts a
list or a tensor and inverts encode, and that non-ASCII text works throughout.
"""

import pytest
import torch

from autograde.grading.checks import expect_pair, expect_shape, fail
from autograde.grading.mistakes import Mistake
from autograde.grading.remote import StudentRaised
from reference.char_vocab import build_vocab, encode

TEXT = "the quick brown fox jumps over the lazy dog, THEN naps!\n"
NON_ASCII = "héllo wörld ✓ 日本"


def _first_appearance_vocab(text):
    itos = list(dict.fromkeys(text))
    return {ch: i for i, ch in enumerate(itos)}, itos


UNKNOWN_CHARACTERS_HIDDEN = Mistake(
    "a character missing from stoi does not raise KeyError", "Look each character up with stoi[ch], not stoi.get(...)."
)
DECODE_ONE_FORM_ONLY = Mistake(
    "decode accepts only one of the two forms of ids", "Accept a list of ints and a 1-D tensor alike: turn a tensor into a list first."
)
CHARACTERS_DROPPED = Mistake(
    "some characters of the text are left out of the vocabulary",
    "Take every distinct character of the text, whatever it is (accents, symbols, other scripts).",
)
UNSORTED = Mistake(
    "the vocabulary is not sorted",
    "Sort the distinct characters: a set's order changes from one Python process to the next "
    "(string hashing is randomised), so unsorted ids would not match a model saved by another run.",
    _first_appearance_vocab,
)
SWAPPED = Mistake(
    "build_vocab returns (itos, stoi)",
    "Return them in the contract's order: (stoi, itos).",
    lambda text: build_vocab(text)[::-1],
)
STOI_MISTAKES = [
    Mistake(
        "the ids start at 1",
        "Number the characters from 0, in the order of itos (enumerate counts from 0).",
        lambda itos: {ch: i + 1 for i, ch in enumerate(itos)},
    ),
    Mistake(
        "stoi maps ids to characters (that is what itos does)",
        "stoi goes the other way, from each character to its id, so that itos[stoi[ch]] == ch.",
        lambda itos: dict(enumerate(itos)),
    ),
]
ENCODE_RETURNS_A_LIST = Mistake(
    "encode returns a list of ints, not a tensor",
    "Wrap the ids in torch.tensor(ids, dtype=torch.long).",
    lambda text, stoi: [stoi[ch] for ch in text],
)
FLOAT_IDS = Mistake(
    "the ids are floats: torch.Tensor([...]) (capital T), and torch.tensor([]) without dtype=, build float32 tensors",
    "Build them with torch.tensor(ids, dtype=torch.long).",
    lambda text, stoi: torch.Tensor([stoi[ch] for ch in text]),
)
DECODE_MISTAKES = [
    Mistake(
        "decode returns a list of characters, not a string",
        "Join them into one string: ''.join(...).",
        lambda ids, itos: [itos[i] for i in ids],
    ),
    Mistake(
        "the characters are joined with spaces",
        "Join with the empty string: ''.join(...).",
        lambda ids, itos: " ".join(itos[i] for i in ids),
    ),
]


def _show(chars) -> str:
    """A vocabulary as one readable string, when it is made of one-character strings."""
    if isinstance(chars, list) and all(isinstance(ch, str) and len(ch) == 1 for ch in chars):
        return f"the characters {''.join(chars)!r}"
    return repr(chars)


def student_vocab(student, text: str) -> tuple[dict, list]:
    value = student.build_vocab(text)
    stoi, itos = expect_pair(value, "build_vocab")
    if not (isinstance(stoi, dict) and isinstance(itos, list)):
        fail(
            f"build_vocab should return (stoi, itos), a dict and a list, but it returned "
            f"({type(stoi).__name__}, {type(itos).__name__}).",
            mistakes=[SWAPPED], actual=value, args=(text,),
        )
    return stoi, itos


def expect_sorted_vocabulary(itos: list, text: str) -> None:
    expected = sorted(set(text))
    if itos == expected:
        return
    what = f"itos should be the distinct characters of the text, sorted: {_show(expected)} in this order, but it is {_show(itos)}"
    if sorted(itos, key=str) == expected:
        fail(f"{what}.", mistake=UNSORTED)
    missing = [ch for ch in expected if ch not in itos]
    if missing:
        fail(f"{what} (missing {missing!r}).", mistake=CHARACTERS_DROPPED)
    fail(f"{what}.")


def expect_ids(value, text: str, stoi: dict) -> None:
    """``value`` is what encode(text, stoi) should return: the ids, an int64 tensor (len(text),)."""
    what = f"encode({text!r}, stoi)"
    if not isinstance(value, torch.Tensor):
        fail(
            f"{what} should return a torch.Tensor, but it returned a {type(value).__name__}.",
            mistakes=[ENCODE_RETURNS_A_LIST], actual=value, args=(text, stoi),
        )
    expect_shape(value, (len(text),), what)
    if value.dtype != torch.int64:
        fail(
            f"{what} should have dtype torch.int64 (a LongTensor of ids), but it has dtype {value.dtype}.",
            mistake=FLOAT_IDS if value.is_floating_point() else None,
        )
    expected = encode(text, stoi)
    if not torch.equal(value, expected):
        fail(f"{what} should be the ids {expected.tolist()}, but it is {value.tolist()}.")


def expect_round_trip(value, text: str) -> None:
    if value != text:
        fail(f"decode(encode(text, stoi), itos) should give back {text!r}, but it gave {value!r}.")


@pytest.mark.points(1, hint="itos lists every distinct character of the text once, in sorted order.",
    code_hint="A set keeps each character once; sorted() turns it into a list in a fixed order.")
def test_itos_is_the_sorted_list_of_distinct_characters(student):
    _, itos = student_vocab(student, TEXT)
    expect_sorted_vocabulary(itos, TEXT)


@pytest.mark.points(0.5, hint="stoi is the inverse of itos: itos[stoi[ch]] == ch for every character.",
    code_hint="enumerate(itos) yields the (id, character) pairs to build the dict from.")
def test_stoi_maps_each_character_to_its_index_in_itos(student):
    stoi, itos = student_vocab(student, TEXT)
    expected = {ch: i for i, ch in enumerate(itos)}
    if stoi != expected:
        wrong = [ch for ch in itos if stoi.get(ch) != expected[ch]]
        detail = (
            f"stoi[{wrong[0]!r}] is {stoi.get(wrong[0])!r}, but {wrong[0]!r} is at index {expected[wrong[0]]} of itos"
            if wrong else f"stoi has {len(stoi)} entries for the {len(itos)} characters of itos"
        )
        fail(
            f"stoi should map each character to its index in itos: {detail}.",
            mistakes=STOI_MISTAKES, actual=stoi, args=(itos,),
        )


@pytest.mark.points(0.5, hint="encode returns an int64 tensor with one id per character, of shape (0,) for the empty text.",
    code_hint="torch.tensor(a_list_of_ids, dtype=torch.long): the explicit dtype also makes the empty text an int64 tensor.", title="encode returns an int64 tensor of shape (len(text),)")
def test_encode_returns_an_int64_tensor_of_shape_len_text(student):
    stoi, _ = build_vocab(TEXT)
    for text in ("the lazy dog", ""):
        expect_ids(student.encode(text, stoi), text, stoi)


@pytest.mark.points(0.5, hint="Look each character up with stoi[ch]: a plain dict lookup raises KeyError for a missing one.")
def test_encode_raises_key_error_for_a_character_missing_from_stoi(student):
    stoi, _ = build_vocab("abc")
    try:
        value = student.encode("abd", stoi)
    except StudentRaised as error:
        if error.error_type != "KeyError":
            fail(f"encode('abd', stoi) with 'd' missing from stoi should raise KeyError, but {error}")
        return
    fail(
        f"encode('abd', stoi) should raise KeyError, since 'd' is not in stoi, but it returned {value!r}. "
        "Look characters up with stoi[ch]: stoi.get(ch, default) hides unknown characters.",
        observed=UNKNOWN_CHARACTERS_HIDDEN,
    )


@pytest.mark.points(0.5, hint="decode accepts a list of ints and a 1-D integer tensor alike.",
    code_hint="ids.tolist() turns a tensor into a list of ints; str.join glues the characters together.", title="decode accepts a list of ints or a 1-D tensor")
def test_decode_accepts_a_list_of_ints_or_a_1d_tensor(student):
    stoi, itos = build_vocab(TEXT)
    text = "the lazy dog"
    ids = encode(text, stoi)
    for form, arg in (("a 1-D int64 tensor", ids), ("a list of ints", ids.tolist())):
        try:
            value = student.decode(arg, itos)
        except StudentRaised as error:
            fail(f"decode should accept ids as {form}, but with {form} {error}", observed=DECODE_ONE_FORM_ONLY)
        if value != text:
            fail(
                f"decode of {form} should return {text!r}, but it returned {value!r}.",
                mistakes=DECODE_MISTAKES, actual=value, args=(ids.tolist(), itos),
            )


@pytest.mark.points(0.5, hint="decode(encode(text, stoi), itos) must give the text back, with the stoi and itos of your build_vocab.")
def test_decode_inverts_encode_with_its_own_vocabulary(student):
    stoi, itos = student_vocab(student, TEXT)
    for text in (TEXT, "brown fox, lazy dog"):
        expect_round_trip(student.decode(student.encode(text, stoi), itos), text)


@pytest.mark.points(0.5, hint="Work with Python's characters (str), not bytes: 'é', '✓' and '日' are one character each.", title="handles non-ASCII text")
def test_handles_non_ascii_text(student):
    expect_sorted_vocabulary(student_vocab(student, NON_ASCII)[1], NON_ASCII)
    stoi, itos = build_vocab(NON_ASCII)
    ids = student.encode(NON_ASCII, stoi)
    expect_ids(ids, NON_ASCII, stoi)
    expect_round_trip(student.decode(ids, itos), NON_ASCII)
