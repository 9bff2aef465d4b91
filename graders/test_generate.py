"""Grader for generate: autoregressive sampling from a language model, with temperature and top-k.

The models are small fixed ones whose next-token distribution the checker knows (TableLM: the
logits depend only on the last id, and the hidden state counts the ids fed), so samples are
tested against softmax(logits / temperature) with chi-square tests on seeded draws. TableLM
records every call the submission makes to it: what it fed, with which state, in which mode,
with autograd on or off; the checks that only count draws use ConstantLM, which records
nothing. The output format is checked on a real (reference) CharLSTM.
"""

import pytest
import torch

from autograde.grading.checks import expect_shape, expect_tensor, fail
from autograde.grading.remote import StudentRaised
from graders.lm_cases import (
    LOGITS, SMALL, TEMPERATURE_MISTAKES, TOP_K_MISTAKES, alphabet, constant_model, counts_of, expect_distribution,
    generator, initial_state, matching_mistake, remote_model, sampling_model, seen_in_calls, softmax_at, table_model,
)

DRAWS = 1000
"""Ids drawn per chi-square test. At p < 1e-6 against the softmax of LOGITS, 2,000 simulated
samples of each catalogued temperature mistake were all rejected at temperature 0.5, and all but
0.15 % (a double softmax) at temperature 2."""
TOP_K_DRAWS = 1200
"""Ids drawn by the top-k check: its weakest catalogued mistake (the top k drawn with equal
probability) is rejected with probability 0.9999995 (chi-square with non-centrality 102)."""

PROMPT_MISSING = seen_in_calls(
    "the prompt is missing from the output",
    "Return torch.cat([prompt_ids, new_ids]): the prompt first, then the `length` new ids.",
)
PREFIX_REREAD = seen_in_calls(
    "the whole prefix is re-read at every step",
    "Feed only the newest id, as (1, 1), with the hidden state the previous call returned.",
)
STATE_NOT_CARRIED = seen_in_calls(
    "the hidden state is not carried from one call to the next",
    "Keep the hidden state the model returns and pass it back in: logits, hidden = model(x, hidden).",
)
NO_GREEDY = seen_in_calls(
    "temperature 0 is not treated as greedy decoding", "At temperature 0, take the argmax of the logits instead of dividing by zero."
)
BUILDS_GRAPHS = seen_in_calls("generation records autograd graphs", "Run the generation loop under torch.no_grad().")
MODE_NOT_RESTORED = seen_in_calls(
    "the model's train/eval mode is not restored", "Restore the mode the model had before generate, in a finally: block."
)
GENERATOR_IGNORED = seen_in_calls(
    "the generator is not passed to torch.multinomial (the global random state is used instead)",
    "Pass generator=generator to torch.multinomial, and draw no other random numbers.",
)


def tail(out, length: int, what: str) -> torch.Tensor:
    """The last `length` ids of generate's output: the new ones (a missing prompt is the format
    check's business, not every check's)."""
    out = expect_tensor(out, what)
    if out.dim() != 1 or out.shape[0] < length:
        fail(f"{what} should be a 1-D tensor of the prompt and {length} new ids, but it has shape {tuple(out.shape)}.")
    return out[out.shape[0] - length:]


def new_ids(student, model, length: int, **kwargs) -> torch.Tensor:
    """The `length` ids generate adds after a one-id prompt."""
    return tail(student.generate(model, torch.tensor([0]), length, **kwargs), length, "generate's output")


@pytest.mark.points(1, hint="Return the prompt followed by the new ids, as one 1-D LongTensor of length len(prompt) + length.",
    code_hint="torch.cat joins the prompt and the new ids; keep them int64.")
def test_returns_the_prompt_followed_by_length_new_ids(student):
    vocab = len(alphabet())
    model = remote_model(student, initial_state(seed=6, **SMALL), **SMALL)
    prompt = torch.tensor([3, 17, 5])
    for length in (5, 0):
        out = student.generate(model, prompt, length, generator=generator(student, 1))
        if isinstance(out, torch.Tensor) and out.shape == (length,) and length:
            fail(f"generate returned {length} ids for a prompt of 3 and length={length}.", mistake=PROMPT_MISSING)
        expect_shape(out, (3 + length,), f"generate's output for a prompt of 3 ids and length={length}")
        if out.dtype != torch.int64:
            fail(f"generate's output has dtype {out.dtype}; it should be torch.int64 (a LongTensor of ids).")
        if not torch.equal(out[:3], prompt):
            fail(f"generate's output starts with {out[:3].tolist()}, not with the prompt {prompt.tolist()}.", mistake=PROMPT_MISSING)
        if bool(((out < 0) | (out >= vocab)).any()):
            fail(f"generate's output holds ids outside [0, {vocab}): {out.tolist()}.")


@pytest.mark.points(1.5, hint="Feed the prompt once as (1, P); then feed each new id alone, as (1, 1), with the hidden state returned by the previous call.")
def test_feeds_the_prompt_once_then_each_new_id_with_the_carried_state(student):
    model = constant_model(student)
    prompt, length = torch.tensor([4, 1, 0, 2]), 6
    out = student.generate(model, prompt, length, generator=generator(student, 2))
    drawn = tail(out, length, "generate's output")
    calls = model.attribute("calls")
    first = calls[0] if calls else None
    if first is None or not torch.equal(first["x"], prompt.view(1, -1)) or first["carried"] is not None:
        fed = "nothing" if first is None else f"{tuple(first['x'].shape)} ids {first['x'].tolist()}"
        fail(f"the first call to the model should feed the whole prompt, as (1, 4), with no state; it fed {fed}.")
    if len(calls) not in (length, length + 1):
        known = PREFIX_REREAD if len(calls) > 1 and calls[1]["x"].shape[-1] > 1 else None
        fail(
            f"generate called the model {len(calls)} times for length={length}: once for the prompt, then once per "
            f"new id (the last may be skipped), so {length} or {length + 1} times.",
            mistake=known,
        )
    for k, call in enumerate(calls[1:], start=1):
        if call["x"].shape != (1, 1):
            fail(f"call {k + 1} to the model fed {tuple(call['x'].shape)} ids instead of the newest id alone.", mistake=PREFIX_REREAD)
        if call["carried"] is None:
            fail(f"call {k + 1} to the model had no hidden state.", mistake=STATE_NOT_CARRIED)
        if call["carried"] != 4 + k - 1:
            fail(f"call {k + 1} got a hidden state that is not the one returned by call {k}: pass on the state each call returns.")
        if int(call["x"]) != int(drawn[k - 1]):
            fail(f"call {k + 1} fed id {int(call['x'])}, but the id generated before it was {int(drawn[k - 1])}: feed the newest id.")


@pytest.mark.points(1, hint="Sample the next id from the softmax of the last position's logits: the draws must follow that distribution.",
    code_hint="torch.multinomial draws ids from a probability vector (V,): give it the last position's softmax and the generator.")
def test_samples_follow_the_softmax_of_the_logits(student):
    drawn = new_ids(student, sampling_model(student), DRAWS, temperature=1.0, generator=generator(student, 3))
    expect_distribution(
        counts_of(drawn, len(LOGITS)), softmax_at(LOGITS, 1.0), "at temperature 1",
        mistakes=TEMPERATURE_MISTAKES, args=(LOGITS, 1.0),
    )


@pytest.mark.points(1.5, hint="The temperature divides the logits, before the softmax: a low temperature sharpens the distribution, a high one flattens it.")
def test_temperature_divides_the_logits(student):
    # 2.0 first: there a thousand draws tell every catalogued mistake from the ones listed before it,
    # so the first failure names the right one; at 0.5 they are all rejected, but less well told apart.
    for seed, temperature in ((5, 2.0), (4, 0.5)):
        drawn = new_ids(student, sampling_model(student), DRAWS, temperature=temperature, generator=generator(student, seed))
        expect_distribution(
            counts_of(drawn, len(LOGITS)), softmax_at(LOGITS, temperature), f"at temperature {temperature}",
            mistakes=TEMPERATURE_MISTAKES, args=(LOGITS, temperature),
        )


@pytest.mark.points(1, hint="Temperature 0 means greedy: take the most likely id, with no division by zero and no sampling.",
    code_hint="argmax over the last position's logits picks that id.")
def test_temperature_zero_is_greedy(student):
    table = torch.randn(6, 6, generator=torch.Generator().manual_seed(7))
    prompt, length = torch.tensor([2, 5]), 8
    expected = [int(prompt[-1])]
    for _ in range(length):
        expected.append(int(table[expected[-1]].argmax()))
    try:
        out = student.generate(table_model(student, table), prompt, length, temperature=0)
    except StudentRaised as error:
        if error.error_type != "RuntimeError":
            raise
        fail(f"generate raised at temperature 0: {error}", mistake=NO_GREEDY)
    drawn = tail(out, length, "generate's output at temperature 0")
    if drawn.tolist() != expected[1:]:
        fail(
            f"at temperature 0 generate produced {drawn.tolist()}; greedy decoding (the argmax of the logits "
            f"at each step) gives {expected[1:]}."
        )


@pytest.mark.points(1, hint="Keep the top_k largest logits (torch.topk), set the others to -inf, then softmax and sample.")
def test_top_k_samples_only_among_the_k_largest_logits(student):
    k, temperature = 3, 1.0
    model = sampling_model(student)
    drawn = new_ids(student, model, TOP_K_DRAWS, temperature=temperature, top_k=k, generator=generator(student, 6))
    counts = counts_of(drawn, len(LOGITS))
    allowed = torch.topk(LOGITS, k).indices.tolist()
    outside = sorted(set(drawn.tolist()) - set(allowed))
    if outside:
        known = matching_mistake(counts, TOP_K_MISTAKES, (LOGITS, temperature, k))
        fail(
            f"with top_k={k}, generate drew ids {outside}, which are not among the {k} largest logits (ids {sorted(allowed)}).",
            mistake=known,
        )
    expect_distribution(
        counts, softmax_at(LOGITS, temperature, k), f"with top_k={k}", mistakes=TOP_K_MISTAKES, args=(LOGITS, temperature, k)
    )


@pytest.mark.points(1, hint="Pass generator=generator to torch.multinomial, and use no other randomness.")
def test_the_same_seeded_generator_gives_the_same_ids(student):
    runs = {}
    for name, seed in (("first", 8), ("again", 8), ("other", 9)):
        runs[name] = new_ids(student, sampling_model(student), 40, temperature=2.0, generator=generator(student, seed))
    if not torch.equal(runs["first"], runs["again"]):
        fail("two calls with generators seeded alike gave different ids.", mistake=GENERATOR_IGNORED)
    if torch.equal(runs["first"], runs["other"]):
        fail(
            "generators with different seeds gave the same 40 ids: the generator is not what the samples come "
            "from (is a global seed set inside generate?). Pass generator=generator to torch.multinomial."
        )


@pytest.mark.points(0.5, hint="Generation needs no gradients: build no autograd graph while sampling.",
    code_hint="Run the whole loop under torch.no_grad().")
def test_builds_no_autograd_graph(student):
    model = constant_model(student)
    new_ids(student, model, 5, generator=generator(student, 10))
    recorded = [call for call in model.attribute("calls") if call["grad_enabled"]]
    if recorded:
        fail(
            f"{len(recorded)} of the calls to the model ran with autograd recording, building graphs nobody will "
            "use. Wrap the generation loop in `with torch.no_grad():`.",
            observed=BUILDS_GRAPHS,
        )


@pytest.mark.points(0.5, hint="Leave the model in the train/eval mode you found it in, even when something fails midway.",
    code_hint="Remember model.training before switching to eval mode, and restore it in a finally: block.")
def test_restores_the_model_train_eval_mode(student):
    for training in (True, False):
        model = constant_model(student)
        model.method("train", training)
        new_ids(student, model, 3, generator=generator(student, 11))
        after = model.attribute("training")
        if after != training:
            before, now = ("training", "eval") if training else ("eval", "training")
            fail(
                f"the model was in {before} mode before generate and is in {now} mode after it: generate must "
                "leave the mode as it found it. Remember model.training, then restore it with "
                "model.train(was_training) in a finally: block.",
                observed=MODE_NOT_RESTORED,
            )
