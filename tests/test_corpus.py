"""The built-in corpus: its documented numbers, an independent check of its floor, its text."""

import hashlib
import math

import torch

from autograde.grading import corpus


def character_states():
    """The source as a chain over characters: a state is (previous token, prefix typed so far).

    Its next character is known from the state alone (the spellings are prefix-free), which is
    what makes the word-level formula of the floor hold; this computes the floor without it.
    """
    spellings, P = corpus.tokens(), corpus.transition_matrix()
    states, transitions = {}, []  # transitions: (from, to, probability, entropy contribution)
    frontier = [(len(spellings) - 1, "")]
    states[frontier[0]] = 0
    while frontier:
        previous, prefix = state = frontier.pop()
        weights = {j: p for j, p in enumerate(P[previous]) if p > 0 and spellings[j].startswith(prefix)}
        total = sum(weights.values())
        by_char = {}
        for j, p in weights.items():
            ch = spellings[j][len(prefix)]
            done = spellings[j] == prefix + ch
            target = (j, "") if done else (previous, prefix + ch)
            by_char.setdefault(ch, [0.0, target])[0] += p / total  # prefix-free: one target per ch
        for ch, (q, target) in by_char.items():
            if target not in states:
                states[target] = len(states)
                frontier.append(target)
            transitions.append((states[state], states[target], q))
    return len(states), transitions


def test_the_floor_equals_the_entropy_rate_of_the_character_chain():
    n, transitions = character_states()
    rows, cols, probs = zip(*transitions)
    rows, cols, probs = torch.tensor(rows), torch.tensor(cols), torch.tensor(probs, dtype=torch.float64)
    mu = torch.full((n,), 1.0 / n, dtype=torch.float64)
    for _ in range(500):  # power iteration: the chain is irreducible and aperiodic (converged by 400)
        mu = torch.zeros(n, dtype=torch.float64).index_add_(0, cols, mu[rows] * probs)
    entropy = -(mu[rows] * probs * probs.log()).sum().item()
    assert abs(entropy - corpus.entropy_rate()) < 1e-12, (entropy, corpus.entropy_rate())


def test_the_documented_numbers_are_the_computed_ones():
    assert round(corpus.entropy_rate(), 4) == corpus.FLOOR
    assert round(corpus.unigram_entropy(), 4) == corpus.UNIGRAM
    assert round(corpus.uniform_entropy(), 4) == corpus.UNIFORM == round(math.log(33), 4)
    builtin = corpus.builtin()
    assert (builtin.floor, builtin.unigram, builtin.uniform) == (
        corpus.entropy_rate(), corpus.unigram_entropy(), corpus.uniform_entropy()
    )
    assert corpus.FLOOR < corpus.UNIGRAM < corpus.UNIFORM


def test_the_transition_matrix_is_a_stochastic_matrix_over_prefix_free_spellings():
    P = torch.tensor(corpus.transition_matrix(), dtype=torch.float64)
    assert torch.allclose(P.sum(1), torch.ones(len(P), dtype=torch.float64))
    spellings = corpus.tokens()
    assert len(set(spellings)) == len(spellings) == 78
    assert not any(a != b and b.startswith(a) for a in spellings for b in spellings)


def test_the_text_is_the_same_on_every_machine():
    builtin = corpus.builtin()
    text = builtin.train + builtin.held_out
    assert (len(builtin.train), len(builtin.held_out)) == (280_853, 31_214)
    assert text.startswith("The garden near every river loves this bird.\nA quiet fox.\n")
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == "0b18f76f3ff23df4"


def test_the_split_falls_between_tokens():
    builtin = corpus.builtin()
    assert builtin.train[-1] in " \n"
    assert builtin.held_out.split(" ", 1)[0].rstrip(".\n") in {w for words in corpus.WORDS.values() for w in words}


def test_the_text_has_the_stationary_letter_frequencies():
    text = corpus.builtin().train
    expected = corpus.character_frequencies()
    assert set(text) == set(expected)
    for ch, q in expected.items():
        assert abs(text.count(ch) / len(text) - q) < 0.002, ch


def bayes_loss(text: str, previous: int) -> float:
    """Nats per character of the source's own predictor (it knows the chain) on ``text``, which
    follows token number ``previous``."""
    spellings, P = corpus.tokens(), corpus.transition_matrix()
    prefix, total = "", 0.0
    for ch in text:
        weights = {j: p for j, p in enumerate(P[previous]) if p > 0 and spellings[j].startswith(prefix)}
        hit = sum(p for j, p in weights.items() if spellings[j][len(prefix)] == ch)
        total -= math.log(hit / sum(weights.values()))
        prefix += ch
        completed = [j for j in weights if spellings[j] == prefix]
        if completed:
            previous, prefix = completed[0], ""
    return total / len(text)


def test_the_sources_own_predictor_reaches_the_floor_on_the_held_out_text():
    held_out = corpus.builtin().held_out
    end = held_out.index(".\n") + 2  # start after a sentence end, whose token is then known
    last_token = held_out[:end].split(" ")[-1]
    loss = bayes_loss(held_out[end:], corpus.tokens().index(last_token))
    assert abs(loss - corpus.entropy_rate()) < 0.01, loss


def test_the_reference_reaches_the_documented_loss_on_the_grading_budget():
    from autograde.grading import course

    course.resolve_exercises_to_reference()
    from graders.lm_cases import reference_loss_on_budget

    assert abs(reference_loss_on_budget() - corpus.REFERENCE_LOSS) < 5e-4
