"""Grader for embedding: an nn.Module lookup table, and nearest neighbours by cosine similarity.

Checks the output shape for ids of any shape (and ids not contiguous in memory), the rows against torch's F.embedding and the
reference loaded with the same table (float32 and float64), IndexError for ids out of range
(negative ids included), gradients that reach only the rows used and add up for repeated ids,
the N(0, 1) initialisation, and cosine_neighbors' order, self-exclusion and use of the cosine.
"""

import contextlib

import pytest
import torch
import torch.nn.functional as F

from autograde.grading.checks import (
    call_on_noncontiguous, crash_means, expect_close, expect_no_forbidden_api, expect_shape, expect_tensor, expect_unchanged, fail,
)
from autograde.grading.mistakes import Mistake
from autograde.grading.remote import StudentRaised
from graders.module_cases import build, expect_parameter_gradients, fail_initialisation, parameters_of, summarise
from reference.embedding import Embedding, cosine_neighbors


# Non-square on purpose, and small enough to read in a message.
NUM, DIM = 11, 3


def table(num=NUM, dim=DIM, seed=0, dtype=torch.float32) -> torch.Tensor:
    return torch.randn(num, dim, generator=torch.Generator().manual_seed(seed), dtype=torch.float64).to(dtype)


def random_ids(shape, seed=0, num=NUM) -> torch.Tensor:
    return torch.randint(0, num, shape, generator=torch.Generator().manual_seed(seed))


def reference(weight: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    module = Embedding(*weight.shape).to(weight.dtype)
    module.load_state_dict({"weight": weight})
    with torch.no_grad():
        return module(ids)


def describe(ids: torch.Tensor, weight: torch.Tensor) -> str:
    num, dim = weight.shape
    return f"Embedding({num}, {dim}) in {str(weight.dtype).removeprefix('torch.')}, ids {ids.tolist()}"


LOOKUP_MISTAKES = [
    Mistake(
        "the output keeps ids flattened",
        "Reshape back to (*ids.shape, embedding_dim), or index with ids as they are: self.weight[ids].",
        lambda weight, ids: weight[ids.reshape(-1)],
    ),
]

NEGATIVE_MISTAKES = [
    Mistake(
        "negative ids wrap around silently",
        "Plain indexing reads weight[-1] as the last row: check ids.min() >= 0 and ids.max() < num_embeddings "
        "and raise IndexError yourself.",
        lambda weight, ids: weight[ids],
    ),
]

INIT_MISTAKES = [
    Mistake(
        "the weight is drawn from [0, 1) (torch.rand) instead of N(0, 1)",
        "Use torch.randn(num_embeddings, embedding_dim).",
        lambda shape, generator: torch.rand(shape, generator=generator, dtype=torch.float64),
    ),
    Mistake(
        "the weight is drawn uniformly from [-1, 1] instead of N(0, 1)",
        "Use torch.randn(num_embeddings, embedding_dim).",
        lambda shape, generator: torch.rand(shape, generator=generator, dtype=torch.float64) * 2 - 1,
    ),
    Mistake(
        "the weight is scaled down, N(0, 0.01²) instead of N(0, 1)",
        "nn.Embedding draws from the standard normal: torch.randn(...) without a factor.",
        lambda shape, generator: torch.randn(shape, generator=generator, dtype=torch.float64) * 0.01,
    ),
    Mistake(
        "the weight is left at zero",
        "Fill it with torch.randn(num_embeddings, embedding_dim).",
        lambda shape, generator: torch.zeros(shape, dtype=torch.float64),
    ),
]


def _top(similarity: torch.Tensor, index: int, k: int) -> torch.Tensor:
    similarity = similarity.clone()
    similarity[index] = float("-inf")
    return similarity.topk(k).indices


def _cosine(weight: torch.Tensor, index: int, dim: int = 1) -> torch.Tensor:
    unit = F.normalize(weight.detach(), dim=dim)
    return unit @ unit[index]


def _least_similar_first(weight, index, k):
    order = _cosine(weight, index).argsort()
    return order[order != index][:k]


NEIGHBOR_MISTAKES = [
    Mistake(
        "the row itself is included",
        "A row is always its own nearest neighbour: set its similarity to -inf before taking the top k.",
        lambda weight, index, k: _cosine(weight, index).topk(k).indices,
    ),
    Mistake(
        "the least similar rows come first",
        "Take the largest similarities: torch.topk(similarity, k), or argsort(descending=True).",
        _least_similar_first,
    ),
    Mistake(
        "the similarity is the dot product, not the cosine",
        "Divide by both lengths (or normalise every row to length 1 first) so long rows do not win.",
        lambda weight, index, k: _top(weight.detach() @ weight.detach()[index], index, k),
    ),
    Mistake(
        "the columns are normalised (dim=0) instead of the rows",
        "Normalise each row to length 1 (along dim=1), not each column.",
        lambda weight, index, k: _top(_cosine(weight, index, dim=0), index, k),
    ),
]

# Row 1 is long and points roughly like row 0, so it wins on dot product; row 2 points most
# like row 0 and wins on cosine; normalising the columns (whose lengths differ) puts row 3 first.
DOT_VERSUS_COSINE = torch.tensor([
    [3.0, 2.0, -6.0],
    [-1.0, -1.0, -9.0],
    [2.0, -1.0, -6.0],
    [-1.0, 3.0, 0.0],
    [-4.0, 1.0, -6.0],
    [0.0, -1.0, 6.0],
])


def expect_neighbors(result, weight: torch.Tensor, index: int, k: int) -> None:
    what = f"cosine_neighbors(weight of shape {tuple(weight.shape)}, index={index}, k={k})"
    expect_tensor(result, what)
    if result.dtype != torch.int64:
        fail(f"{what} should return a LongTensor of row ids (dtype torch.int64), but its dtype is {result.dtype}.")
    expected = cosine_neighbors(weight.detach(), index, k)
    expect_shape(result, expected.shape, what, mistakes=NEIGHBOR_MISTAKES, args=(weight, index, k))
    if not torch.equal(result, expected):
        fail(
            f"{what} returned the rows {result.tolist()}; the {k} rows most cosine-similar to row {index}, "
            f"most similar first, are {expected.tolist()}.",
            mistakes=NEIGHBOR_MISTAKES, actual=result, expected=expected, args=(weight, index, k),
        )


EMPTY_IDS_REFUSED = Mistake(
    "an empty tensor of ids raises instead of giving an empty result",
    "ids of shape (0,) hold no id to check: skip the range check (ids.min() has no value) when ids.numel() == 0.",
)
INT32_REFUSED = Mistake(
    "int32 ids are refused", "Accept ids of any integer dtype: convert them with .long() where an operation needs int64."
)
WRONG_ERROR_TYPE = Mistake(
    "an id outside the table raises another error than IndexError", "Raise IndexError, as the contract says, for any id outside the table."
)


def expect_index_error(module, ids: torch.Tensor, weight: torch.Tensor, **diagnosis) -> None:
    what = f"Embedding({NUM}, {DIM}) applied to ids {ids.tolist()}"
    try:
        result = module(ids)
    except StudentRaised as error:
        if error.error_type != "IndexError":
            fail(f"{what} should raise IndexError, but: {error}", observed=WRONG_ERROR_TYPE)
        return
    fail(
        f"{what} returned a result: ids outside [0, {NUM}) must raise IndexError.",
        actual=result, args=(weight, ids), **diagnosis,
    )


@pytest.mark.points(1, hint="Return (*ids.shape, embedding_dim) for ids of any shape, a 0-dim tensor and an empty one included.",
    code_hint="Indexing the table with the id tensor itself does the lookup for every shape.", title="output shape is ids.shape + (embedding_dim,) for any ids shape")
def test_output_shape_is_ids_shape_plus_embedding_dim_for_any_ids_shape(student):
    weight = table(seed=1)
    module = build(student, "Embedding", NUM, DIM, state={"weight": weight})
    for seed, shape in enumerate([(), (4,), (2, 5), (2, 3, 2), (0,), (3, 0)]):
        ids = random_ids(shape, seed=seed)
        with crash_means(EMPTY_IDS_REFUSED) if 0 in shape else contextlib.nullcontext():
            found = module(ids)
        expect_shape(
            found, (*shape, DIM), f"Embedding({NUM}, {DIM}) of ids of shape {shape}",
            mistakes=LOOKUP_MISTAKES, args=(weight, ids),
        )


@pytest.mark.points(0.5, hint="Row i of the output is row ids[i] of self.weight, the first and last rows included, for int64 and int32 ids alike.")
def test_rows_match_torch_embedding_in_float32(student):
    weight = table(seed=2)
    module = build(student, "Embedding", NUM, DIM, state={"weight": weight})
    ids = torch.tensor([[0, 10, 3, 3], [7, 0, 5, 10]])
    expect_close(
        module(ids), F.embedding(ids, weight), "the embedded ids",
        context=describe(ids, weight), mistakes=LOOKUP_MISTAKES, args=(weight, ids),
    )
    with crash_means(INT32_REFUSED):  # any integer ids: int32 ones as well, as nn.Embedding takes them
        found = module(ids.int())
    expect_close(found, F.embedding(ids, weight), "the embedded int32 ids", context=describe(ids, weight) + ", as int32")


@pytest.mark.points(0.5, hint="ids may be a transposed or sliced view (not contiguous in memory), as a batch read column-wise is: flatten them, if you do, with an operation that accepts any layout.",
    code_hint=".view() needs memory it can reinterpret without a copy; .reshape() and .flatten() accept any layout, and indexing with ids as they are needs neither.",
    title="looks up ids that are not contiguous in memory")
def test_looks_up_ids_that_are_not_contiguous_in_memory(student):
    weight = table(seed=9)
    module = build(student, "Embedding", NUM, DIM, state={"weight": weight})
    ids = random_ids((2, 3, 4), seed=10)  # stored transposed in the runner, as ids.transpose(1, 2) of a (2, 4, 3) batch
    found = call_on_noncontiguous(student, module, ids, what=f"Embedding({NUM}, {DIM})(...)")
    expect_close(
        found, F.embedding(ids, weight), "the embedded ids",
        context=f"Embedding({NUM}, {DIM}), ids of shape (2, 3, 4) not contiguous in memory",
        mistakes=LOOKUP_MISTAKES, args=(weight, ids),
    )


@pytest.mark.points(0.5, hint="Return rows of self.weight as they are: no .float(), so a float64 table gives float64 vectors.")
def test_keeps_a_float64_table_in_float64(student):
    weight = table(seed=3, dtype=torch.float64)
    module = build(student, "Embedding", NUM, DIM, state={"weight": weight}, dtype=torch.float64)
    ids = random_ids((2, 3, 2), seed=4)
    expect_close(
        module(ids), reference(weight, ids), "the embedded ids",
        context=describe(ids, weight), mistakes=LOOKUP_MISTAKES, args=(weight, ids),
    )


@pytest.mark.points(0.5, hint="An id >= num_embeddings must raise IndexError, not the RuntimeError torch's indexing may raise: check the range yourself.",
    code_hint="Compare ids.min() and ids.max() with the size of the table before indexing.")
def test_an_id_past_the_end_raises_index_error(student):
    weight = table(seed=5)
    module = build(student, "Embedding", NUM, DIM, state={"weight": weight})
    expect_index_error(module, torch.tensor([[0, NUM], [3, 4]]), weight)


@pytest.mark.points(0.5, hint="A negative id must raise IndexError: plain indexing would quietly return the last rows.")
def test_a_negative_id_raises_index_error(student):
    weight = table(seed=6)
    module = build(student, "Embedding", NUM, DIM, state={"weight": weight})
    expect_index_error(module, torch.tensor([[2, -1], [0, 5]]), weight, mistakes=NEGATIVE_MISTAKES)


@pytest.mark.points(1, hint="Look rows up from self.weight itself (no .data, .detach() or torch.no_grad()): indexing adds up repeated ids' gradients.")
def test_gradients_reach_only_the_rows_used_and_add_up_for_repeats(student):
    weight = table(seed=7, dtype=torch.float64)
    module = build(student, "Embedding", NUM, DIM, state={"weight": weight}, dtype=torch.float64)
    ids = torch.tensor([[1, 4, 4, 0], [7, 1, 4, 9], [9, 9, 2, 1]])  # rows 3, 5, 6, 8 and 10 unused
    cotangent = torch.randn(3, 4, DIM, generator=torch.Generator().manual_seed(8), dtype=torch.float64)
    result = student.call((module, "__call__"), ids, backward=[cotangent])
    leaf = weight.clone().requires_grad_(True)
    (F.embedding(ids, leaf) * cotangent).sum().backward()
    expect_parameter_gradients(result.param_grads, {"weight": leaf.grad}, f"Embedding({NUM}, {DIM})")


@pytest.mark.points(0.5, hint="weight must be an nn.Parameter (so optimizers see it) drawn from a standard normal N(0, 1).",
    code_hint="torch.randn draws from N(0, 1); wrapping the table in nn.Parameter registers it.")
def test_weight_is_a_parameter_drawn_from_a_standard_normal(student):
    shape = (2000, 64)  # 128,000 draws: the mean is within ±0.02 and the std within 1 ± 0.03 by far
    params = parameters_of(student, student.Embedding(*shape))
    if "weight" not in params:
        fail(f"Embedding{shape} has no parameter named weight: register it as an nn.Parameter attribute, self.weight.")
    weight = expect_shape(params["weight"], shape, f"the weight of Embedding{shape}").double()
    beyond_two = (weight.abs() > 2).double().mean()  # 4.55% for a standard normal, 0 for a uniform
    if weight.mean().abs() > 0.02 or (weight.std() - 1).abs() > 0.03 or (beyond_two - 0.0455).abs() > 0.005:
        fail_initialisation(
            f"the weight of Embedding{shape} should be drawn from N(0, 1) (mean 0, std 1, 4.6% of values beyond ±2), "
            f"but it has {summarise(weight)}, {beyond_two.item():.1%} of values beyond ±2.",
            weight, INIT_MISTAKES, (shape,),
        )


@pytest.mark.points(0.5, hint="Rank by cosine similarity, largest first (torch.topk), after setting the row's own similarity to -inf.")
def test_cosine_neighbors_rank_most_similar_first_without_the_row_itself(student):
    weight = table(10, 4, seed=9).requires_grad_(True)  # as a model's embedding weight would be
    for index, k in ((2, 4), (9, 9), (0, 1)):
        expect_neighbors(student.cosine_neighbors(weight, index, k), weight, index, k)


@pytest.mark.points(0.5, hint="cos(u, v) = u·v / (|u| |v|): compare directions, not lengths.",
    code_hint="F.normalize with dim=1 scales every row to length 1; one matrix-vector product then gives all the similarities.")
def test_cosine_neighbors_rank_by_cosine_not_dot_product(student):
    expect_neighbors(student.cosine_neighbors(DOT_VERSUS_COSINE, 0, 3), DOT_VERSUS_COSINE, 0, 3)


@pytest.mark.points(0.5, hint="Do not modify ids or the weight you are given (no weight /= ..., no in-place normalize): build new tensors.")
def test_leaves_its_inputs_unchanged(student):
    weight, ids = table(seed=10), random_ids((2, 4), seed=11)
    module = build(student, "Embedding", NUM, DIM, state={"weight": weight})
    result = student.call((module, "__call__"), ids, inputs_after=True)
    expect_unchanged([ids], result.inputs_after, ["ids"], "Embedding.forward")
    result = student.call("cosine_neighbors", weight, 3, 4, inputs_after=True)
    expect_unchanged([weight], result.inputs_after, ["weight"], "cosine_neighbors")


@pytest.mark.points(0.5, hint="Index self.weight yourself; torch's Embedding modules and functions are off limits.")
def test_does_not_use_torch_embedding(student, student_source, forbidden):
    def run():
        student.Embedding(NUM, DIM)(random_ids((2, 3), seed=12))
        student.cosine_neighbors(table(seed=13), 0, 2)

    expect_no_forbidden_api(student_source, forbidden, run)
