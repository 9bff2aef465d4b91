"""Grader for train_lm: the training loop of the character-level LSTM (truncated BPTT).

The model is always the reference CharLSTM, built in the runner from parameters made here, so a
mistake in the student's char_lstm never costs points here (and make_batches is the reference's
too). Every point comes from plain data judged in the checker: the returned losses against the
loss the checker computes, and the trained parameters, sent back as tensors, against the
reference's train run here from the same start (a few steps on a tiny model), or loaded into
the checker's own CharLSTM to measure held-out perplexity after the grading budget. The runner's
model also records its forward calls and optimizer steps; those records only explain a failure
(the submission could write them itself), they never grant a point.
"""

import math

import pytest

from autograde.grading import corpus
from autograde.grading.checks import CheckFailed, fail
from graders.lm_cases import (
    BUDGET_TIMEOUT, CLIP_AFTER_STEP, NEVER_CARRIED, NEVER_DETACHED, NEVER_RESET, NOT_CLIPPED, PARAMETER_MISTAKES,
    PARAMETER_TOLERANCE, RELATIVE_BAR, SMALL, TRAINING_MISTAKES, expect_float_losses, held_out_loss, initial_loss,
    initial_state, largest_difference, reference_losses, reference_parameters, remote_model, run_train,
    trained_parameters, training_ids,
)

SHORT = {"batch_size": 4, "seq_len": 16, "lr": 1e-2, "clip": 1.0, "seed": 0}
"""A few steps of training on a tiny model: milliseconds per step."""
NO_CLIP = 1e6
"""A clip no gradient reaches: the checks that are not about clipping leave it out of the way."""
TINY_CLIP = 1e-7
"""A clip so small that the clipped gradients (about 1e-9 per parameter) fall below Adam's eps
(1e-8): a clipped step moves each parameter by a fraction of lr, an unclipped one by about lr.
This makes clipping visible in the parameters after one step, although Adam's update is
otherwise blind to how the gradients are scaled."""
N_BATCHES = 3


def expect_parameters_match(student, what: str, *, n_batches: int, steps: int, seed: int, **overrides) -> None:
    """Train from a known start in the runner, and in the checker with the reference's train:
    the parameters must agree. A difference is explained by the catalogued mistake that leaves
    the same parameters, or else by what the runner's instruments recorded."""
    state, ids = initial_state(seed=seed, **SMALL), training_ids(n_batches)
    kwargs = {**SHORT, **overrides, "steps": steps}
    model = remote_model(student, state, recording=True, **SMALL)
    run_train(student, model, ids, **kwargs)
    actual = trained_parameters(student, model, state)
    expected = reference_parameters(state, ids, **kwargs, **SMALL)
    name, gap = largest_difference(actual, expected)
    if gap <= PARAMETER_TOLERANCE:
        return
    moved = largest_difference(actual, state)[1]
    setting = (
        f"{steps} step{'s' * (steps != 1)} over {n_batches} batch{'es' * (n_batches != 1)}, "
        f"lr={kwargs['lr']:g}, clip={kwargs['clip']:g}"
    )
    message = (
        f"{what}: after train({setting}) the parameters differ from the reference's from the same start "
        f"by up to {gap:.3g} (in {name}; a correct loop is within {PARAMETER_TOLERANCE:g})"
        + (", and they did not move at all: no optimizer step reached them." if moved == 0 else ".")
    )
    if moved == 0:
        raise CheckFailed(f"{message} Call optimizer.step() on an optimizer that holds model.parameters().")
    known = parameter_mistake(actual, expected, state, ids, {**kwargs, **SMALL})
    if known is not None and known.id == NOT_CLIPPED.id and clipped_after_the_step(student, state, ids, kwargs):
        known = CLIP_AFTER_STEP
    if known is not None:
        raise CheckFailed(f"{message}\n{known.describe()}", mistake=known)
    recorded = what_the_runner_recorded(model, steps, n_batches, kwargs["clip"])
    raise CheckFailed(f"{message}\n{recorded.describe()}" if recorded else message, mistake=recorded)


def parameter_mistake(actual: dict, expected: dict, state: dict, ids, kwargs: dict):
    """The first catalogued mistake whose replay here leaves ``actual`` (and not ``expected``),
    at the tolerance that separates a correct loop from a wrong one."""
    for mistake in PARAMETER_MISTAKES:
        try:
            wrong = mistake.compute(state, ids, **kwargs)
        except Exception:  # a mistake that cannot run on these inputs is not the one
            continue
        if largest_difference(actual, wrong)[1] <= PARAMETER_TOLERANCE < largest_difference(expected, wrong)[1]:
            return mistake
    return None


def clipped_after_the_step(student, state: dict, ids, kwargs: dict) -> bool:
    """Whether the runner's record of two steps on one batch shows the gradients clipped only
    after the step used them (a step's gradients are measured again at the next step)."""
    model = remote_model(student, state, recording=True, **SMALL)
    run_train(student, model, ids[: kwargs["batch_size"] * kwargs["seq_len"] + 1], **{**kwargs, "steps": 2})
    clip = kwargs["clip"] * (1 + 1e-3)
    try:
        steps = model.attribute("optimizer_steps")
        return any(float(r["grad"].norm()) > clip and r["norm_later"] is not None and 0 < r["norm_later"] <= clip for r in steps)
    except Exception:  # the records are the submission's to overwrite: unreadable ones explain nothing
        return False


def what_the_runner_recorded(model, steps: int, n_batches: int, clip: float):
    """The mistake the recording model's instruments show, if any (it explains, never scores)."""
    try:
        calls = model.attribute("forward_calls")
        for step, call in enumerate(calls):
            if call["state_has_graph"]:
                return NEVER_DETACHED
            wraps = step % n_batches == 0
            if wraps and call["state"] not in ("none", "zeros"):
                return NEVER_RESET
            if not wraps and call["state"] in ("none", "zeros"):
                return NEVER_CARRIED
        for record in model.attribute("optimizer_steps"):
            if float(record["grad"].norm()) > clip * (1 + 1e-3):
                later = record["norm_later"]
                return CLIP_AFTER_STEP if later is not None and 0 < later <= clip * (1 + 1e-3) else NOT_CLIPPED
    except Exception:  # the records are the submission's to overwrite: unreadable ones explain nothing
        return None
    return None


@pytest.mark.points(0.5, hint="Return one Python float per optimizer step, exactly `steps` of them, the first the loss before any step.",
    code_hint="Record loss.item() at every step: a float, not the tensor with its graph.")
def test_returns_one_python_float_per_step(student):
    state, ids = initial_state(seed=2, **SMALL), training_ids(N_BATCHES)
    model = remote_model(student, state, **SMALL)
    losses = expect_float_losses(run_train(student, model, ids, steps=5, **SHORT), 5, N_BATCHES)
    first = initial_loss(state, ids, SHORT["batch_size"], SHORT["seq_len"], **SMALL)
    if not abs(losses[0] - first) <= 1e-4 * max(1.0, first):
        fail(
            f"the first loss returned is {losses[0]:.5f}, but the model's loss on the first batch before any step "
            f"is {first:.5f}: return the loss each step computed (loss.item()), in order."
        )


@pytest.mark.points(1, hint="Adam at lr on the mean cross-entropy, clip between backward and step, carry and detach the state: as the docstring's loop.")
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


@pytest.mark.points(1, hint="One step is: clear the gradients, forward, mean cross-entropy, backward, clip, optimizer step, with one Adam optimizer at lr.",
    code_hint="Create torch.optim.Adam over the model's parameters, with lr=lr, once before the loop.")
def test_one_step_leaves_the_parameters_of_one_adam_step(student):
    expect_parameters_match(student, "one Adam step", n_batches=1, steps=1, seed=6, clip=NO_CLIP)


@pytest.mark.points(0.5, hint="Clear the gradients at every step: otherwise each step applies the sum of all gradients so far.",
    code_hint="optimizer.zero_grad() before each backward.")
def test_gradients_do_not_accumulate_across_steps(student):
    # A single batch: every step starts the text over, so only the gradients of earlier steps
    # can leak into a step.
    expect_parameters_match(student, "three steps on one batch", n_batches=1, steps=3, seed=7, clip=NO_CLIP)


@pytest.mark.points(1, hint="Pass the hidden state returned for one batch into the next: batch i+1 continues batch i row by row.")
def test_carries_the_hidden_state_from_batch_to_batch(student):
    expect_parameters_match(student, "one pass over the batches", n_batches=N_BATCHES, steps=N_BATCHES, seed=8, clip=NO_CLIP)


@pytest.mark.points(1, hint="Carry the state's values but not its graph: backward must stop at the start of the batch.",
    code_hint="Detach each tensor of the (h, c) pair before it goes into the next batch.")
def test_detaches_the_hidden_state_between_batches(student):
    # Five carried batches in a row: without detach, backward reaches into the graphs of the
    # earlier batches (freed, or built on parameters the optimizer has since changed).
    expect_parameters_match(student, "a long pass over the batches", n_batches=5, steps=5, seed=9, clip=NO_CLIP)


@pytest.mark.points(0.5, hint="When the batches wrap around to the start of the text, start again from no hidden state (None).")
def test_resets_the_hidden_state_when_the_batches_wrap_around(student):
    expect_parameters_match(student, "two and a half passes over 2 batches", n_batches=2, steps=5, seed=10, clip=NO_CLIP)


@pytest.mark.points(1, hint="Clip the total gradient norm at clip, after backward and before the optimizer step.",
    code_hint="torch.nn.utils.clip_grad_norm_ over the model's parameters, between loss.backward() and optimizer.step().")
def test_clips_the_gradient_norm_before_the_optimizer_step(student):
    # With TINY_CLIP a clipped Adam step moves the parameters far less than an unclipped one.
    expect_parameters_match(student, f"one step with clip={TINY_CLIP:g}", n_batches=1, steps=1, seed=11, clip=TINY_CLIP)


# No fresh twin: an answer tuned to this check (trained weights written into the source) would
# pass from any start, so a second training from another start costs a second and proves
# nothing; the step-by-step checks above, which have twins, are what catch a loop that does not train.
@pytest.mark.points(3.5, hint="Train for the whole budget as the docstring says; a correct loop reaches the reference's perplexity from the same start.",
    fresh_twin=False)
def test_reaches_the_reference_held_out_perplexity_on_the_built_in_corpus(student, measure):
    budget = corpus.BUDGET
    start = initial_state(budget["seed"], **corpus.BUDGET_MODEL)
    model = remote_model(student, start, **corpus.BUDGET_MODEL)
    run_train(student, model, training_ids(), timeout=BUDGET_TIMEOUT, **budget)
    # The trained parameters come back as tensors and run in the checker's own CharLSTM: how the
    # runner's model computes (its forward could have been replaced) plays no part.
    loss = held_out_loss(trained_parameters(student, model, start))
    if loss == loss and loss < 50:  # a number, and exp() of it one too: Gradescope's leaderboard shows it
        measure("held-out perplexity", round(math.exp(loss), 4), order="asc")
    floor, unigram = corpus.builtin().floor, corpus.builtin().unigram
    reference_loss = corpus.REFERENCE_LOSS
    bar = min(RELATIVE_BAR * reference_loss, unigram / 2)
    numbers = (
        f"held-out perplexity {math.exp(loss):.3f} ({loss:.4f} nats per character) after {budget['steps']} steps; "
        f"the reference reaches {math.exp(reference_loss):.3f} from the same start, the bar is {math.exp(bar):.3f} "
        f"(10 % more loss), the unigram baseline is {math.exp(unigram):.1f} and the floor {math.exp(floor):.3f}"
    )
    if not loss == loss:
        fail(f"after {budget['steps']} steps the trained parameters give a held-out loss of nan: the training diverged.")
    if loss < floor - 0.02:
        fail(f"{numbers}: below the floor, which no model can reach without seeing the text beforehand.")
    if loss > bar:
        fail(f"{numbers}. The training loop does not train as well as it should: check the other checks' messages.")
