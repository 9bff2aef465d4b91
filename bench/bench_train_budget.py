"""How early train_lm's pass bar separates a training loop that works from one that does not.

The perplexity check of train_lm trains for ``corpus.BUDGET`` and asks for a held-out loss within
``RELATIVE_BAR`` of the reference's. Its cost is the budget, so this prints, for several budgets,
the reference's held-out loss, the bar it implies, an untrained model's loss and loops that train
but badly (a third and a tenth of the learning rate), with the seconds the reference's training took on one core. A budget is
sound when the reference clears its bar by a margin and the bad loops miss it.

Run from the repository root: python bench/bench_train_budget.py [--steps 100 120 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[60, 80, 90, 100, 120, 200])
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--seq-len", type=int, default=None)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    from autograde.grading import corpus, course

    course.resolve_exercises_to_reference()  # the reference's train uses exercises.next_token_batches
    from graders.lm_cases import RELATIVE_BAR, held_out_loss, initial_state, training_ids
    from reference.char_lstm import CharLSTM
    from reference.train_lm import train

    budget = dict(corpus.BUDGET)
    budget.update({k: v for k, v in (("batch_size", args.batch_size), ("seq_len", args.seq_len)) if v})
    ids, start = training_ids(), initial_state(budget["seed"], **corpus.BUDGET_MODEL)
    vocab = len(start["embedding.weight"])

    def trained(steps: int, **changes) -> tuple[float, float]:
        model = CharLSTM(vocab, **corpus.BUDGET_MODEL)
        model.load_state_dict(start)
        began = time.process_time()
        train(model, ids, **{**budget, "steps": steps, **changes})
        return held_out_loss(model.state_dict()), time.process_time() - began

    print(f"budget {budget}, model {corpus.BUDGET_MODEL}; load average {os.getloadavg()[0]:.1f}; untrained {held_out_loss(start):.4f} nats/char")
    print(f"{'steps':>6} {'reference':>10} {'bar':>8} {'lr/3':>8} {'lr/10':>8} {'core-s':>7}")
    for steps in args.steps:
        reference, seconds = trained(steps)
        slower, _ = trained(steps, lr=budget["lr"] / 3)
        slow, _ = trained(steps, lr=budget["lr"] / 10)
        print(f"{steps:>6} {reference:>10.5f} {RELATIVE_BAR * reference:>8.4f} {slower:>8.4f} {slow:>8.4f} {seconds:>7.2f}")


if __name__ == "__main__":
    main()
