"""Grader for next_token_batches: make_batches(ids, batch_size, seq_len) -> [(inputs, targets), ...].

The ids are torch.arange(len), so every id is its own position in the text and a wrong layout
is easy to read. Checks the return type and shapes, targets shifted by one, rows that continue
from batch to batch, the contract's exact layout, full batches only, ValueError for a text too
short for one batch, and untouched ids.
"""

import pytest
import torch

from autograde.grading.checks import expect_unchanged, fail
from autograde.grading.mistakes import Mistake
from autograde.grading.remote import StudentRaised
from reference.next_token_batches import make_batches as reference

NO_VALUE_ERROR = Mistake("a text too short for one batch does not raise ValueError", "Raise ValueError when n == 0.")
NOT_A_LIST = Mistake("the batches are not returned as a list", "Return a list of (inputs, targets) pairs, not a generator or a tensor.")


def _consecutive_chunks(ids, batch_size, seq_len):
    size = batch_size * seq_len
    n = (len(ids) - 1) // size
    return [
        (ids[i * size:(i + 1) * size].view(batch_size, seq_len),
         ids[i * size + 1:(i + 1) * size + 1].view(batch_size, seq_len))
        for i in range(n)
    ]


def _partial_last_batch(ids, batch_size, seq_len):
    columns = (len(ids) - 1) // batch_size
    X = ids[:batch_size * columns].view(batch_size, columns)
    Y = ids[1:batch_size * columns + 1].view(batch_size, columns)
    return [(X[:, i:i + seq_len], Y[:, i:i + seq_len]) for i in range(0, columns, seq_len)]


def _forgets_the_last_target(ids, batch_size, seq_len):
    n = len(ids) // (batch_size * seq_len)
    m = n * batch_size * seq_len
    X = ids[:m].view(batch_size, n * seq_len)
    Y = ids[1:m + 1].view(batch_size, n * seq_len)  # fails when len(ids) == m: one target short
    return [(X[:, i * seq_len:(i + 1) * seq_len], Y[:, i * seq_len:(i + 1) * seq_len]) for i in range(n)]


FORGETS_THE_LAST_TARGET = Mistake(
    "n = len(ids) // (batch_size * seq_len) forgets that the last input needs a target",
    "Keep one id for the last target: count the windows in len(ids) - 1 ids, not len(ids).",
    _forgets_the_last_target,
)
MISTAKES = [
    Mistake(
        "rows of consecutive batches do not continue each other (you cut the stream into consecutive chunks batch by batch)",
        "Lay the text out once as batch_size long rows of n * seq_len ids, then take batch i as the i-th "
        "window of seq_len columns of those rows, so a hidden state can be carried.",
        _consecutive_chunks,
    ),
    Mistake(
        "keeps a partial last batch",
        "Use only full batches, n windows per row counted from len(ids) - 1 ids, and drop the remainder.",
        _partial_last_batch,
    ),
    Mistake(
        "the targets are the inputs, not shifted",
        "The target of ids[j] is ids[j + 1]: build the target rows from the ids shifted by one.",
        lambda ids, batch_size, seq_len: [(x, x) for x, _ in reference(ids, batch_size, seq_len)],
    ),
    Mistake(
        "each batch is (seq_len, batch_size), time-major, as in torch's word_language_model example",
        "Return batch-first (batch_size, seq_len) tensors: rows are streams, columns are time steps.",
        lambda ids, batch_size, seq_len: [(x.T, y.T) for x, y in reference(ids, batch_size, seq_len)],
    ),
]


def text_ids(length: int) -> torch.Tensor:
    return torch.arange(length)


def describe(ids, batch_size, seq_len) -> str:
    return f"ids = torch.arange({len(ids)}), batch_size {batch_size}, seq_len {seq_len}"


def student_batches(student, ids, batch_size, seq_len) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The student's batches, checked to be a list of n (inputs, targets) pairs of 2-D tensors.

    Checking n here keeps every test from passing on an empty list.
    """
    args = (ids, batch_size, seq_len)
    value = student.make_batches(*args)
    if not isinstance(value, list):
        kind = getattr(value, "type_name", type(value).__name__)
        fail(
            f"make_batches should return a list of (inputs, targets) pairs, but it returned a {kind} ({describe(*args)}).",
            observed=NOT_A_LIST,
        )
    n = (len(ids) - 1) // (batch_size * seq_len)
    if len(value) != n:
        fail(
            f"make_batches should return {n} batches (full windows only, one id kept for the last target), "
            f"but it returned {len(value)} ({describe(*args)}).",
            mistakes=[FORGETS_THE_LAST_TARGET, *MISTAKES], actual=value, args=args,
        )
    for i, pair in enumerate(value):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            fail(f"batch {i} should be an (inputs, targets) pair, but it is a {getattr(pair, 'type_name', type(pair).__name__)}.")
        for name, tensor in zip(("inputs", "targets"), pair):
            if not isinstance(tensor, torch.Tensor):
                fail(f"the {name} of batch {i} should be a torch.Tensor, but they are a {type(tensor).__name__}.")
            if tensor.ndim != 2:
                fail(f"the {name} of batch {i} should be 2-D, (batch_size, seq_len), but they have shape {tuple(tensor.shape)}.")
    return value


@pytest.mark.points(0.5, hint="Return a list of (inputs, targets) tuples, each an int64 tensor of shape (batch_size, seq_len).")
def test_returns_a_list_of_int64_pairs_of_shape_batch_size_by_seq_len(student):
    args = (text_ids(2 * 5 * 4 + 1), 2, 5)
    batches = student_batches(student, *args)
    for i, pair in enumerate(batches):
        for name, tensor in zip(("inputs", "targets"), pair):
            what = f"the {name} of batch {i} ({describe(*args)})"
            if tuple(tensor.shape) != (2, 5):
                fail(
                    f"{what} should have shape (batch_size, seq_len) = (2, 5), but they have shape {tuple(tensor.shape)}.",
                    mistakes=MISTAKES, actual=batches, args=args,
                )
            if tensor.dtype != torch.int64:
                fail(f"{what} should have dtype torch.int64, like the ids, but they have dtype {tensor.dtype}.")


@pytest.mark.points(1, hint="The target of every input id is the id that follows it in the text: the targets are the inputs shifted by one.")
def test_targets_are_the_inputs_shifted_by_one(student):
    args = (text_ids(3 * 4 * 3 + 3), 3, 4)
    batches = student_batches(student, *args)
    for i, (x, y) in enumerate(batches):
        if x.shape != y.shape:
            fail(
                f"the inputs and targets of batch {i} should have the same shape, "
                f"but they have shapes {tuple(x.shape)} and {tuple(y.shape)}."
            )
        if not torch.equal(y, x + 1):
            b = int((y != x + 1).any(dim=1).nonzero()[0])
            fail(
                f"the targets of batch {i}, row {b} should be the ids that follow its inputs: inputs {x[b].tolist()}, "
                f"so targets {(x[b] + 1).tolist()}, but they are {y[b].tolist()} ({describe(*args)}).",
                mistakes=MISTAKES, actual=batches, args=args,
            )


@pytest.mark.points(1, hint="Lay the text out as batch_size long rows first, then cut columns, so row b of batch i+1 picks up where row b of batch i stopped.",
    code_hint="view(batch_size, -1) on the ids you keep gives the rows; batch i is the i-th window of seq_len columns.")
def test_row_b_of_each_batch_continues_row_b_of_the_previous_batch(student):
    args = (text_ids(3 * 2 * 4 + 1), 3, 2)
    batches = student_batches(student, *args)
    for i in range(1, len(batches)):
        ends, starts = batches[i - 1][0][:, -1], batches[i][0][:, 0]
        if not torch.equal(starts, ends + 1):
            b = int((starts != ends + 1).nonzero()[0])
            fail(
                f"row {b} of batch {i - 1} ends with id {int(ends[b])}, so row {b} of batch {i} should start with id "
                f"{int(ends[b]) + 1}, but it starts with id {int(starts[b])} ({describe(*args)}).",
                mistakes=MISTAKES, actual=batches, args=args,
            )


@pytest.mark.points(1, hint="Follow the contract's layout exactly: the same rows, the same windows, in the same order, for any batch_size and seq_len.",
    code_hint="Build the input rows and the target rows once, each (batch_size, n * seq_len), then slice seq_len columns per batch.")
def test_matches_the_contract_layout_for_several_sizes(student):
    for args in ((text_ids(1 * 5 * 3 + 1), 1, 5), (text_ids(4 * 3 * 2 + 1), 4, 3), (text_ids(2 * 2 * 5 + 1), 2, 2)):
        batches = student_batches(student, *args)
        for i, ((x, y), (want_x, want_y)) in enumerate(zip(batches, reference(*args))):
            for name, got, want in (("inputs", x, want_x), ("targets", y, want_y)):
                if got.tolist() != want.tolist():
                    fail(
                        f"the {name} of batch {i} should be {want.tolist()}, but they are {got.tolist()} ({describe(*args)}).",
                        mistakes=MISTAKES, actual=batches, args=args,
                    )


@pytest.mark.points(0.5, hint="Make only full batches, and keep one id after the last input for its target.",
    code_hint="Count the windows per row with integer division, after setting that last id aside.")
def test_makes_only_full_batches_with_a_target_for_every_input(student):
    student_batches(student, text_ids(2 * 3 * 3 + 1 + 4), 2, 3)
    exact = (text_ids(2 * 3 * 3), 2, 3)  # room for 3 batches of inputs, but the last input would have no target
    try:
        student_batches(student, *exact)
    except StudentRaised as error:
        fail(f"with {describe(*exact)} two full batches fit, but {error}", mistake=FORGETS_THE_LAST_TARGET)


@pytest.mark.points(0.5, hint="If n == 0 raise ValueError, saying that batch_size * seq_len + 1 ids are needed and how many there are.")
def test_raises_value_error_when_not_even_one_batch_fits(student):
    for length in (2 * 3, 4):
        args = (text_ids(length), 2, 3)
        what = f"with {describe(*args)} not one batch fits (that needs 2 * 3 + 1 = 7 ids), so make_batches should raise ValueError"
        try:
            value = student.make_batches(*args)
        except StudentRaised as error:
            if error.error_type != "ValueError":
                fail(f"{what}, but {error}")
            continue
        fail(f"{what}, but it returned {value!r}.", observed=NO_VALUE_ERROR)


@pytest.mark.points(0.5, hint="Do not modify ids in place: slicing and .view() make new views without writing to it.")
def test_leaves_ids_unchanged(student):
    ids = text_ids(2 * 3 * 2 + 1)
    result = student.call("make_batches", ids, 2, 3, inputs_after=True)
    expect_unchanged([ids], result.inputs_after, ["ids"], "make_batches")
