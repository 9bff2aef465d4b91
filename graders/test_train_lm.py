"""Grader for train_lm: the training loop of the character-level LSTM (truncated BPTT).

The model is always the reference CharLSTM, built in the runner from parameters made here, so a
mistake in the student's char_lstm never costs points here (and make_batches is the reference's
too). One check trains on the grading budget and measures held-out perplexity on the built-in
corpus in the checker, against what the reference reaches from the same start; the others train
a tiny model for a few steps, with instruments in its forward and on every optimizer step.
"""

import math

import pytest
import torch

from autograde.grading import corpus
from autograde.grading.checks import expect_shape, fail
from graders.lm_cases import (
    BUDGET_TIMEOUT, CLIP_AFTER_STEP, DEFAULT_LR, NEVER_CARRIED, NEVER_DETACHED, NEVER_RESET, NOT_CLIPPED,
    NO_ZERO_GRAD, RELATIVE_BAR, SMALL, TRAINING_MISTAKES, alphabet, expect_float_losses, held_out_rows, initial_state,
    loss_of, reference_losses, remote_model, run_train, training_batches, training_ids,
)

SHORT = {"batch_size": 4, "seq_len": 16, "lr": 1e-2, "clip": 1.0, "seed": 0}
"""A few steps of training on a tiny model: milliseconds per step."""
N_BATCHES = 3


def train_recording(student, steps: int, n_batches: int = N_BATCHES, **overrides):
    """Train a recording model for ``steps`` steps over ``n_batches`` batches; returns its records."""
    model = remote_model(student, initial_state(seed=1, **SMALL), recording=True, **SMALL)
    kwargs = {**SHORT, **overrides}
    run_train(student, model, training_ids(n_batches), steps=steps, **kwargs)
    return model.attribute("forward_calls"), model.attribute("optimizer_steps")


def expect_one_forward_per_step(calls: list, steps: int, n_batches: int = N_BATCHES) -> None:
    """One forward call per step, step s on batch s % n_batches."""
    if len(calls) != steps:
        fail(f"the model's forward ran {len(calls)} times in {steps} steps: expected once per step.")
    batches = [x for x, _ in training_batches(n_batches, SHORT["batch_size"], SHORT["seq_len"])]
    for step, call in enumerate(calls):
        if not torch.equal(call["x"], batches[step % n_batches]):
            fail(
                f"step {step} did not feed batch {step % n_batches} of make_batches(ids, ...): step s uses "
                f"batch s % len(batches), in order (the hidden state only makes sense in that order)."
            )


@pytest.mark.points(1, hint="Append loss.item() once per optimizer step and return the list: exactly `steps` floats.")
def test_returns_one_python_float_per_step(student):
    model = remote_model(student, initial_state(seed=2, **SMALL), **SMALL)
    losses = run_train(student, model, training_ids(N_BATCHES), steps=5, **SHORT)
    expect_float_losses(losses, 5, N_BATCHES)


@pytest.mark.points(0.5, hint="Backward, clip, then optimizer.step() every step: the loss should go down as the model learns.")
def test_the_training_loss_falls(student):
    state, ids, kwargs = initial_state(seed=3, **SMALL), training_ids(8), {**SHORT, "steps": 60}
    losses = expect_float_losses(run_train(student, remote_model(student, state, **SMALL), ids, **kwargs), 60, 8)
    first, last = losses[0], sum(losses[-8:]) / 8
    if not last < first - 0.1:
        reached = sum(reference_losses(state, ids, **kwargs, **SMALL)[-8:]) / 8
        fail(
            f"the training loss did not fall: {first:.3f} at the first step, {last:.3f} on average over the "
            f"last 8 of 60 steps (the reference gets to {reached:.3f} from the same start). Check that "
            "optimizer.step() runs and that the optimizer holds model.parameters().",
            mistakes=TRAINING_MISTAKES, actual=losses, args=(state, ids), kwargs={**kwargs, **SMALL},
        )


@pytest.mark.points(1.5, hint="Adam at lr on the mean cross-entropy, clip between backward and step, carry and detach the state: as the docstring's loop.")
def test_losses_match_the_reference_step_by_step(student):
    state = initial_state(seed=4, **SMALL)
    ids = training_ids(N_BATCHES)
    kwargs = {**SHORT, "steps": 7, "clip": 0.1}
    model = remote_model(student, state, **SMALL)
    losses = expect_float_losses(run_train(student, model, ids, **kwargs), 7, N_BATCHES)
    expected = reference_losses(state, ids, **kwargs, **SMALL)
    worst = max(range(7), key=lambda s: abs(losses[s] - expected[s]))
    if abs(losses[worst] - expected[worst]) > 1e-3 * abs(expected[worst]):
        fail(
            f"the training losses differ from the reference's from the same start (7 steps over {N_BATCHES} batches, "
            f"lr={kwargs['lr']}, clip={kwargs['clip']}): at step {worst} the loss is {losses[worst]:.5f}, expected "
            f"{expected[worst]:.5f}.\nexpected {[round(v, 4) for v in expected]}\ngot      {[round(v, 4) for v in losses]}",
            mistakes=TRAINING_MISTAKES, actual=losses, args=(state, ids), kwargs={**kwargs, **SMALL},
        )


@pytest.mark.points(2.5, hint="Train for the whole budget as the docstring says; a correct loop reaches the reference's perplexity from the same start.")
def test_reaches_the_reference_held_out_perplexity_on_the_built_in_corpus(student):
    budget = corpus.BUDGET
    model = remote_model(student, initial_state(budget["seed"]))
    run_train(student, model, training_ids(), timeout=BUDGET_TIMEOUT, **budget)
    x, y = held_out_rows()
    logits = expect_shape(
        student.call("autograde.sandbox.fixtures.logits_of", model, x).value, (*x.shape, len(alphabet())), "the trained model's logits"
    )
    expect_causal(student, model, x[:4, :64])
    loss, floor, unigram = loss_of(logits, y), corpus.builtin().floor, corpus.builtin().unigram
    reference_loss = corpus.REFERENCE_LOSS
    bar = min(RELATIVE_BAR * reference_loss, unigram / 2)
    numbers = (
        f"held-out perplexity {math.exp(loss):.3f} ({loss:.4f} nats per character) after {budget['steps']} steps; "
        f"the reference reaches {math.exp(reference_loss):.3f} from the same start, the bar is {math.exp(bar):.3f} "
        f"(10 % more loss), the unigram baseline is {math.exp(unigram):.1f} and the floor {math.exp(floor):.3f}"
    )
    if loss < floor - 0.02:
        fail(f"{numbers}: below the floor, which no model can reach without seeing the text beforehand.")
    if loss > bar:
        fail(f"{numbers}. The training loop does not train as well as it should: check the other checks' messages.")


def expect_causal(student, model, x: torch.Tensor) -> None:
    """The logits at step t do not change when inputs after t change: the model cannot read its targets."""
    half = x.shape[1] // 2
    changed = x.clone()
    changed[:, half:] = (x[:, half:] + 1) % len(alphabet())
    before = student.call("autograde.sandbox.fixtures.logits_of", model, x).value
    after = student.call("autograde.sandbox.fixtures.logits_of", model, changed).value
    if not torch.allclose(before[:, :half], after[:, :half], rtol=1e-5, atol=1e-6):
        fail(
            "after training, the model's logits at step t change when the inputs after t change: it sees the "
            "characters it should predict. train must only update the parameters, not change how the model runs."
        )


@pytest.mark.points(1, hint="Pass the hidden state returned for one batch into the next: batch i+1 continues batch i row by row.")
def test_carries_the_hidden_state_from_batch_to_batch(student):
    calls, _ = train_recording(student, steps=7)
    expect_one_forward_per_step(calls, 7)
    for step, call in enumerate(calls):
        if step % N_BATCHES == 0 or call["state"] == "previous":
            continue
        if call["state"] in ("none", "zeros"):
            fail(f"step {step} (batch {step % N_BATCHES}) started from a fresh state.\n{NEVER_CARRIED.describe()}")
        fail(
            f"step {step} (batch {step % N_BATCHES}) started from a state other than the one the model returned "
            "at the step before: pass on exactly the (h, c) the model returned, detached."
        )


@pytest.mark.points(1, hint="Carry tuple(h.detach() for h in hidden): backward must stop at the start of the batch.")
def test_detaches_the_hidden_state_between_batches(student):
    calls, _ = train_recording(student, steps=7)
    attached = [step for step, call in enumerate(calls) if call["state_has_graph"]]
    if attached:
        fail(
            f"at step {attached[0]} the hidden state passed to the model is still attached to the previous batch's "
            f"graph (it requires grad), so backward runs through every batch since the start.\n{NEVER_DETACHED.describe()}"
        )


@pytest.mark.points(0.5, hint="When step % len(batches) == 0 the text starts over: start from hidden = None again.")
def test_resets_the_hidden_state_when_the_batches_wrap_around(student):
    calls, _ = train_recording(student, steps=7)
    expect_one_forward_per_step(calls, 7)
    for step in range(0, 7, N_BATCHES):
        if calls[step]["state"] not in ("none", "zeros"):
            fail(
                f"step {step} runs batch 0 again (there are {N_BATCHES} batches), but the model received a "
                f"carried state.\n{NEVER_RESET.describe()}"
            )


@pytest.mark.points(1, hint="Call torch.nn.utils.clip_grad_norm_(model.parameters(), clip) after backward and before optimizer.step().")
def test_clips_the_gradient_norm_before_the_optimizer_step(student):
    clip = 0.01
    _, steps = train_recording(student, steps=3, clip=clip)
    if not steps:
        fail("no torch.optim optimizer step was seen: create torch.optim.Adam(model.parameters(), lr=lr) and call its step().")
    for step, record in enumerate(steps):
        norm = float(record["grad"].norm())
        if norm <= clip * (1 + 1e-3):
            continue
        later = record["norm_later"]
        known = CLIP_AFTER_STEP if later is not None and 0 < later <= clip * (1 + 1e-3) else NOT_CLIPPED
        fail(
            f"at step {step}, optimizer.step() saw gradients of total norm {norm:.4g} with clip={clip}: "
            f"they should have been clipped to {clip} first.\n{known.describe()}"
        )


@pytest.mark.points(0.5, hint="optimizer.zero_grad() every step: otherwise each step applies the sum of all gradients so far.")
def test_gradients_do_not_accumulate_across_steps(student):
    # lr=0 keeps the parameters fixed and a single batch makes every step the same: each step
    # should apply the same gradient.
    calls, steps = train_recording(student, steps=3, n_batches=1, lr=0.0, clip=1e6)
    if len(steps) != 3:
        fail(f"expected 3 optimizer steps, saw {len(steps)}: call optimizer.step() once per step.")
    if any(call["state"] not in ("none", "zeros") for call in calls):
        fail(
            "with a single batch, every step starts the text over, but a step received a carried state, so "
            f"the steps' gradients cannot be compared.\n{NEVER_RESET.describe()}"
        )
    if not torch.equal(steps[-1]["params"], steps[0]["params"]):
        fail(
            "with lr=0 the parameters should not move, but they did: the optimizer does not use the lr argument."
            f"\n{DEFAULT_LR.describe()}"
        )
    first = steps[0]["grad"]
    for step, record in enumerate(steps[1:], start=1):
        grad = record["grad"]
        if torch.allclose(grad, first, rtol=1e-4, atol=1e-7):
            continue
        if torch.allclose(grad, (step + 1) * first, rtol=1e-3, atol=1e-6):
            fail(f"at step {step} the gradient applied is {step + 1} times the first step's.\n{NO_ZERO_GRAD.describe()}")
        if not grad.any():
            fail(
                f"at step {step} every gradient is zero when optimizer.step() runs: zero_grad() is called "
                "between backward and the step. Call it before backward (or after the step)."
            )
        fail(
            f"at step {step} the gradient applied differs from the first step's (largest difference "
            f"{(grad - first).abs().max():.3g}) although the parameters did not move (lr=0) and the batch is the same."
        )


@pytest.mark.points(0.5, hint="torch.manual_seed(seed) first thing, and no other source of randomness.")
def test_the_same_seed_gives_the_same_losses(student):
    state = initial_state(seed=5, **SMALL)
    runs = []
    for _ in range(2):
        model = remote_model(student, state, **SMALL)
        runs.append(expect_float_losses(run_train(student, model, training_ids(N_BATCHES), steps=4, **SHORT), 4, N_BATCHES))
    if runs[0] != runs[1]:
        fail(f"two runs from the same start with seed=0 gave different losses: {runs[0]} and {runs[1]}.")
