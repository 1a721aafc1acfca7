"""The READMEs cannot drift: their examples run and print what they say they print.

Every ```python block of README.md and demos/README.md runs. The blocks of one file run in
order in one namespace, as a reader pastes them into one session, in a temporary working
directory (the files they write land there). What is compared:

* ``print(...)  # text``: the text after ``# `` is what that one print writes;
* a ``print(...)`` with no comment, last in its block, with a ```text block right after the
  code block: that text block is what it writes;
* a ```text block of ``>>> statement`` lines, each followed by an ``Error: message`` line: the
  statement raises that error with that message, exactly.

Printed text is compared exactly; only if that fails, again with a tolerance on numbers (a
different BLAS may change a last digit): the text between numbers must match, whitespace runs
aside (numpy pads columns), and each number may differ from the README's by at most one unit of
the last digit the README shows (where the README shows 0.013, 0.012 to 0.014 pass).

The option names the demos README gives (``--tour``, ``--format png``...) must be options of
the demo they are written under.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import tokenize
from dataclasses import dataclass

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
READMES = ["README.md", os.path.join("demos", "README.md")]
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


@dataclass
class Block:
    language: str
    code: str
    line: int  # where the code starts in the file, 1-based


def blocks(path: str) -> list[Block]:
    """The fenced blocks of a Markdown file, in order."""
    found, language, start, lines = [], None, 0, []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            fence = re.match(r"^```(\w*)\s*$", line)
            if fence and language is None:
                language, start, lines = fence[1] or "text", number + 1, []
            elif fence:
                found.append(Block(language, "".join(lines), start))
                language = None
            elif language is not None:
                lines.append(line)
    return found


def same_output(actual: str, expected: str) -> bool:
    """Exactly the same text, or the same text but for whitespace runs and numbers within one
    unit of the last digit shown in ``expected``."""
    if actual == expected:
        return True
    split_a, split_e = NUMBER.split(actual), NUMBER.split(expected)
    nums_a, nums_e = NUMBER.findall(actual), NUMBER.findall(expected)
    if len(nums_a) != len(nums_e) or [" ".join(s.split()) for s in split_a] != [" ".join(s.split()) for s in split_e]:
        return False
    for a, e in zip(nums_a, nums_e):
        mantissa = re.split(r"[eE]", e)[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        exponent = int(re.split(r"[eE]", e)[1]) if re.search(r"[eE]", e) else 0
        if abs(float(a) - float(e)) > 10.0 ** (exponent - decimals) * (1 + 1e-9):
            return False
    return True


def _comments(code: str) -> dict[int, str]:
    return {tok.start[0]: tok.string[1:].strip() for tok in tokenize.generate_tokens(io.StringIO(code).readline)
            if tok.type == tokenize.COMMENT}


def _is_print(node: ast.stmt) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "print")


def run_block(block: Block, following: Block | None, namespace: dict, where: str) -> int:
    """Run a python block statement by statement; returns the number of outputs compared."""
    tree = ast.parse(block.code)
    comments = _comments(block.code)
    ast.increment_lineno(tree, block.line - 1)  # tracebacks point at the README's own lines
    compared = 0
    for i, node in enumerate(tree.body):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(ast.Module(body=[node], type_ignores=[]), where, "exec"), namespace)
        if not _is_print(node):
            continue
        expected = comments.get(node.end_lineno - block.line + 1)
        if expected is None and i == len(tree.body) - 1 and following is not None and following.language == "text":
            expected = following.code.rstrip("\n")
        if expected is not None:
            actual = out.getvalue().rstrip("\n")
            assert same_output(actual, expected), (
                f"{where}, line {node.end_lineno}: printed\n{actual}\nbut the README shows\n{expected}")
            compared += 1
    return compared


def check_errors(block: Block, namespace: dict, where: str) -> int:
    """A ```text block of '>>> statement' / 'Error: message' pairs: each statement raises that."""
    lines = block.code.rstrip("\n").splitlines()
    assert len(lines) % 2 == 0, f"{where}, line {block.line}: '>>>' lines and error lines must alternate"
    for k in range(0, len(lines), 2):
        statement, shown = lines[k].removeprefix(">>> "), lines[k + 1]
        with pytest.raises(Exception) as raised:  # noqa: B017, PT011 (the README names the type)
            exec(compile(statement, where, "exec"), namespace)
        actual = f"{type(raised.value).__name__}: {raised.value}"
        assert actual == shown, (
            f"{where}, line {block.line + k}: {statement}\nraised {actual}\nbut the README shows {shown}")
    return len(lines) // 2


@pytest.mark.parametrize("readme", READMES)
def test_every_python_example_runs_and_prints_what_the_readme_shows(readme, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    import numpy as np

    np.random.seed(0)  # as a fresh session would be: the examples seed where they need to
    found = blocks(os.path.join(ROOT, readme))
    namespace: dict = {"__name__": "__readme__"}
    ran = compared = 0
    for k, block in enumerate(found):
        where = readme  # tracebacks and messages give the README's own line numbers
        following = found[k + 1] if k + 1 < len(found) else None
        if block.language == "python":
            compared += run_block(block, following, namespace, where)
            ran += 1
        elif block.language == "text" and block.code.startswith(">>> "):
            compared += check_errors(block, namespace, where)
    if readme == "README.md":  # it has examples; demos/README.md has none today (checked all the same)
        assert ran >= 5 and compared >= 12


def test_numbers_are_compared_to_the_last_digit_shown():
    assert same_output("Tensor([0.0753534 , 0.06479234])", "Tensor([0.0753534 , 0.06479234])")
    assert same_output("[0.0134 0.966]", "[0.013 0.966]")
    assert same_output("Tensor([0.07535341, 0.064792345])", "Tensor([0.0753534 , 0.06479234])")
    assert not same_output("Tensor([0.0753536 , 0.06479234])", "Tensor([0.0753534 , 0.06479234])")
    assert not same_output("[0.015 0.966]", "[0.013 0.966]")
    assert not same_output("Tensor(140., grad_fn=<mul>)", "Tensor(140., grad_fn=<add>)")
    assert not same_output("[0.013 0.966 0.965]", "[0.013 0.966]")


def test_the_options_the_demos_readme_names_exist():
    import importlib

    with open(os.path.join(ROOT, "demos", "README.md"), encoding="utf-8") as f:
        text = f.read()
    intro, *sections = re.split(r"^## `python -m demos\.(\w+)`$", text, flags=re.M)
    shared = set(re.findall(r"`[^`]*?(--[\w-]+)", intro))
    assert shared == {"--out", "--seed"}
    checked = 0
    for name, body in zip(sections[::2], sections[1::2]):
        if name == "playground":  # its arguments are Streamlit's: the ones named must be in its --help
            usage = importlib.import_module("demos.playground.__main__").usage()
            named = set(re.findall(r"(--[\w.-]+)", " ".join(re.findall(r"`([^`]*)`", body))))
            assert named and all(option in usage for option in named), f"demos.playground: {sorted(named)}"
            continue
        options = {action for a in importlib.import_module(f"demos.{name}").arguments()._actions
                   for action in a.option_strings}
        named = set(re.findall(r"(--[\w-]+)", " ".join(re.findall(r"`([^`]*)`", body)))) | shared
        assert named <= options, f"demos.{name}: the README names {sorted(named - options)}"
        checked += len(named)
    assert len(sections) // 2 == 6 and checked > 8
