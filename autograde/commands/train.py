"""`grade train`: train your own CharLSTM with your own train() on a text, then sample from it.

The notebook's section 6 as one command: the student's ``CharLSTM`` (char_lstm.py),
``make_batches`` (next_token_batches.py), ``train`` (train_lm.py) and ``generate`` (generate.py)
run in a runner exactly as grading runs them, on a text file or on the built-in corpus
(``autograde.corpus``). The checker encodes the text, measures held-out perplexity itself,
sets it beside baselines (and the floor, for the built-in corpus), draws the loss curve and
prints samples at a few temperatures.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import click

from autograde.grading import corpus
from autograde.grading.corpus import BUDGET
from autograde.commands.options import memory_option, starts_engine
from autograde.errors import YourCodeFailed

MODULES = ("char_lstm", "next_token_batches", "train_lm", "generate")
"""The submission's files this command runs (generate.py is the runner's main module)."""
HELD_OUT_FRACTION = 0.1
MAX_HELD_OUT_CHARS = 1 << 17
ROW_LENGTH = 1024
POLL_SECONDS = 0.2

LOSS_PLOT = Path(".grade") / "loss.png"  # beside grade's other files, not in the repository's tree


@dataclass(frozen=True)
class Text:
    """A text split for training, with what is known about it (nats per character)."""

    name: str
    train: str
    held_out: str
    floor: float | None = None  # the source's entropy rate, when it is known

    @property
    def alphabet(self) -> list[str]:
        return sorted(set(self.train) | set(self.held_out))

    def encode(self, text: str):
        import torch

        index = {ch: i for i, ch in enumerate(self.alphabet)}
        return torch.tensor([index[ch] for ch in text], dtype=torch.long)

    def decode(self, ids) -> str:
        alphabet = self.alphabet
        return "".join(alphabet[i] for i in ids)


def load_text(path: Path | None) -> Text:
    """The built-in corpus, or a UTF-8 file whose last 10 % (at most 128 Ki chars) is held out."""
    if path is None:
        builtin = corpus.builtin()
        return Text("the built-in corpus", builtin.train, builtin.held_out, builtin.floor)
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise click.BadParameter(f"{path} is not UTF-8 text ({error})", param_hint="TEXT_FILE") from None
    held_out = min(int(len(content) * HELD_OUT_FRACTION), MAX_HELD_OUT_CHARS)
    if held_out < 2:
        raise click.BadParameter(f"{path} is too short to train on ({len(content)} characters)", param_hint="TEXT_FILE")
    return Text(str(path), content[:-held_out], content[-held_out:])


def baselines(text: Text) -> dict[str, float]:
    """Held-out nats per character of models that need no training loop: uniform over the
    alphabet, and unigram and bigram counts from the training text (add-one smoothed)."""
    size = len(text.alphabet)
    unigrams = Counter(text.train)
    bigrams = Counter(zip(text.train, text.train[1:]))
    held = text.held_out
    unigram = -sum(math.log((unigrams[ch] + 1) / (len(text.train) + size)) for ch in held) / len(held)
    bigram = -sum(
        math.log((bigrams[prev, ch] + 1) / (unigrams[prev] + size)) for prev, ch in zip(held, held[1:])
    ) / (len(held) - 1)
    return {"bigram": bigram, "unigram": unigram, "uniform": math.log(size)}


def open_submission(folder: Path, timeout: float, memory_bytes: int):
    """A runner holding the submission's four modules, started as grading starts one."""
    from autograde.grading import course
    from autograde.sandbox.launch import default_launcher
    from autograde.grading.remote import RemoteExercise

    missing = [f"{name}.py" for name in MODULES if not (folder / f"{name}.py").is_file()]
    if missing:
        raise click.UsageError(f"{folder} has no {', '.join(missing)}: this command runs all of {', '.join(MODULES)}.")
    # The student's own modules go as source, so their errors point at their lines; every one the
    # folder has, as in the student release (train() runs in a thread of the runner, where the
    # checker cannot serve exercises.X calls).
    earlier = course.names()[: course.names().index("generate")]
    dependencies = {name: (folder / f"{name}.py").read_text(encoding="utf-8") for name in earlier if (folder / f"{name}.py").is_file()}
    return RemoteExercise(
        default_launcher(), "generate", folder / "generate.py",
        dependencies=dependencies, timeout=timeout, memory_bytes=memory_bytes,
    )


def unfinished(error, what: str, module: str) -> YourCodeFailed:
    from autograde.grading.remote import NotImplementedYet

    if isinstance(error, NotImplementedYet):
        return YourCodeFailed(f"{what} is not implemented yet: finish exercises/{module}.py first (or try --reference).")
    return YourCodeFailed(f"{what} failed: {error}")


def build_model(submission, vocab_size: int, seed: int):
    from autograde.grading.remote import StudentProblem

    try:
        return submission.call("autograde.sandbox.fixtures.seeded_char_lstm", vocab_size, seed).value
    except StudentProblem as error:
        raise unfinished(error, "CharLSTM", "char_lstm") from None


def check_batches(submission, ids, batch_size: int, seq_len: int) -> int:
    """How many batches the submission's make_batches cuts (it runs first, so its failure is named)."""
    from autograde.grading.remote import StudentProblem

    try:
        batches = submission.call("exercises.next_token_batches.make_batches", ids, batch_size, seq_len).value
    except StudentProblem as error:
        raise unfinished(error, "make_batches", "next_token_batches") from None
    return len(batches)


def train_with_progress(submission, model, ids, options: dict, console, time_limit: float) -> list[float]:
    """The submission's train() in a thread of the runner, with a progress bar fed by polling
    how many optimizer steps it has taken."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from autograde.grading.remote import StudentProblem

    columns = (TextColumn("training"), BarColumn(), MofNCompleteColumn(), TextColumn("steps"), TimeElapsedColumn(), TimeRemainingColumn())
    try:
        run = submission.call("autograde.sandbox.fixtures.BackgroundCall", "exercises.train_lm.train", model, ids, kwargs=options).value
        deadline = time.monotonic() + time_limit
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("training", total=options["steps"])
            while not (state := run.method("progress"))["done"]:
                progress.update(task, completed=min(state["steps"], options["steps"]))
                if time.monotonic() > deadline:
                    raise YourCodeFailed(f"train did not finish within {time_limit:g} s (--time-limit): look for an endless loop.")
                time.sleep(POLL_SECONDS)
        losses = run.method("result")
    except StudentProblem as error:
        raise unfinished(error, "train", "train_lm") from None
    if not isinstance(losses, (list, tuple)) or not all(isinstance(v, float) for v in losses) or not losses:
        raise YourCodeFailed(f"train returned {type(losses).__name__}, not a list of Python floats (one loss per step).")
    return list(losses)


def held_out_loss(submission, model, text: Text) -> float:
    """Mean cross-entropy of the held-out text, from the model's logits, computed here."""
    import torch.nn.functional as F

    from autograde.grading.remote import StudentProblem

    ids = text.encode(text.held_out)
    length = min(ROW_LENGTH, len(ids) - 1)
    rows = (len(ids) - 1) // length
    x = ids[: rows * length].view(rows, length)
    y = ids[1 : rows * length + 1].view(rows, length)
    try:
        logits = submission.call("autograde.sandbox.fixtures.logits_of", model, x).value
    except StudentProblem as error:
        raise unfinished(error, "CharLSTM.forward", "char_lstm") from None
    return F.cross_entropy(logits.double().reshape(-1, logits.shape[-1]), y.reshape(-1)).item()


def samples(submission, model, text: Text, prompt: str, temperatures, length: int, seed: int) -> dict[float, str]:
    """What the submission's generate writes after ``prompt`` at each temperature."""
    from autograde.grading.remote import StudentProblem

    unknown = sorted(set(prompt) - set(text.alphabet))
    if unknown:
        raise click.BadParameter(f"the prompt has characters the text never uses: {unknown!r}", param_hint="--prompt")
    out = {}
    for temperature in temperatures:
        generator = submission.call("autograde.sandbox.fixtures.make_generator", seed).value
        try:
            ids = submission.generate(model, text.encode(prompt), length, temperature=temperature, generator=generator)
        except StudentProblem as error:
            raise unfinished(error, "generate", "generate") from None
        out[temperature] = text.decode(ids.tolist()[len(prompt):])
    return out


def save_plot(losses: list[float], lines: dict[str, float], path: Path, title: str) -> None:
    """The training loss per step, its running mean, and horizontal lines (nats per character)."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    window = max(1, len(losses) // 50)
    running = [sum(losses[max(0, i - window + 1): i + 1]) / (i + 1 - max(0, i - window + 1)) for i in range(len(losses))]
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=120)
    steps = range(1, len(losses) + 1)
    axes.plot(steps, losses, color="tab:blue", alpha=0.3, linewidth=0.8, label="training loss")
    axes.plot(steps, running, color="tab:blue", linewidth=1.8, label=f"running mean ({window} steps)")
    styles = {"held-out": ("tab:green", "-"), "floor": ("black", ":"), "bigram": ("tab:orange", "--"), "unigram": ("tab:red", "--")}
    for name, value in lines.items():
        color, style = styles.get(name, ("gray", "--"))
        axes.axhline(value, color=color, linestyle=style, linewidth=1.2, label=f"{name} {value:.3f}")
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("cross-entropy (nats per character)")
    axes.set_ylim(0, max(max(losses), *lines.values()) * 1.05)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


def perplexity_table(model_loss: float, text: Text, reference: dict[str, float]):
    from rich.table import Table

    table = Table(title=f"Held-out perplexity on {text.name} (lower is better)")
    table.add_column("model")
    table.add_column("perplexity", justify="right")
    table.add_column("nats/char", justify="right")
    rows = [("your model", model_loss, "bold")]
    if text.floor is not None:
        rows.append(("floor: the source's entropy rate (unbeatable)", text.floor, "dim"))
    rows += [(f"{name} baseline", value, "") for name, value in reference.items()]
    for name, loss, style in sorted(rows, key=lambda row: row[1]):
        table.add_row(name, f"{math.exp(loss):.3f}", f"{loss:.4f}", style=style)
    return table


@dataclass(frozen=True)
class TrainSettings:
    """What `grade train` was asked for (train() arguments first, as the contract names them)."""

    steps: int
    batch_size: int
    seq_len: int
    lr: float
    clip: float
    seed: int
    plot_path: Path
    prompt: str | None
    temperatures: tuple[float, ...]
    length: int
    time_limit: float
    memory_bytes: int

    def train_arguments(self) -> dict:
        return {name: getattr(self, name) for name in BUDGET}


def play(folder: Path, text: Text, settings: TrainSettings, console, errors) -> None:
    """Train the submission's model on ``text``, report, plot and sample (the command's work)."""
    from rich.text import Text as Plain

    ids = text.encode(text.train)
    needed = settings.batch_size * settings.seq_len + 1
    if len(ids) < needed:
        raise click.UsageError(f"the training text has {len(ids)} characters: --batch-size × --seq-len + 1 = {needed} are needed.")
    console.print(
        f"Training on {text.name}: {len(text.train):,} characters ({len(text.held_out):,} held out), "
        f"{len(text.alphabet)} distinct; {settings.steps} steps of {settings.batch_size}×{settings.seq_len}."
    )
    session = open_submission(folder, timeout=60.0, memory_bytes=settings.memory_bytes)
    try:
        model = build_model(session, len(text.alphabet), settings.seed)
        n_batches = check_batches(session, ids, settings.batch_size, settings.seq_len)
        started = time.monotonic()
        losses = train_with_progress(session, model, ids, settings.train_arguments(), errors, settings.time_limit)
        console.print(
            f"Trained {len(losses)} steps ({n_batches} batches per pass over the text) in "
            f"{time.monotonic() - started:.1f} s; the last training loss is {losses[-1]:.4f}."
        )
        model_loss = held_out_loss(session, model, text)
        known = baselines(text)
        console.print(perplexity_table(model_loss, text, known))
        lines = {"held-out": model_loss, "bigram": known["bigram"], "unigram": known["unigram"]}
        if text.floor is not None:
            lines["floor"] = text.floor
        save_plot(losses, lines, settings.plot_path, f"CharLSTM on {text.name}: {settings.steps} steps")
        console.print(f"Loss curve saved to {settings.plot_path}")
        prompt = settings.prompt if settings.prompt is not None else text.held_out[:12]
        try:
            written = samples(session, model, text, prompt, settings.temperatures, settings.length, settings.seed)
        except YourCodeFailed as problem:
            errors.print(Plain(f"No samples: {problem.message}", style="yellow"))
            written = {}
        for temperature, sample in written.items():
            console.rule("greedy (temperature 0)" if temperature == 0 else f"temperature {temperature:g}", align="left")
            console.print(Plain(prompt, style="bold") + Plain(sample))
    finally:
        session.close()
        printed = session.printed_output()
        if printed.strip():
            errors.rule("what your code printed", align="left")
            errors.print(Plain(printed))


@click.command("train")
@click.argument("text_file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--submission", type=click.Path(path_type=Path),
    help="Folder with your char_lstm.py, next_token_batches.py, train_lm.py and generate.py. [default: ./exercises]",
)
@click.option("--reference", is_flag=True, help="Run the reference solutions instead of yours.")
@click.option(
    "--steps", type=click.IntRange(min=1), default=BUDGET["steps"], show_default=True,
    help="Optimizer steps (the default is train_lm's grading budget).",
)
@click.option("--batch-size", type=click.IntRange(min=1), default=BUDGET["batch_size"], show_default=True)
@click.option("--seq-len", type=click.IntRange(min=1), default=BUDGET["seq_len"], show_default=True)
@click.option("--lr", type=click.FloatRange(min=0), default=BUDGET["lr"], show_default=True)
@click.option("--clip", type=click.FloatRange(min=0, min_open=True), default=BUDGET["clip"], show_default=True)
@click.option("--seed", type=int, default=BUDGET["seed"], show_default=True, help="Seeds the model's initialisation, train() and the samples.")
@click.option(
    "--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path), default=LOSS_PLOT,
    show_default=True, help="Where to save the loss curve (PNG). The default is under .grade/, which git ignores.",
)
@click.option("--prompt", help="Text to start the samples with. [default: the held-out text's first 12 characters]")
@click.option(
    "--temperature", "temperatures", type=click.FloatRange(min=0), multiple=True, default=(0.0, 0.5, 1.0),
    show_default=True, help="Sample at this temperature (repeat the option for several).",
)
@click.option("--length", type=click.IntRange(min=1), default=240, show_default=True, help="Characters per sample.")
@click.option("--time-limit", type=click.FloatRange(min=1), default=1800.0, show_default=True, help="Seconds train() may take.")
@memory_option
@starts_engine
def command(text_file, submission, reference, memory_mib, **options):
    """Train your CharLSTM with your train() on TEXT_FILE (default: the built-in corpus).

    Shows the held-out perplexity next to baselines (and, for the built-in corpus, the floor
    no model can beat), saves the loss curve as a PNG and prints samples from your generate().
    Your code runs in the same contained process as grading.

    \b
    Exit codes: 0 trained, 1 your code failed (the message says where), 2 usage error.
    """
    from rich.console import Console

    from autograde.grading import course

    folder = course.reference_dir() if reference else (submission or Path("exercises"))
    if not folder.is_dir():
        raise click.UsageError(f"there is no folder {str(folder)!r}: point to your solutions with --submission DIR.")
    settings = TrainSettings(**options, memory_bytes=memory_mib << 20)
    play(folder.resolve(), load_text(text_file), settings, Console(), Console(stderr=True))

