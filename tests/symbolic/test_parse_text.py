"""parse_text: each whitelisted node builds its SymPy counterpart; everything else is refused."""

from __future__ import annotations

import time

import pytest
import sympy as sp

from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.symbolic.user_input import MAX_TEXT_LENGTH, parse_text

x, y = sp.symbols("x y", real=True)
eta = sp.Symbol("eta", positive=True)
FUNCTIONS = {"sqrt": sp.sqrt, "exp": sp.exp, "Max": sp.Max, "mul": lambda a, b: a * b}


def parse(text: str, **options) -> sp.Expr:
    return parse_text("rule", text, functions=FUNCTIONS, **options)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", sp.Integer(3)),
        ("0x10", sp.Integer(16)),
        ("12345678901234567890123", sp.Integer(12345678901234567890123)),
        ("0.1", sp.Rational(1, 10)),
        ("1e-3", sp.Rational(1, 1000)),
        ("2.5E2", sp.Integer(250)),
        ("1_000.5", sp.Rational(2001, 2)),
        (".5", sp.Rational(1, 2)),
        ("x", x),
        ("x + y", x + y),
        ("x - y", x - y),
        ("x * y", x * y),
        ("x / y", x / y),
        ("x ** 2", x**2),
        ("x ** 0.5", sp.sqrt(x)),
        ("-x", -x),
        ("+x", x),
        ("(x + y) * 2", 2 * x + 2 * y),
        ("2 ** -2", sp.Rational(1, 4)),
        ("sqrt(x) + exp(-y)", sp.sqrt(x) + sp.exp(-y)),
        ("Max(x, y, 1)", sp.Max(x, y, 1)),
        ("mul(x, 3)", 3 * x),
        ("  x + 1  ", x + 1),
        ("(x\n + y)", x + y),
        ("η * 2", 2 * sp.Symbol("η", real=True)),
    ],
)
def test_accepted_nodes_build_the_expression(text, expected):
    assert sp.simplify(parse(text) - expected) == 0


def test_an_unlisted_name_is_a_real_symbol_and_a_listed_one_maps():
    assert parse("t").is_real and parse("t") == sp.Symbol("t", real=True)
    assert parse("1 - eta * x", symbols={"eta": eta}) == 1 - eta * x
    assert parse("pi", symbols={"pi": sp.pi}) is sp.pi


def test_decimal_literals_are_exact_rationals():
    assert parse("0.1") + parse("0.2") == parse("0.3")
    assert isinstance(parse("0.1"), sp.Rational)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("__import__('os').system('echo PWNED')", "a call of anything but"),
        ("os.system", "attribute access"),
        ("x.real", "attribute access"),
        ("a[0]", "subscripts"),
        ("'text'", "a str literal"),
        ("b'bytes'", "a bytes literal"),
        ("1j", "a complex literal"),
        ("True", "a bool literal"),
        ("None", "a NoneType literal"),
        ("x < 1", "a comparison"),
        ("x and y", "a boolean operator"),
        ("lambda: 1", "a lambda"),
        ("x if y else 1", "a conditional expression"),
        ("[x for x in y]", "a ListComp expression"),
        ("(x, y)", "a Tuple expression"),
        ("f'{x}'", "an f-string"),
        ("x // 2", "the operator //"),
        ("x % 2", "the operator %"),
        ("x @ y", "the operator @"),
        ("~x", "the operator ~"),
        ("not x", "the operator not"),
        ("sin(x)", "a call of anything but"),
        ("exp(x=1)", "keyword or starred arguments of exp"),
        ("exp(*x)", "keyword or starred arguments of exp"),
        ("sqrt(x, y)", "2 argument(s) for sqrt"),
        ("mul(x)", "1 argument(s) for mul"),
        ("exp", "the function 'exp' without its arguments"),
        ("_x", "the reserved name '_x'"),
        ("__builtins__", "the reserved name '__builtins__'"),
        ("9**9**9", "a numeric exponent beyond 1000"),
        ("x ** 1001", "a numeric exponent beyond 1000"),
        ("sqrt(2) ** (10**9)", "a numeric exponent beyond 1000"),
        ("(2**1000) ** 200", "a power of more than 100000 bits"),
        ("1e5000", "a number beyond 1e±1000"),
        ("-" * 250 + "x", "nesting deeper than 200 levels"),
        ("x" + " + x" * 250, "nesting deeper than 200 levels"),
    ],
)
def test_refused_nodes_name_the_argument_what_and_where(text, refused):
    with pytest.raises(ArgumentError, match="refused") as info:
        parse(text)
    message = str(info.value)
    assert message.startswith("rule: ") and refused in message and "column" in message


def test_the_column_of_the_refused_node_is_given():
    with pytest.raises(ArgumentError, match=r"attribute access at column 5: 'os.system'"):
        parse("x + os.system")
    with pytest.raises(ArgumentError, match=r"attribute access at line 2, column 3"):
        parse("(x\n+ os.y)")


def test_a_reserved_name_is_refused():
    with pytest.raises(ArgumentError, match="the reserved name 'w'"):
        parse("w + 1", reserved={"w"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "a non-empty formula"),
        ("   ", "a non-empty formula"),
        ("x +", r"valid syntax \(invalid syntax at line 1, column"),
        ("(x", r"valid syntax \('\(' was never closed"),
        ("x\n+ y", "valid syntax"),
        ("x = 1", "valid syntax"),
        ("x" * (MAX_TEXT_LENGTH + 1), f"at most {MAX_TEXT_LENGTH} characters"),
        ("1 / 0", "a defined value"),
        ("0 / 0", "a defined value"),
    ],
)
def test_unreadable_text_is_refused(text, expected):
    with pytest.raises(ArgumentError, match=expected):
        parse(text)


@pytest.mark.parametrize("text", [b"x + 1", 1.5, None, ["x"]])
def test_text_must_be_a_str(text):
    with pytest.raises(ArgumentTypeError, match="rule: expected a formula as a str"):
        parse(text)


def test_a_huge_power_is_refused_at_once():
    start = time.perf_counter()
    for text in ("9**9**9", "2**(1000*1000*1000)", "(10**999)**999"):
        with pytest.raises(ArgumentError):
            parse(text)
    assert time.perf_counter() - start < 2.0


def test_the_payload_never_runs(tmp_path):
    marker = tmp_path / "MARKER"
    with pytest.raises(ArgumentError):
        parse(f"__import__('os').system('touch {marker}')")
    assert not marker.exists()


def test_reserved_and_underscore_names_are_refused_even_when_mapped():
    with pytest.raises(ArgumentError, match="the reserved name 'w'"):
        parse("w", symbols={"w": x}, reserved={"w"})
    with pytest.raises(ArgumentError, match="the reserved name '_w'"):
        parse("_w", symbols={"_w": x})


def test_a_long_flat_sum_is_read():
    assert parse(" + ".join(f"x**{k}" for k in range(150))) == sum(x**k for k in range(150))


def test_values_of_symbols_and_results_of_functions_are_checked_too():
    with pytest.raises(ArgumentTypeError, match=r"^symbols\['a'\]: expected a real number"):
        parse("a + 1", symbols={"a": "__import__('os')"})
    with pytest.raises(ArgumentTypeError, match=r"^rule: expected a real number"):
        parse_text("rule", "f(x)", functions={"f": lambda a: "text"})
