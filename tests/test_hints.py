"""No hint, code hint, message, mistake's fix or stub docstring gives away a line of the reference.

A hint is shown to a student who has not solved the exercise yet: if it holds a line of the
solution, copying it is all the exercise asks. Lines are compared with whitespace removed, so
reformatting a hint does not slip a line past the check.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from autograde.grading import course

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = course.exercises()

TRIVIAL = re.compile(
    r"[\w.,]*"  # a name, or names to unpack (h_prev, c_prev = state)
    r"|[\w.,]+=(None|\[\]|[\w.]+)"  # a name bound to None, [] or another name
    r"|(with)?[\w.]+\(\w*\):?"  # a call with at most a name for argument: loss.backward(), model.train(mode)
    r"|(for|if|elif|while|with|else|try|finally)\b.*:"  # a statement's header: the work is in its body
    r"|raise\b.*|f?\".*\"|super\(\).__init__\(\)|[\w.]+\($"
)
"""Lines that give nothing away: names, calls the contract itself names, headers, messages."""


def squeezed(text: str) -> str:
    """``text`` with the spaces Python ignores taken out: "if x == 0:" -> "if x==0:"."""
    return re.sub(r"(?<=\W) | (?=\W)", "", re.sub(r"\s+", " ", text)).strip()


def reference_lines(exercise: str) -> list[str]:
    """The substantial code lines of the reference: no imports, signatures, docstrings or comments."""
    source = (course.reference_dir() / f"{exercise}.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            skipped.update(range(node.lineno, node.end_lineno + 1))
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            skipped.update(range(node.lineno, node.body[0].lineno))
            skipped.update(d.lineno for d in node.decorator_list)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node) is not None:
            skipped.update(range(node.body[0].lineno, node.body[0].end_lineno + 1))
    code: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            code[token.start[0]] = code.get(token.start[0], "") + " " + token.string
    lines = []
    for number, text in code.items():
        if number in skipped:
            continue
        text = squeezed(text).removeprefix("return ")
        bound = re.fullmatch(r"[\w.,\[\]]+=(?!=)(.+)", text)  # the right-hand side alone gives it away too
        for candidate in (text, bound.group(1)) if bound else (text,):
            if not TRIVIAL.fullmatch(candidate) and len(candidate) >= 8:
                lines.append(candidate)
    return lines


def hints_of(exercise: str) -> list[tuple[str, str]]:
    """(where, text) of every hint and code hint of the exercise's grader."""
    tree = ast.parse((ROOT / "graders" / f"test_{exercise}.py").read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("mark.points"):
                    found += [
                        (f"{node.name} {k.arg}=", k.value.value)
                        for k in decorator.keywords
                        if k.arg in ("hint", "code_hint") and isinstance(k.value, ast.Constant)
                    ]
    return found


def messages_of(exercise: str) -> list[tuple[str, str]]:
    """(where, text) of the strings of the grader and of the catalogues it imports: its messages,
    and the fixes of the mistakes it can name (a fix is a hint too). Docstrings are left out:
    no student sees a grader's."""
    grader = ROOT / "graders" / f"test_{exercise}.py"
    modules = [grader] + [
        ROOT / "graders" / f"{node.module.removeprefix('graders.')}.py"
        for node in ast.walk(ast.parse(grader.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("graders.")
    ]
    found = []
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node) is not None
        }
        found += [
            (f"a string of graders/{module.name} at line {node.lineno}", node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        ]
    return found


def docstrings_of(exercise: str) -> list[tuple[str, str]]:
    tree = ast.parse((course.package_dir("exercises") / f"{exercise}.py").read_text(encoding="utf-8"))
    return [
        (f"the docstring of {getattr(node, 'name', 'the module')}", ast.get_docstring(node))
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node)
    ]


def test_the_reference_has_lines_to_compare():
    assert "torch.cat([h_prev,x_t],dim=1)" in reference_lines("rnn_step_fused")


@pytest.mark.parametrize("exercise", EXERCISES)
def test_no_hint_message_or_stub_docstring_holds_a_line_of_the_reference(exercise):
    lines = reference_lines(exercise)
    leaks = [
        f"{where} holds {line!r}"
        for where, text in hints_of(exercise) + messages_of(exercise) + docstrings_of(exercise)
        for line in lines
        if line in squeezed(text)
    ]
    assert not leaks, "\n".join(leaks)
