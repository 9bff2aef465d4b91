"""Inputs, oracles and mistake catalogues shared by the train_lm and generate graders.

Training: every model is the reference CharLSTM built in the runner from a state made here, so
the checker can replay the same training locally. What train leaves behind comes back as plain
tensors (``trained_parameters``) and is judged here, in the checker's own CharLSTM: the runner's
model and its instruments may explain a failure, never earn a point. ``Loop`` is an independent
rewrite of the contract's training loop, one method per decision, and each catalogued mistake
overrides the one method it gets wrong. The pass bar of the grading budget comes from what the reference
reaches on it (``corpus.REFERENCE_LOSS``, checked by ``reference_loss_on_budget`` in the tests).
Sampling: empirical counts are compared with the distribution the contract asks for, and with
each mistaken distribution, by a chi-square test.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence

import torch
import torch.nn.functional as F

from autograde.grading import corpus
from autograde.grading.checks import fail
from autograde.grading.mistakes import Mistake
from autograde.grading.remote import RemoteObject, StudentRaised
from autograde.sandbox import standins
from reference.char_lstm import CharLSTM
from reference.next_token_batches import make_batches
from reference.train_lm import train as reference_train

SMALL = {"embed_dim": 8, "hidden_dim": 16}
"""A CharLSTM small enough that a few steps of training take milliseconds."""
BUDGET_TIMEOUT = 60.0
"""Seconds the training on the grading budget may take (about 0.7 s on one core)."""
RELATIVE_BAR = 1.10
"""A held-out loss up to 10 % above the reference's on the same budget passes."""
PARAMETER_TOLERANCE = 5e-5
"""Largest absolute difference between trained parameters that counts as the same training. A
correct loop, written differently (own cross-entropy, own clipping, zeros as the reset state),
ends within 3e-6 of the reference after a few steps on a small model; every catalogued mistake
ends 7e-4 or more away (measured over the checks' configurations)."""
UNLIKELY = 1e-6
"""A chi-square p-value below this rejects a distribution. Draws are seeded, so a verdict never
changes between runs; a correct sampler fails with this probability over the choice of seed."""


# -- the built-in corpus as ids ---------------------------------------------------------------


@functools.cache
def alphabet() -> tuple[str, ...]:
    return tuple(corpus.builtin().alphabet)


def encode(text: str) -> torch.Tensor:
    index = {ch: i for i, ch in enumerate(alphabet())}
    return torch.tensor([index[ch] for ch in text], dtype=torch.long)


def training_ids(n_batches: int | None = None, batch_size: int = 4, seq_len: int = 16) -> torch.Tensor:
    """The training text, or just enough of it for ``n_batches`` batches."""
    text = corpus.builtin().train
    if n_batches is not None:
        text = text[: n_batches * batch_size * seq_len + 1]
    return encode(text)


def training_batches(n_batches: int, batch_size: int, seq_len: int) -> list:
    """The (inputs, targets) batches that train cuts from ``training_ids(n_batches, ...)``."""
    return make_batches(training_ids(n_batches, batch_size, seq_len), batch_size, seq_len)


@functools.cache
def held_out_rows(row_length: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets), each (rows, row_length): the held-out text cut into long rows."""
    ids = encode(corpus.builtin().held_out)
    rows = (len(ids) - 1) // row_length
    return ids[: rows * row_length].view(rows, row_length), ids[1 : rows * row_length + 1].view(rows, row_length)


def initial_state(seed: int = 0, **sizes) -> dict[str, torch.Tensor]:
    """A CharLSTM's initial parameters, as torch initialises them under ``manual_seed(seed)``."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return CharLSTM(len(alphabet()), **sizes).state_dict()


def local_model(state: dict, **sizes) -> CharLSTM:
    """The checker's own CharLSTM with ``state`` loaded (its sizes read from the state's shapes)."""
    model = CharLSTM(len(alphabet()), **sizes)
    model.load_state_dict(state)
    return model


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run the checker's computations single-threaded, as the runner runs the submission: the
    same float32 reduction order, so a correct loop replays to the same bits (and, on a shared
    machine, no thread pool spinning against other processes)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def parameters(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def trained_parameters(student, model: RemoteObject, start: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The runner's model's parameters after train, as plain tensors, checked to be a CharLSTM's
    with the names, shapes and dtypes of ``start``."""
    values = student.call("autograde.sandbox.fixtures.parameters_of", model).value
    expected = {name: tensor for name, tensor in start.items()}
    if not isinstance(values, dict) or set(values) != set(expected):
        names = sorted(values) if isinstance(values, dict) else type(values).__name__
        fail(f"after train, the model's parameters are {names}, expected {sorted(expected)}: train must only update the model's own parameters.")
    for name, tensor in expected.items():
        value = values[name]
        if not isinstance(value, torch.Tensor) or value.shape != tensor.shape or value.dtype != tensor.dtype:
            got = f"{tuple(value.shape)} {value.dtype}" if isinstance(value, torch.Tensor) else type(value).__name__
            fail(f"after train, the parameter {name} is {got}, expected {tuple(tensor.shape)} {tensor.dtype}: train must only update the values.")
    return {name: values[name] for name in expected}


def largest_difference(actual: dict, expected: dict) -> tuple[str, float]:
    """The parameter that differs most, and by how much (inf if it is not finite)."""
    gaps = {name: float((actual[name].double() - expected[name].double()).abs().max()) for name in expected}
    gaps = {name: (gap if gap == gap else float("inf")) for name, gap in gaps.items()}
    name = max(gaps, key=gaps.get)
    return name, gaps[name]


def held_out_loss(params: dict[str, torch.Tensor], row_length: int = 1024) -> float:
    """Held-out nats per character of ``params`` in torch's own modules (the contract's CharLSTM
    as ``standins`` writes it, not the reference: this value depends on the student's training,
    so the release computes it rather than replaying it)."""
    hidden_dim = params["lstm.weight_hh_l0"].shape[1]
    embed_dim = params["embedding.weight"].shape[1]
    model = standins.CharLSTM(len(alphabet()), embed_dim=embed_dim, hidden_dim=hidden_dim)
    model.load_state_dict(params)
    x, y = held_out_rows(row_length)
    with torch.no_grad(), one_thread():
        return loss_of(model.eval()(x)[0], y)


def initial_loss(state: dict, ids: torch.Tensor, batch_size: int, seq_len: int, **sizes) -> float:
    """The loss of ``state`` on the first batch from a fresh hidden state: train's first loss."""
    x, y = make_batches(ids, batch_size, seq_len)[0]
    with torch.no_grad(), one_thread():
        return F.cross_entropy(local_model(state, **sizes)(x)[0].reshape(-1, len(alphabet())), y.reshape(-1)).item()


def loss_of(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """Mean cross-entropy in nats per character, computed here in float64."""
    return F.cross_entropy(logits.double().reshape(-1, logits.shape[-1]), targets.reshape(-1)).item()


# -- running the submission's train -------------------------------------------------------------


def remote_model(student, state: dict, *, recording: bool = False, **sizes) -> RemoteObject:
    """A reference CharLSTM in the runner with ``state`` loaded; ``recording`` adds the
    instruments of ``autograde.fixtures.recording_char_lstm``."""
    if recording:
        return student.call("autograde.sandbox.fixtures.recording_char_lstm", len(alphabet()), state, kwargs=sizes).value
    model = student.call("exercises.char_lstm.CharLSTM", len(alphabet()), kwargs=sizes).value
    model.method("load_state_dict", state)
    return model


def run_train(student, model: RemoteObject, ids: torch.Tensor, *, timeout: float | None = None, **kwargs):
    """The submission's ``train(model, ids, **kwargs)``; a backward through a freed graph is named."""
    try:
        return student.call("train", model, ids, kwargs=kwargs, timeout=timeout).value
    except StudentRaised as error:
        text = str(error)
        if "backward through the graph a second time" in text:
            where = text[text.find("\n  at line"):] if "\n  at line" in text else ""
            first_sentence = text.split(" (or directly")[0]
            fail(f"{first_sentence}: the graph of an earlier step was freed.{where}", mistake=NEVER_DETACHED)
        raise


def expect_float_losses(losses, steps: int, n_batches: int) -> list[float]:
    """``losses`` is a list of ``steps`` Python floats; a wrong count or type is named."""
    if isinstance(losses, torch.Tensor):
        fail(f"train returned a tensor of shape {tuple(losses.shape)}; it should return a list of {steps} Python floats.")
    if not isinstance(losses, (list, tuple)):
        fail(f"train returned {type(losses).__name__}; it should return a list of {steps} Python floats.")
    if len(losses) != steps:
        exactly = "Loop for step in range(steps): exactly `steps` optimizer steps."
        causes = {
            steps - 1: Mistake("one step too few (the loop stops one step early)", exactly),
            steps + 1: Mistake("one step too many", exactly),
            steps * n_batches: Mistake("steps is used as a number of passes over all the batches", exactly),
            n_batches: Mistake("one pass over the batches instead of `steps` steps", exactly),
        }
        fail(
            f"train returned {len(losses)} losses for steps={steps} (with {n_batches} batches): it should take "
            f"exactly `steps` optimizer steps, cycling over the batches (step s uses batch s % {n_batches}).",
            mistake=causes.get(len(losses)),
        )
    kinds = sorted({type(value).__name__ for value in losses if type(value) is not float})
    if kinds:
        fail(
            f"the losses should be Python floats, but some are {', '.join(kinds)}.",
            mistake=LOSSES_AS_TENSORS if "Tensor" in kinds else None,
        )
    return list(losses)


# -- an independent training loop, and the mistakes made in it ------------------------------------


class Loop:
    """The contract's training loop, written apart from the reference: one method per decision."""

    def __init__(self, model, ids, *, steps, batch_size=32, seq_len=64, lr=3e-3, clip=1.0, seed=0):
        self.model, self.ids, self.steps = model, ids, steps
        self.batch_size, self.seq_len, self.lr, self.clip = batch_size, seq_len, lr, clip

    def run(self) -> list[float]:
        batches = make_batches(self.ids, self.batch_size, self.seq_len)
        optimizer = self.optimizer()
        hidden, losses = None, []
        for step in range(self.steps):
            x, y = batches[step % len(batches)]
            hidden = self.carry(hidden, step % len(batches))
            self.zero_grad(optimizer)
            logits, hidden = self.model(x, hidden)
            loss = self.loss(logits, y)
            loss.backward()
            self.update(optimizer)
            losses.append(loss.item())
        return losses

    def optimizer(self):
        return torch.optim.Adam(self.model.parameters(), lr=self.lr)

    def carry(self, hidden, batch):
        return None if batch == 0 else tuple(h.detach() for h in hidden)

    def zero_grad(self, optimizer):
        optimizer.zero_grad()

    def loss(self, logits, y):
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))

    def update(self, optimizer):
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        optimizer.step()


class NeverCarried(Loop):
    def carry(self, hidden, batch):
        return None


class NeverReset(Loop):
    def carry(self, hidden, batch):
        return None if hidden is None else tuple(h.detach() for h in hidden)


class NoZeroGrad(Loop):
    def zero_grad(self, optimizer):
        pass


class NoClip(Loop):
    def update(self, optimizer):
        optimizer.step()


class SummedLoss(Loop):
    def loss(self, logits, y):
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum")


class SoftmaxBeforeLoss(Loop):
    def loss(self, logits, y):
        return super().loss(torch.softmax(logits, dim=-1), y)


class FreshOptimizer(Loop):
    def update(self, optimizer):
        super().update(self.optimizer())


class OneStepShort(Loop):
    def run(self) -> list[float]:
        self.steps -= 1
        return super().run()


class DefaultLearningRate(Loop):
    def optimizer(self):
        return torch.optim.Adam(self.model.parameters())


class PlainSGD(Loop):
    def optimizer(self):
        return torch.optim.SGD(self.model.parameters(), lr=self.lr)


def _sizes(kwargs: dict) -> dict:
    """Take the model's sizes out of ``kwargs`` (the rest are train's arguments)."""
    return {k: kwargs.pop(k) for k in ("embed_dim", "hidden_dim") if k in kwargs}


def _replay(loop: type[Loop], result: str = "losses"):
    """A Mistake's compute: that loop, run on a fresh local model from the same state; returns
    its losses, or (``result="parameters"``) the trained parameters by name."""

    def compute(state, ids, **kwargs):
        sizes = _sizes(kwargs)
        model = local_model(state, **sizes)
        with torch.enable_grad(), torch.random.fork_rng(), one_thread():  # identify() runs mistakes under no_grad
            losses = loop(model, ids, **kwargs).run()
        return losses if result == "losses" else parameters(model)

    return compute


LOOPS: dict[str, tuple[str, type[Loop]]] = {
    "never_carried": (
        "the hidden state is never carried (every batch starts from zeros)",
        "Pass the hidden state returned for batch i into batch i + 1 (detached); reset it only when the batches wrap.",
        NeverCarried,
    ),
    "never_reset": (
        "the hidden state is not reset when the batches wrap around",
        "Start from hidden = None again whenever the batches wrap around: batch 0 does not continue the last batch.",
        NeverReset,
    ),
    "no_zero_grad": (
        "optimizer.zero_grad() is never called, so the gradients of all steps add up",
        "Call optimizer.zero_grad() once per step, before loss.backward().",
        NoZeroGrad,
    ),
    "not_clipped": (
        "the gradients are not clipped to `clip` before optimizer.step()",
        "Clip with torch.nn.utils.clip_grad_norm_ at `clip`, after backward and before the step.",
        NoClip,
    ),
    "summed_loss": (
        "the loss is summed over the batch, not averaged",
        "Use the mean cross-entropy over all B*T positions (F.cross_entropy's default).",
        SummedLoss,
    ),
    "default_lr": (
        "Adam runs at its default learning rate, not at `lr`",
        "Pass lr=lr when you create the Adam optimizer.",
        DefaultLearningRate,
    ),
    "sgd": (
        "the optimizer is SGD, not Adam",
        "Use torch.optim.Adam, at lr.",
        PlainSGD,
    ),
    "softmax_before_loss": (
        "softmax is applied to the logits before the cross-entropy, which applies it again",
        "Give F.cross_entropy the model's raw logits: it takes the softmax itself, and a second one leaves "
        "almost no gradient to learn from.",
        SoftmaxBeforeLoss,
    ),
    "fresh_optimizer": (
        "a new optimizer is created at every step, so Adam's running averages start over each time",
        "Create the Adam optimizer once, before the loop: its moment estimates build up over the steps.",
        FreshOptimizer,
    ),
    "one_step_short": (
        "one step too few (the loop stops one step early)",
        "Loop for step in range(steps): exactly `steps` optimizer steps.",
        OneStepShort,
    ),
}
"""Each catalogued training mistake: its words, its fix, and the loop that makes it."""

_LOSS_MISTAKES = {key: Mistake(name, fix, _replay(loop)) for key, (name, fix, loop) in LOOPS.items()}
NEVER_CARRIED = _LOSS_MISTAKES["never_carried"]
NEVER_RESET = _LOSS_MISTAKES["never_reset"]
NO_ZERO_GRAD = _LOSS_MISTAKES["no_zero_grad"]
NOT_CLIPPED = _LOSS_MISTAKES["not_clipped"]
DEFAULT_LR = _LOSS_MISTAKES["default_lr"]

TRAINING_MISTAKES = [m for key, m in _LOSS_MISTAKES.items() if key != "one_step_short"]
"""Named from the returned losses (a loop one step short returns one loss too few: the length
check names it)."""
PARAMETER_MISTAKES = [Mistake(name, fix, _replay(loop, "parameters")) for name, fix, loop in LOOPS.values()]
"""The same mistakes, named from the trained parameters they leave (same ids as the losses')."""


def seen_in_calls(name: str, fix: str) -> Mistake:
    """A mistake recognised from what the submission did (its calls, its types), not reproduced
    from its result: only its description is used."""
    return Mistake(name, fix)


NEVER_DETACHED = seen_in_calls(
    "the hidden state is carried without .detach()",
    "Detach each tensor of the carried state: keep the values, cut the graph, so backward stops at the batch.",
)
CLIP_AFTER_STEP = seen_in_calls(
    "the gradients are clipped after optimizer.step(), when the step has already used them",
    "Clip between loss.backward() and optimizer.step().",
)
"""It leaves the same parameters as not clipping at all; only the runner's record of the gradient
tensors after the step can tell the two apart (and it only names, never scores)."""
LOSSES_AS_TENSORS = seen_in_calls(
    "the losses are returned as tensors",
    "Append loss.item(), a Python float: a tensor also keeps the step's whole graph alive.",
)


def reference_losses(state: dict, ids: torch.Tensor, **kwargs) -> list[float]:
    """The reference's training losses from ``state`` (the global RNG is left as it was)."""
    sizes = _sizes(kwargs)
    with torch.random.fork_rng(), one_thread():
        return reference_train(local_model(state, **sizes), ids, **kwargs)


def reference_parameters(state: dict, ids: torch.Tensor, **kwargs) -> dict[str, torch.Tensor]:
    """The parameters the reference's train leaves from ``state``, trained here (milliseconds
    for a small model and a few steps; the global RNG is left as it was)."""
    sizes = _sizes(kwargs)
    model = local_model(state, **sizes)
    with torch.random.fork_rng(), one_thread():
        reference_train(model, ids, **kwargs)
    return parameters(model)


# -- the reference on the grading budget ----------------------------------------------------------


def reference_loss_on_budget() -> float:
    """The held-out loss the reference training reaches on ``corpus.BUDGET``, trained here
    single-threaded, as a runner trains (no reference ever enters a runner); about 1.3 s."""
    start = initial_state(corpus.BUDGET["seed"], **corpus.BUDGET_MODEL)
    return held_out_loss(reference_parameters(start, training_ids(), **corpus.BUDGET, **corpus.BUDGET_MODEL))


# -- sampling: chi-square tests against known distributions ---------------------------------------


def counts_of(ids: Sequence[int] | torch.Tensor, vocab_size: int) -> torch.Tensor:
    return torch.bincount(torch.as_tensor(ids, dtype=torch.long).reshape(-1), minlength=vocab_size).double()


def p_value(counts: torch.Tensor, probs: torch.Tensor) -> float:
    """Chi-square goodness of fit of ``counts`` to ``probs`` (0 if an impossible id was drawn)."""
    probs = probs.double()
    if bool((counts[probs == 0] > 0).any()):
        return 0.0
    support = probs > 0
    if int(support.sum()) < 2:
        return 1.0
    expected = counts.sum() * probs[support]
    statistic = ((counts[support] - expected) ** 2 / expected).sum()
    degrees = torch.tensor((int(support.sum()) - 1) / 2, dtype=torch.float64)
    return float(torch.special.gammaincc(degrees, statistic / 2))


def softmax_at(logits: torch.Tensor, temperature: float, top_k: int | None = None) -> torch.Tensor:
    """softmax(logits / temperature), restricted to the top_k largest logits: what generate samples."""
    keep = torch.ones_like(logits, dtype=torch.bool) if top_k is None else logits >= torch.topk(logits, top_k).values[-1]
    return softmax_over(logits, temperature, keep)


def softmax_over(logits: torch.Tensor, temperature: float, keep: torch.Tensor) -> torch.Tensor:
    """softmax(logits / temperature) over the ids where ``keep`` is True (the others get 0)."""
    return torch.softmax((logits.double() / temperature).masked_fill(~keep, float("-inf")), dim=-1)


def matching_mistake(counts: torch.Tensor, mistakes: Sequence[Mistake], args: Sequence) -> Mistake | None:
    """The first catalogued mistake whose distribution (``compute(*args)``) the counts fit."""
    with torch.no_grad():
        return next((m for m in mistakes if p_value(counts, m.compute(*args)) >= UNLIKELY), None)


def expect_distribution(
    counts: torch.Tensor, probs: torch.Tensor, what: str, *, mistakes: Sequence[Mistake] = (), args: Sequence = ()
) -> None:
    """The counts are a plausible sample of ``probs``; otherwise the message names the first
    catalogued mistake whose distribution they fit."""
    p = p_value(counts, probs)
    if p >= UNLIKELY:
        return
    n = int(counts.sum())
    observed = ", ".join(f"{c / n:.3f}" for c in counts.tolist())
    expected = ", ".join(f"{q:.3f}" for q in probs.tolist())
    message = (
        f"{what}: the frequencies of the {n} ids drawn are [{observed}], expected about [{expected}] "
        f"(chi-square p-value {p:.1e})."
    )
    fail(message, mistake=matching_mistake(counts, mistakes, args))


LOGITS = torch.tensor([0.3, 1.0, -0.6, 0.6, -0.2, -1.0])
"""Next-token logits of the sampling checks: the largest is not first, and at temperatures
0.5 to 2 every id keeps a probability of 1 % or more, so that chi-square tests are sound."""


def table_model(student, table: torch.Tensor) -> RemoteObject:
    """A ``TableLM`` in the runner: logits = table[last id], recording every call."""
    return student.call("autograde.sandbox.fixtures.TableLM", table).value


def constant_model(student) -> RemoteObject:
    """A TableLM whose logits are LOGITS whatever the input: its samples are independent draws."""
    return table_model(student, LOGITS.expand(len(LOGITS), -1).clone())


def sampling_model(student) -> RemoteObject:
    """Like ``constant_model``, but recording no calls: for the checks that only count draws."""
    return student.call("autograde.sandbox.fixtures.ConstantLM", LOGITS).value


def generator(student, seed: int) -> RemoteObject:
    """A torch.Generator seeded in the runner (a generator cannot be sent as data)."""
    return student.call("autograde.sandbox.fixtures.make_generator", seed).value


TEMPERATURE_MISTAKES = [
    Mistake(
        "the temperature has no effect: it is ignored, or it divides the probabilities (which the normalisation undoes)",
        "Divide the logits by the temperature, then take the softmax.",
        lambda logits, temperature: torch.softmax(logits.double(), -1),
    ),
    Mistake(
        "the logits are multiplied by the temperature instead of divided by it",
        "Divide the logits by the temperature, so that a high temperature flattens the distribution.",
        lambda logits, temperature: torch.softmax(logits.double() * temperature, -1),
    ),
    Mistake(
        "softmax is taken twice (of the logits, then of the probabilities)",
        "Sample from one softmax of the scaled logits: a softmax of probabilities, all in [0, 1], is almost uniform.",
        lambda logits, temperature: torch.softmax(torch.softmax(logits.double() / temperature, -1), -1),
    ),
    Mistake(
        "the temperature divides the probabilities, and a second softmax is taken of them",
        "Divide the logits, not the probabilities, by the temperature, then take one softmax.",
        lambda logits, temperature: torch.softmax(torch.softmax(logits.double(), -1) / temperature, -1),
    ),
]

TOP_K_MISTAKES = [
    Mistake(
        "top_k keeps the k smallest logits instead of the k largest",
        "Keep the largest: torch.topk(logits, k) returns the k largest values (largest=True by default).",
        lambda logits, temperature, k: softmax_over(
            logits, temperature, logits <= torch.topk(logits, k, largest=False).values[-1]
        ),
    ),
    Mistake(
        "top_k keeps only k - 1 logits (the k-th largest is dropped too)",
        "Mask the logits strictly smaller than the k-th largest: logits < kth, not logits <= kth.",
        lambda logits, temperature, k: softmax_at(logits, temperature, k - 1),
    ),
    Mistake(
        "top_k is ignored",
        "Before the softmax, set every logit below the k-th largest to -inf.",
        lambda logits, temperature, k: softmax_at(logits, temperature),
    ),
    Mistake(
        "the top k ids are drawn with equal probability",
        "Keep the logits of the top k (others -inf) and sample from their softmax, not uniformly.",
        lambda logits, temperature, k: (logits >= torch.topk(logits, k).values[-1]).double() / k,
    ),
]
