"""``exercises.X`` in a runner: stand-ins that behave like the reference and hold none of its code."""

from __future__ import annotations

import ast
import hashlib
import importlib
import os
import sys
from pathlib import Path

import pytest
import torch

from autograde.grading import course
from autograde.grading.remote import RemoteExercise
from autograde.grading.served import MAX_KEPT_CALLS, ServedCalls
from autograde.sandbox import bubblewrap, standins, wire
from autograde.sandbox.launch import ForkServer, default_launcher

LINUX_ROOT = sys.platform.startswith("linux") and os.geteuid() == 0

# -- no reference code in a runner --------------------------------------------------------------

DUMP = '''
import gc, hashlib, importlib, inspect, os, sys, types

def dump():
    found = []
    for name in EARLIER:
        try:
            importlib.import_module("exercises." + name)
        except ImportError as error:
            found.append(str(error))
    def code(c):
        found.append(c.co_filename)
        for k in c.co_consts:
            code(k) if isinstance(k, types.CodeType) else found.append(k if isinstance(k, str) else repr(k))
    for m in list(sys.modules.values()):
        for v in list(getattr(m, "__dict__", {}).values()):
            for f in [v, *getattr(v, "__dict__", {}).values()] if isinstance(v, type) else [v]:
                try:
                    code(f.__code__)
                except Exception:
                    pass
                if getattr(m, "__name__", "").startswith("exercises."):
                    try:
                        found.append(inspect.getsource(f))
                    except (TypeError, OSError):
                        pass
    for o in gc.get_objects():
        if isinstance(o, types.CodeType):
            code(o)
        elif isinstance(o, types.FunctionType):
            code(o.__code__)
    for root, _, files in os.walk("."):
        for f in files:
            found.append(os.path.join(root, f))
            with open(os.path.join(root, f), errors="replace") as stream:
                found.append(stream.read())
    hits, folders = set(), set()
    def digest(text):
        return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]
    for item in found:
        text = str(item)
        if digest(text) in WANTED:
            hits.add(digest(text))
        for line in text.splitlines():
            line = line.strip()
            if line.endswith(".py"):
                folders.add(os.path.basename(os.path.dirname(line)))
            if digest(line) in WANTED:
                hits.add(digest(line))
    return {"hits": sorted(hits), "folders": sorted(folders), "errors": [str(f) for f in found if "not available" in str(f)][:20]}
'''


def digest(text: str) -> str:
    """What the probe compares (a reference line itself sent to the runner would be found there)."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


def reference_needles() -> set[str]:
    """Non-trivial lines of every reference file (not its signatures, which are the contract's),
    and its docstrings."""
    needles = set()
    for path in sorted(course.reference_dir().glob("*.py")):
        source = path.read_text(encoding="utf-8")
        docstrings = set()
        for node in ast.walk(tree := ast.parse(source)):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node, clean=False):
                docstrings.update(line.strip() for line in ast.get_docstring(node, clean=False).splitlines())
                needles.add(ast.get_docstring(node, clean=False))
        for line in source.splitlines():
            line = line.strip()
            # Signatures (def, class) are the contract's, so a stand-in shares them.
            if len(line) >= 20 and not line.startswith(("#", "import ", "from ", '"""', "def ", "class ")) and line not in docstrings:
                needles.add(line)
        del tree
    return needles


def in_torch_source(line: str) -> bool:
    return any(line in path.read_text(errors="replace") for path in Path(torch.__file__).parent.rglob("*.py"))


@pytest.fixture(scope="module", params=["sandbox", "fallback"])
def launcher(request):
    if request.param == "sandbox":
        if bubblewrap.detect().mode != "sandbox":
            pytest.skip(f"bubblewrap unavailable: {bubblewrap.detect().bubblewrap}")
        yield default_launcher()
        return
    server = ForkServer(bubblewrap.Protections("fallback", "forced by the test", False, LINUX_ROOT))
    yield server
    server.close()


def dump_of_runner(launcher, tmp_path, dependencies=None) -> dict:
    """What the probe found in a runner: the reference lines among every string it holds (by
    digest: a runner holding everything it sees, grown by torch._dynamo, is more than a reply
    may carry), the folders of its code's files, and its import errors."""
    earlier = course.names()[:-1]
    wanted = {digest(needle): needle for needle in reference_needles()}
    (tmp_path / "generate.py").write_text(f"EARLIER = {earlier!r}\nWANTED = {set(wanted)!r}\n{DUMP}")
    # Without the submission policy, which would refuse the probe's gc and inspect: the stand-ins
    # must hold no reference code even for code that can look everywhere.
    submission = RemoteExercise(
        launcher, "generate", tmp_path / "generate.py", dependencies=dependencies, timeout=60, restricted=False,
    )
    try:
        found = submission.dump()
        return {**found, "hits": [wanted[h] for h in found["hits"]]}
    finally:
        submission.close()


def test_no_runner_holds_reference_code(launcher, tmp_path):
    launcher.warm_up_training()  # as before train_lm: what the fork server imports for that holds no reference either
    dump = dump_of_runner(launcher, tmp_path)
    assert dump["errors"]  # train_lm has no stand-in ("not available"): it would be its answer
    assert dump["folders"] and "reference" not in dump["folders"]
    leaked = [needle for needle in sorted(dump["hits"]) if not in_torch_source(needle)]  # "with torch.no_grad():"
    assert not leaked, f"reference code found in the runner: {leaked[:5]}"


def test_the_probe_finds_a_reference_when_one_is_there(tmp_path):
    """The check above is not vacuous: a runner given a reference's source is caught."""
    source = (course.reference_dir() / "cross_entropy.py").read_text()
    assert dump_of_runner(default_launcher(), tmp_path, dependencies={"cross_entropy": source})["hits"]


# -- the fixtures behave as the reference does ---------------------------------------------------


@pytest.fixture(scope="module")
def reference():
    course.resolve_exercises_to_reference()
    return lambda name: importlib.import_module(f"exercises.{name}")


def seeded(factory, *args, seed=0):
    torch.manual_seed(seed)
    return factory(*args)


def test_lstm_layer_equals_the_reference(reference):
    theirs, ours = (seeded(cls, 3, 5) for cls in (reference("lstm_layer").LSTMLayer, standins.LSTMLayer))
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    assert all(torch.equal(ours.state_dict()[k], v) for k, v in theirs.state_dict().items())
    ours.load_state_dict(torch.nn.LSTMCell(3, 5).state_dict())
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(2, 4, 3, dtype=torch.float64)
    for state in (None, (torch.randn(2, 5, dtype=torch.float64), torch.randn(2, 5, dtype=torch.float64))):
        ours.double(), theirs.double()
        (o, (h, c)), (o2, (h2, c2)) = ours(x, state), theirs(x, state)
        torch.testing.assert_close((o, h, c), (o2, h2, c2))
        grads = [torch.autograd.grad(out.sum(), list(m.parameters())) for out, m in ((o, ours), (o2, theirs))]
        torch.testing.assert_close(grads[0], grads[1])


def test_embedding_equals_the_reference(reference):
    theirs, ours = (seeded(cls, 7, 4) for cls in (reference("embedding").Embedding, standins.Embedding))
    assert torch.equal(ours.weight, theirs.weight)
    ids = torch.tensor([[0, 6, 6], [2, 3, 0]])
    assert torch.equal(ours(ids), theirs(ids))
    assert torch.equal(ours(ids.int()), theirs(ids.int()))
    (g1,), (g2,) = (torch.autograd.grad(m(ids).pow(2).sum(), [m.weight]) for m in (ours, theirs))
    assert torch.equal(g1, g2)
    assert ours(torch.zeros(0, dtype=torch.long)).shape == (0, 4)
    for bad, error in ((torch.tensor([7]), IndexError), (torch.tensor([-1]), IndexError), (torch.tensor([0.0]), TypeError)):
        for model in (ours, theirs):
            with pytest.raises(error):
                model(bad)


def test_char_lstm_equals_the_reference(reference):
    for sizes in ({}, {"embed_dim": 5, "hidden_dim": 6, "num_layers": 2}):
        theirs = seeded(lambda: reference("char_lstm").CharLSTM(11, **sizes))
        ours = seeded(lambda: standins.CharLSTM(11, **sizes))
        assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
        assert all(torch.equal(ours.state_dict()[k], v) for k, v in theirs.state_dict().items())
        x = torch.randint(0, 11, (2, 5))
        (l1, h1), (l2, h2) = ours(x), theirs(x)
        torch.testing.assert_close((l1, h1), (l2, h2), rtol=0, atol=0)
        torch.testing.assert_close(ours(x, h1)[0], theirs(x, h2)[0], rtol=0, atol=0)


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_equals_the_reference(reference, max_norm):
    def params():
        torch.manual_seed(1)
        ps = [torch.randn(3, 4, requires_grad=True), torch.randn(5, requires_grad=True), torch.randn(2, requires_grad=True)]
        for p in ps[:2]:
            p.grad = torch.randn_like(p)
        return ps

    ours, theirs = params(), params()
    n1 = standins.clip_grad_norm((p for p in ours), max_norm)
    n2 = reference("clip_grad_norm").clip_grad_norm(theirs, max_norm)
    torch.testing.assert_close(n1, n2, rtol=0, atol=0)
    for a, b in zip(ours, theirs):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            torch.testing.assert_close(a.grad, b.grad, rtol=0, atol=0)
    assert torch.equal(standins.clip_grad_norm([torch.zeros(2)], 1.0), torch.tensor(0.0))


def test_no_stand_in_trips_a_later_exercises_runtime_watch(tmp_path):
    """A fixture runs beside student code under the graded exercise's ForbiddenAPIGuard."""
    use = '''
import torch
import exercises
def use():
    done = []
    import importlib
    for name in EARLIER:
        m = importlib.import_module("exercises." + name)
        if hasattr(m, "LSTMLayer"):
            m.LSTMLayer(3, 4)(torch.randn(2, 3, 3)); done.append(name)
        if hasattr(m, "Embedding"):
            m.Embedding(5, 2)(torch.tensor([1, 4])); done.append(name)
        if hasattr(m, "CharLSTM"):
            m.CharLSTM(5, embed_dim=3, hidden_dim=4)(torch.tensor([[1, 2]])); done.append(name)
        if hasattr(m, "clip_grad_norm"):
            p = torch.ones(2, requires_grad=True); p.grad = torch.ones(2)
            m.clip_grad_norm([p], 0.1); done.append(name)
    return done
'''
    order = course.names()
    for exercise in order:
        if not course.forbidden(exercise):
            continue
        earlier = [n for n in order[: order.index(exercise)] if n in standins.FIXTURES]
        (tmp_path / f"{exercise}.py").write_text(f"EARLIER = {earlier!r}\n{use}")
        submission = RemoteExercise(
            default_launcher(), exercise, tmp_path / f"{exercise}.py", forbidden=course.forbidden(exercise), restricted=False,
        )
        try:
            assert submission.use() == earlier
        finally:
            submission.close()


# -- the checker's side of served calls ------------------------------------------------------


def test_a_served_call_and_its_gradient_match_the_reference(reference):
    served = ServedCalls("rnn_forward")
    x, h, wxh, whh, b = (torch.randn(*s, dtype=torch.float64, requires_grad=True) for s in ((2, 3), (2, 4), (3, 4), (4, 4), (4,)))
    reply = served.answer(wire.decode(wire.encode(
        {"op": "serve", "exercise": "rnn_step", "name": "rnn_step", "args": [x, h, wxh, whh, b], "kwargs": {}, "keep": True}
    )))
    expected = reference("rnn_step").rnn_step(x, h, wxh, whh, b)
    torch.testing.assert_close(reply["value"], expected.detach())
    cotangent = torch.randn(2, 4, dtype=torch.float64)
    grads = served.answer({"op": "gradient", "call": reply["call"], "cotangents": [cotangent]})["grads"]
    torch.testing.assert_close(grads, list(torch.autograd.grad(expected, [x, h, wxh, whh, b], cotangent)))


def serve(exercise, name, *args, keep=False, **kwargs):
    return {"op": "serve", "exercise": exercise, "name": name, "args": list(args), "kwargs": kwargs, "keep": keep}


@pytest.mark.parametrize("request_, message", [
    (serve("rnn_forward", "rnn_forward"), "cannot be served"),  # not earlier than the graded exercise
    (serve("generate", "generate"), "cannot be served"),  # later
    (serve("nonsense", "x"), "cannot be served"),
    (serve(["rnn_step"], "rnn_step"), "cannot be served"),
    (serve("rnn_step", "__import__"), "no served function"),
    (serve("lstm_layer", "LSTMLayer"), "cannot be served"),  # a fixture, never served
    (serve("rnn_step", "rnn_step", wire.Handle(1, "Thing")), "plain data"),
    (serve("rnn_step", "rnn_step", keep="yes"), "keep must be a bool"),
    ({"op": "serve", "exercise": "rnn_step", "name": "rnn_step", "args": {}, "kwargs": {}, "keep": False}, "arguments"),
    (serve("rnn_step", "rnn_step", torch.zeros(17 << 20)), "MiB"),
    ({"op": "gradient", "call": 99, "cotangents": []}, "no longer holds"),
    ({"op": "gradient", "call": "1", "cotangents": []}, "no longer holds"),
])
def test_an_invalid_request_is_an_error_reply_not_a_crash(request_, message):
    reply = ServedCalls("rnn_forward").answer(request_)
    assert reply["ok"] is False and message in reply["error"]["message"]


def test_the_reference_raising_is_the_calls_error():
    reply = ServedCalls("char_lstm").answer(serve("char_vocab", "encode", "ab", {"a": 0}))
    assert reply["ok"] is False and reply["error"]["type"] == "KeyError"


def test_a_runner_keeps_a_bounded_number_of_calls(monkeypatch):
    monkeypatch.setattr("autograde.grading.served.MAX_KEPT_CALLS", 3)
    served = ServedCalls("rnn_forward")
    ids = []
    for _ in range(5):
        args = [torch.randn(1, 2, requires_grad=True), torch.randn(1, 2), torch.randn(2, 2), torch.randn(2, 2), torch.randn(2)]
        ids.append(served.answer(serve("rnn_step", "rnn_step", *args, keep=True))["call"])
    assert list(served.kept) == ids[-3:]
    assert served.answer({"op": "gradient", "call": ids[0], "cotangents": [torch.ones(1, 2)]})["ok"] is False
    assert MAX_KEPT_CALLS >= 1000
