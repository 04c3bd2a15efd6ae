"""No code in the package hands text to a parser that runs it (house rule 12).

The scan reads each module's tokens, so a name inside a string or a comment (a docstring that
warns about ``sympify("…")``) does not count, and a method such as ``model.eval()`` or a name such
as ``evaluate(`` is not a call of the builtin ``eval``.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

import convlab

#: functions that parse text by running it, flagged wherever they are called
PARSERS = {"sympify", "parse_expr"}
#: builtins that run text, flagged when called bare (``x.eval()`` is some object's method)
BUILTINS = {"eval", "exec"}
#: ``sp.S(...)`` / ``sympy.S(...)``: ``S`` sympifies its argument
SYMPY_MODULES = {"sp", "sympy"}


def forbidden_calls(source: str) -> list[str]:
    """``"line N: call"`` for each forbidden call among the code tokens of ``source``."""
    kinds = {tokenize.NAME, tokenize.OP}
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type in kinds]
    found = []
    for i, token in enumerate(tokens[:-1]):
        if tokens[i + 1].string != "(":
            continue
        before = [t.string for t in tokens[max(i - 2, 0) : i]]
        previous = before[-1] if before else ""
        bare = previous not in {".", "def"}
        if (
            token.string in PARSERS
            or (token.string in BUILTINS and bare)
            or (token.string == "S" and before[-2:] in ([m, "."] for m in SYMPY_MODULES))
        ):
            found.append(f"line {token.start[0]}: {token.string}(")
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        "sp.sympify(value)",
        "import sympy\nsympy.sympify(value)",
        "from sympy import sympify\nsympify (value)",
        "from sympy.parsing.sympy_parser import parse_expr\nparse_expr(text)",
        "eval(text)",
        "x = 1 + eval (text)",
        "exec(code)",
        "sp.S('1/3')",
        "sympy.S(text)",
    ],
)
def test_the_scanner_flags_each_forbidden_call(snippet):
    assert len(forbidden_calls(snippet)) == 1


@pytest.mark.parametrize(
    "snippet",
    [
        "model.eval()",
        "def eval(self):\n    return self",
        "d.evaluate(eta=1)",
        "evaluate(x)",
        "sp._sympify(x)",
        '"""sympify(text) runs text"""',
        "# eval(text)",
        "sp.Sum(x, (t, 1, sp.oo))",
        "sp.Symbol('S')",
        "self.exec()",
    ],
)
def test_the_scanner_leaves_legitimate_code_alone(snippet):
    assert forbidden_calls(snippet) == []


def test_no_module_of_the_package_calls_a_text_executing_parser():
    package = Path(convlab.__file__).parent
    modules = sorted(package.rglob("*.py"))
    assert package / "symbolic" / "user_input.py" in modules
    found = {
        str(path.relative_to(package)): calls
        for path in modules
        if (calls := forbidden_calls(path.read_text(encoding="utf-8")))
    }
    assert found == {}
