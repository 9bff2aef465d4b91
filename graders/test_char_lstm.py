"""Grader for char_lstm: the embedding -> LSTM -> linear character language model.

Checks the submodules (names, types, sizes, batch_first), the shapes of the logits and of the
hidden state for one and two layers, the values against the reference model loaded with the
same weights (float32 and float64, with and without a given hidden state), that two halves run
with the hidden state passed on equal one run, that logits never depend on later steps or on
other sequences of the batch, and the gradients. torch's own modules are allowed here.
"""

import pytest
import torch

from autograde.grading.checks import (
    expect_gradients, expect_gradients_reach, expect_pair, expect_shape, expect_unchanged, fail, with_grad,
)
from autograde.grading.mistakes import Mistake
from autograde.grading.remote import RemoteObject, StudentRaised
from graders.module_cases import (
    build, detached_state, expect_parameter_gradients, expect_sequence_result, in_two_halves, picking, random_state,
)
from reference.char_lstm import CharLSTM

# Every size different, so that a swapped pair of sizes shows.
VOCAB, EMBED, HIDDEN = 11, 6, 5
NAMES = ("logits", "h", "c")


def model_weights(num_layers: int, seed: int, dtype=torch.float32) -> dict:
    """Random weights for CharLSTM(VOCAB, EMBED, HIDDEN, num_layers), named as nn.Module names them."""
    shapes = {name: tuple(value.shape) for name, value in CharLSTM(VOCAB, EMBED, HIDDEN, num_layers).state_dict().items()}
    return random_state(shapes, seed, dtype)


def sizes(weights: dict) -> tuple[int, int, int, int]:
    """(vocab_size, embed_dim, hidden_dim, num_layers) of a CharLSTM's state dict."""
    vocab_size, embed_dim = weights["embedding.weight"].shape
    num_layers = sum(name.startswith("lstm.weight_ih_l") and not name.endswith("_reverse") for name in weights)
    return vocab_size, embed_dim, weights["lstm.weight_hh_l0"].shape[1], num_layers


def reference_model(weights: dict) -> CharLSTM:
    model = CharLSTM(*sizes(weights)).to(weights["embedding.weight"].dtype)
    model.load_state_dict(weights)
    return model


def reference(weights: dict, x: torch.Tensor, hidden=None):
    with torch.no_grad():
        return reference_model(weights)(x, hidden)


def char_ids(batch: int, steps: int, seed: int) -> torch.Tensor:
    return torch.randint(0, VOCAB, (batch, steps), generator=torch.Generator().manual_seed(seed))


def random_hidden(num_layers: int, batch: int, seed: int, dtype=torch.float32) -> tuple:
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(num_layers, batch, HIDDEN, generator=g, dtype=dtype) * 0.5 for _ in range(2))


def describe(x: torch.Tensor, num_layers: int, hidden, dtype=torch.float32) -> str:
    start = "hidden=None" if hidden is None else "a given hidden"
    return (
        f"CharLSTM({VOCAB}, embed_dim={EMBED}, hidden_dim={HIDDEN}, num_layers={num_layers}) in "
        f"{str(dtype).removeprefix('torch.')}, x of shape {tuple(x.shape)}, {start}"
    )


def _without_batch_first(weights, x, hidden=None):
    model = reference_model(weights)
    model.lstm.batch_first = False
    with torch.no_grad():
        return model(x, hidden)


def _head_on_last_state(weights, x, hidden=None):
    model = reference_model(weights)
    with torch.no_grad():
        _, (h, c) = model.lstm(model.embedding(x), hidden)
        return model.head(h[-1]), (h, c)


def _bidirectional(weights, x, hidden=None):
    vocab_size, embed_dim, hidden_dim, num_layers = sizes(weights)
    model = CharLSTM(vocab_size, embed_dim, hidden_dim, num_layers)
    model.lstm = torch.nn.LSTM(embed_dim, hidden_dim, num_layers, batch_first=True, bidirectional=True)
    model.head = torch.nn.Linear(2 * hidden_dim, vocab_size)
    model.to(weights["embedding.weight"].dtype).load_state_dict(weights)
    with torch.no_grad():
        return model(x, hidden)


def _softmax_head(weights, x, hidden=None):
    logits, hidden = reference(weights, x, hidden)
    return torch.softmax(logits, dim=-1), hidden


def _log_softmax_head(weights, x, hidden=None):
    logits, hidden = reference(weights, x, hidden)
    return torch.log_softmax(logits, dim=-1), hidden


MODEL_MISTAKES = [
    Mistake(
        "nn.LSTM is missing batch_first=True",
        "Without it nn.LSTM reads x as (T, B, features), mixing the sequences of a batch: pass batch_first=True.",
        _without_batch_first,
    ),
    Mistake(
        "the hidden argument is ignored",
        "Pass hidden on to the LSTM along with the embedded ids: it is what lets a sequence continue across calls.",
        lambda weights, x, hidden=None: reference(weights, x),
    ),
    Mistake(
        "the logits come from the last hidden state only",
        "Apply the head to the LSTM's output at every step, (B, T, hidden_dim), not to h[-1].",
        _head_on_last_state,
    ),
    Mistake(
        "the LSTM is bidirectional",
        "Its backward direction reads the future characters: a language model needs bidirectional=False.",
        _bidirectional,
    ),
    Mistake(
        "the model returns probabilities (a softmax of the head's output) as its logits",
        "Return the head's output as it is: the cross-entropy takes logits and applies the softmax itself, "
        "so a softmax here is applied twice and squeezes every prediction towards uniform.",
        _softmax_head,
    ),
    Mistake(
        "the model returns log-probabilities (a log-softmax of the head's output) as its logits",
        "Return the head's output as it is: the logits are the raw scores, and every consumer (the loss, "
        "the sampler) normalises them itself.",
        _log_softmax_head,
    ),
]

SUBMODULES = {"embedding": "Embedding", "lstm": "LSTM", "head": "Linear"}


def settings(vocab_size: int, embed_dim: int, hidden_dim: int, num_layers: int) -> dict:
    """What the three submodules of CharLSTM(vocab_size, embed_dim, hidden_dim, num_layers) say of themselves."""
    return {
        "embedding.num_embeddings": vocab_size, "embedding.embedding_dim": embed_dim,
        "lstm.input_size": embed_dim, "lstm.hidden_size": hidden_dim, "lstm.num_layers": num_layers,
        "lstm.batch_first": True, "lstm.bidirectional": False,
        "head.in_features": hidden_dim, "head.out_features": vocab_size,
    }


STRUCTURE_MISTAKES = [
    Mistake(
        "nn.LSTM is missing batch_first=True",
        "Create the LSTM with batch_first=True: without it, nn.LSTM reads its input as (T, B, features).",
        lambda *sizes: {**settings(*sizes), "lstm.batch_first": False},
    ),
    Mistake(
        "num_layers is not passed to nn.LSTM",
        "Pass num_layers on to nn.LSTM (its third argument): the hidden state has one row per layer.",
        lambda *sizes: {**settings(*sizes), "lstm.num_layers": 1},
    ),
    Mistake(
        "the LSTM is bidirectional",
        "A language model reads left to right only: leave bidirectional=False, and the head takes hidden_dim features.",
        lambda vocab, embed, hidden, layers: {
            **settings(vocab, embed, hidden, layers), "lstm.bidirectional": True, "head.in_features": 2 * hidden,
        },
    ),
]


def submodule(model: RemoteObject, name: str, what: str) -> RemoteObject:
    type_name = SUBMODULES[name]
    try:
        module = model.attribute(name)
    except StudentRaised as error:
        if error.error_type != "AttributeError":
            raise
        fail(f"{what} has no submodule named {name}: create self.{name} = nn.{type_name}(...) in __init__.")
    found = module.type_name if isinstance(module, RemoteObject) else type(module).__name__
    if found != type_name:
        fail(f"{what}.{name} should be an nn.{type_name}, but it is a {found}.")
    return module


def expect_structure(model: RemoteObject, what: str, *sizes: int) -> None:
    """The submodules have the types and the settings of CharLSTM(*sizes)."""
    modules = {name: submodule(model, name, what) for name in SUBMODULES}
    expected = settings(*sizes)
    found = {key: modules[key.partition(".")[0]].attribute(key.partition(".")[2]) for key in expected}
    wrong = [f"{key} is {found[key]!r}, but it should be {want!r}" for key, want in expected.items() if found[key] != want]
    if wrong:
        fail(
            f"in {what}, " + "; ".join(wrong) + ".",
            mistakes=STRUCTURE_MISTAKES, actual=found, expected=expected, args=sizes,
        )


@pytest.mark.points(1, hint="Three submodules named embedding, lstm and head: an nn.Embedding, a batch-first nn.LSTM, and an nn.Linear from the hidden size to the vocabulary.",
    code_hint="nn.LSTM(..., batch_first=True) reads (B, T, features); the head's in_features is hidden_dim, its out_features vocab_size.")
def test_submodules_are_an_embedding_an_lstm_and_a_linear_head(student):
    model = student.CharLSTM(VOCAB, embed_dim=EMBED, hidden_dim=HIDDEN, num_layers=2)
    what = f"CharLSTM({VOCAB}, embed_dim={EMBED}, hidden_dim={HIDDEN}, num_layers=2)"
    expect_structure(model, what, VOCAB, EMBED, HIDDEN, 2)
    expect_structure(student.CharLSTM(13), "CharLSTM(13), with the default sizes", 13, 32, 128, 1)


@pytest.mark.points(1, hint="Apply the head at every step: logits (B, T, vocab_size); return nn.LSTM's (h, c), each (num_layers, B, hidden_dim).")
def test_logits_and_hidden_have_the_documented_shapes(student):
    for num_layers in (1, 2):
        weights = model_weights(num_layers, seed=num_layers)
        model = build(student, "CharLSTM", VOCAB, EMBED, HIDDEN, num_layers, state=weights)
        for batch in (1, 3):
            x = char_ids(batch, 7, seed=batch)
            logits, hidden = expect_pair(model(x), "CharLSTM(...)")
            h, c = expect_pair(hidden, "the hidden state (h, c) that CharLSTM(...) returns")
            for name, value, shape, pick in (
                ("logits", logits, (batch, 7, VOCAB), lambda r: r[0]),
                ("h", h, (num_layers, batch, HIDDEN), lambda r: r[1][0]),
                ("c", c, (num_layers, batch, HIDDEN), lambda r: r[1][1]),
            ):
                expect_shape(
                    value, shape, f"{name} ({describe(x, num_layers, None)})",
                    mistakes=picking(MODEL_MISTAKES, pick), args=(weights, x),
                )


@pytest.mark.points(1, hint="forward runs the three submodules in turn: the embedding, the LSTM (given the hidden state you received), the head on every step's output.",
    code_hint="nn.LSTM returns (output, (h, c)): the head applies to output, and (h, c) is the hidden state to return.")
def test_matches_the_reference_model_with_the_same_weights_in_float32(student):
    weights = model_weights(2, seed=3)
    model = build(student, "CharLSTM", VOCAB, EMBED, HIDDEN, 2, state=weights)
    x = char_ids(3, 6, seed=4)
    for hidden in (None, random_hidden(2, 3, seed=5)):
        expect_sequence_result(
            model(x, hidden), reference(weights, x, hidden), NAMES, "CharLSTM(...)",
            context=describe(x, 2, hidden), mistakes=MODEL_MISTAKES, args=(weights, x, hidden),
        )


@pytest.mark.points(0.5, hint="Keep the model's dtype: a model converted with .double() returns float64 logits and hidden state.")
def test_keeps_a_float64_model_in_float64(student):
    weights = model_weights(1, seed=6, dtype=torch.float64)
    model = build(student, "CharLSTM", VOCAB, EMBED, HIDDEN, 1, state=weights, dtype=torch.float64)
    x = char_ids(2, 5, seed=7)
    expect_sequence_result(
        model(x), reference(weights, x), NAMES, "CharLSTM(...)",
        context=describe(x, 1, None, torch.float64), mistakes=MODEL_MISTAKES, args=(weights, x),
    )


@pytest.mark.points(1, hint="Pass hidden on to self.lstm and return the state it gives back, without changing the hidden you were given.")
def test_two_halves_passing_hidden_on_equal_one_run(student):
    weights = model_weights(2, seed=8)
    model = build(student, "CharLSTM", VOCAB, EMBED, HIDDEN, 2, state=weights)
    x, split = char_ids(3, 8, seed=9), 5
    first_logits, middle = expect_pair(model(x[:, :split]), "CharLSTM(...)")
    expect_shape(
        first_logits, (3, split, VOCAB), "the logits of the first half",
        mistakes=picking(MODEL_MISTAKES, lambda r: r[0]), args=(weights, x[:, :split]),
    )
    middle = detached_state(middle, NAMES[1:], "CharLSTM(...)")
    second = student.call((model, "__call__"), x[:, split:], middle, inputs_after=True)
    expect_unchanged([x[:, split:], *middle], second.inputs_after, ["x", "h", "c"], "CharLSTM.forward")
    second_logits, final = expect_pair(second.value, "CharLSTM(...)")
    expect_shape(second_logits, (3, 8 - split, VOCAB), "the logits of the second half")
    expect_sequence_result(
        (torch.cat([first_logits, second_logits], dim=1), final), reference(weights, x), NAMES, "CharLSTM(...)",
        context=f"steps 0-{split - 1} then {split}-7, passing hidden on; " + describe(x, 2, None),
        mistakes=[Mistake(m.name, m.fix, in_two_halves(m.compute, split)) for m in MODEL_MISTAKES], args=(weights, x),
    )


@pytest.mark.points(0.5, hint="Logits at step t may use x[:, :t+1] of the same sequence only: a batch-first, one-directional LSTM.")
def test_logits_at_step_t_depend_on_that_sequence_up_to_t_only(student):
    model = student.CharLSTM(VOCAB, EMBED, HIDDEN, 2)  # its own weights: no loading needed here
    weights = model.method("state_dict")
    x = char_ids(3, 8, seed=10)
    logits = expect_pair(model(x), "CharLSTM(...)")[0]
    later, other = x.clone(), x.clone()
    later[:, 4:] = (later[:, 4:] + 1 + char_ids(3, 4, seed=11) % (VOCAB - 1)) % VOCAB  # every later id changes
    other[0] = (other[0] + 1) % VOCAB
    for changed, kept, change, unchanged in (
        (later, (slice(None), slice(0, 4)), "x[:, 4:] (the steps after 3)", "logits[:, :4]"),
        (other, (slice(1, None),), "x[0] (the first sequence of the batch)", "logits[1:]"),
    ):
        result = model(changed)
        got = expect_pair(result, "CharLSTM(...)")[0]
        expect_shape(got, logits.shape, "logits")
        if not torch.allclose(got[kept], logits[kept], rtol=1e-4, atol=1e-5):
            fail(
                f"changing only {change} changed {unchanged} ({describe(x, 2, None)}): "
                "the logits of a sequence at step t must depend on its own x[:, :t+1] only.",
                mistakes=picking(MODEL_MISTAKES, lambda r: r[0]), actual=got, args=(weights, changed),
            )


def gradient_case(num_layers: int, seed: int, dtype=torch.float32):
    """(x, (h0, c0), cotangents for logits, h and c)."""
    x, hidden = char_ids(2, 4, seed=seed), random_hidden(num_layers, 2, seed=seed + 1, dtype=dtype)
    g = torch.Generator().manual_seed(seed + 2)
    shapes = ((2, 4, VOCAB), (num_layers, 2, HIDDEN), (num_layers, 2, HIDDEN))
    return x, hidden, [torch.randn(*shape, generator=g, dtype=dtype) for shape in shapes]


@pytest.mark.points(0.5, hint="Use every submodule in forward and do not detach the hidden state there (detach it in the training loop instead).")
def test_gradients_reach_every_parameter_and_the_hidden_state(student):
    x, hidden, cotangents = gradient_case(2, seed=12)
    model = student.CharLSTM(VOCAB, EMBED, HIDDEN, 2)
    result = student.call((model, "__call__"), x, tuple(with_grad(hidden)), backward=cotangents)
    expect_gradients_reach((result.grads or [None] * 3)[1:], ["h", "c"], "CharLSTM")
    param_grads = result.param_grads or {}
    if not param_grads:
        fail("CharLSTM has no parameters: create its submodules in __init__ as attributes of self.")
    expect_gradients_reach(list(param_grads.values()), list(param_grads), "CharLSTM")


@pytest.mark.points(0.5, hint="If the values are right the gradients follow: check that nothing in forward detaches or rebuilds tensors.")
def test_gradients_match_the_reference(student):
    weights = model_weights(1, seed=13, dtype=torch.float64)
    x, hidden, cotangents = gradient_case(1, seed=14, dtype=torch.float64)
    model = build(student, "CharLSTM", VOCAB, EMBED, HIDDEN, 1, state=weights, dtype=torch.float64)
    result = student.call((model, "__call__"), x, tuple(with_grad(hidden)), backward=cotangents)
    state_grads, param_grads = reference_gradients_of(weights, x, hidden, cotangents)
    grads = (result.grads or [None] * 3)[1:]
    expect_gradients(grads, state_grads, ["h", "c"], "CharLSTM", values=(result.value, reference(weights, x, hidden)))
    expect_parameter_gradients(result.param_grads, param_grads, "CharLSTM")


def reference_gradients_of(weights: dict, x: torch.Tensor, hidden, cotangents) -> tuple[list, dict]:
    """The reference model's gradients with respect to the given (h, c) and to its parameters."""
    reference_net, leaves = reference_model(weights), with_grad(hidden)
    logits, (h, c) = reference_net(x, tuple(leaves))
    sum((o * g).sum() for o, g in zip((logits, h, c), cotangents)).backward()
    return [leaf.grad for leaf in leaves], {n: p.grad for n, p in reference_net.named_parameters()}
