"""Attacks on the verdict itself: switching the runtime watch or the matmul counter off, building
forbidden names, reading the answer key. Under the submission policy each gains nothing, in the
sandbox and in the fallback, and the honest exercise graded beside it keeps full marks.

Each file in tests/adversarial/policy/ is ``<exercise>__<attack>.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograde.grading import course, engine
from tests.helpers import failures
from tests.test_adversarial import mode  # noqa: F401 - the sandbox / fallback fixture

ATTACKS = sorted((Path(__file__).parent / "adversarial" / "policy").glob("*__*.py"))

ZEROS = {  # an honest submission that returns zeros of the right shape and type
    "rnn_step": "def rnn_step(x_t, h_prev, Wxh, Whh, bh):\n    return torch.zeros(x_t.shape[0], Whh.shape[1], dtype=x_t.dtype)\n",
    "rnn_step_fused": "def rnn_step_fused(x_t, h_prev, W_h, b_h):\n    return torch.zeros(x_t.shape[0], W_h.shape[1], dtype=x_t.dtype)\n",
    "cross_entropy": "def cross_entropy(logits, targets):\n    return (logits * 0).sum()\n",
    "clip_grad_norm": "def clip_grad_norm(parameters, max_norm):\n    return torch.tensor(0.0)\n",
    "generate": "def generate(model, prompt_ids, length, temperature=1.0, top_k=None, generator=None):\n"
                "    return torch.cat([prompt_ids, torch.zeros(length, dtype=torch.long)])\n",
}
# Attacks that do raise a score without the policy: proof that the policy is what stops them.
EFFECTIVE_WITHOUT_POLICY = {"cross_entropy__disables_torch_function", "rnn_step_fused__disables_dispatch_modes"}


def grade(mode, folder: Path, exercise: str, source: str, restricted: bool = True):
    """``exercise`` from ``source``, next to the reference of an honest neighbour exercise."""
    neighbour = "rnn_step" if exercise != "rnn_step" else "rnn_step_fused"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{exercise}.py").write_text(source)
    shutil.copyfile(course.reference_dir() / f"{neighbour}.py", folder / f"{neighbour}.py")
    exercises = [name for name in course.names() if name in (exercise, neighbour)]
    report = engine.grade(folder, exercises, engine.Options(timeout=10.0, restricted=restricted), launcher=mode[1])
    honest = report.exercises[neighbour]
    assert honest.score == honest.max_score, failures(honest)
    return report.exercises[exercise]


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda path: path.stem)
def test_an_attack_on_the_verdict_scores_no_more_than_honest_zeros(mode, tmp_path, attack):
    exercise = attack.stem.partition("__")[0]
    zeros = grade(mode, tmp_path / "zeros", exercise, "import torch\n\n\n" + ZEROS[exercise])
    result = grade(mode, tmp_path / "attack", exercise, attack.read_text())
    assert result.score <= zeros.score, failures(result)


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a.stem in EFFECTIVE_WITHOUT_POLICY], ids=lambda path: path.stem)
def test_without_the_policy_the_same_attack_would_gain_points(mode, tmp_path, attack):
    exercise = attack.stem.partition("__")[0]
    zeros = grade(mode, tmp_path / "zeros", exercise, "import torch\n\n\n" + ZEROS[exercise], restricted=False)
    result = grade(mode, tmp_path / "attack", exercise, attack.read_text(), restricted=False)
    assert result.score > zeros.score, "not an attack: the test above would prove nothing"
