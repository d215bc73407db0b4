"""The XLSForm-subset expressions used by ``relevant`` and ``constraint``."""

from __future__ import annotations

import json
import re

import pytest

from surveys.expressions import Expression
from surveys.expressions import ExpressionError
from surveys.expressions import compile_expression


def ev(source: str, answers: dict | None = None, current: object = None) -> bool:
    return compile_expression(source).evaluate(answers or {}, current)


def as_tuples(node: object) -> object:
    return tuple(as_tuples(part) for part in node) if isinstance(node, list) else node


# -- parsing ----------------------------------------------------------------------------


def test_comparison_tree_and_references() -> None:
    expr = compile_expression("${visited} = 'yes'")
    assert isinstance(expr, Expression)
    assert expr.source == "${visited} = 'yes'"
    assert expr.tree == ("cmp", "=", ("ref", "visited"), ("lit", "yes"))
    assert expr.references == frozenset({"visited"})


@pytest.mark.parametrize(
    ("source", "literal"),
    [
        ("${a} = 65", 65.0),
        ("${a} = -1.5", -1.5),
        ("${a} = 'text'", "text"),
        ('${a} = "double quoted"', "double quoted"),
        ("${a} = ''", ""),
        ("${a} = '和平'", "和平"),
    ],
)
def test_literals(source: str, literal: object) -> None:
    tree = compile_expression(source).tree
    assert tree[3] == ("lit", literal)
    assert type(tree[3][1]) is type(literal)


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_every_comparison_operator_parses(op: str) -> None:
    assert compile_expression(f"${{a}} {op} 1").tree[1] == op


def test_spacing_does_not_matter() -> None:
    assert (
        compile_expression("${a}>=1and${b}!='x'").tree
        == compile_expression("  ${a} >= 1   and ${b} != 'x'  ").tree
    )


def test_true_and_false_are_functions() -> None:
    assert compile_expression("true()").tree == ("lit", True)
    assert compile_expression("false()").tree == ("lit", False)
    assert ev("true()") is True
    assert ev("false()") is False


def test_references_collect_every_name_once() -> None:
    expr = compile_expression(
        "selected(${channels}, 'web') or (${age} >= 65 and not(${age} > 120)) "
        "or string-length(${note}) > 0"
    )
    assert expr.references == frozenset({"channels", "age", "note"})


def test_dot_is_not_a_reference() -> None:
    expr = compile_expression(". >= 0 and . <= 120")
    assert expr.references == frozenset()
    assert expr.tree[1] == ("cmp", ">=", ("self",), ("lit", 0.0))


# -- precedence -------------------------------------------------------------------------


def test_and_binds_tighter_than_or() -> None:
    tree = compile_expression("${a} = 1 or ${b} = 2 and ${c} = 3").tree
    assert tree[0] == "or"
    assert tree[1] == ("cmp", "=", ("ref", "a"), ("lit", 1.0))
    assert tree[2][0] == "and"
    # a true, b and c false: or(a, and(b, c)) is true; (a or b) and c would be false.
    assert ev("${a} = 1 or ${b} = 2 and ${c} = 3", {"a": 1, "b": 0, "c": 0}) is True


def test_parentheses_override_precedence() -> None:
    source = "(${a} = 1 or ${b} = 2) and ${c} = 3"
    assert compile_expression(source).tree[0] == "and"
    assert ev(source, {"a": 1, "b": 0, "c": 0}) is False
    assert ev(source, {"a": 1, "b": 0, "c": 3}) is True


def test_or_and_and_associate_to_the_left() -> None:
    tree = compile_expression("${a} = 1 or ${b} = 1 or ${c} = 1").tree
    assert tree[0] == "or" and tree[1][0] == "or" and tree[2][2] == ("ref", "c")
    tree = compile_expression("${a} = 1 and ${b} = 1 and ${c} = 1").tree
    assert tree[0] == "and" and tree[1][0] == "and" and tree[2][2] == ("ref", "c")


def test_comparison_binds_tighter_than_and() -> None:
    tree = compile_expression("${a} > 1 and ${b} < 2").tree
    assert tree[0] == "and"
    assert tree[1][0] == "cmp" and tree[2][0] == "cmp"


def test_not_applies_to_its_argument_only() -> None:
    tree = compile_expression("not(${a} = 1) and ${b} = 1").tree
    assert tree[0] == "and"
    assert tree[1] == ("call", "not", ("cmp", "=", ("ref", "a"), ("lit", 1.0)))
    assert ev("not(${a} = 1) and ${b} = 1", {"a": 2, "b": 1}) is True
    assert ev("not(${a} = 1 and ${b} = 1)", {"a": 1, "b": 2}) is True
    assert ev("not(${a} = 1 and ${b} = 1)", {"a": 1, "b": 1}) is False


# -- every function -----------------------------------------------------------------------


def test_not() -> None:
    assert ev("not(${a} = 'x')", {"a": "x"}) is False
    assert ev("not(${a} = 'x')", {"a": "y"}) is True
    assert ev("not(true())") is False


def test_selected_on_a_multiple_choice_list() -> None:
    answers = {"channels": ["web", "phone"]}
    assert ev("selected(${channels}, 'web')", answers) is True
    assert ev("selected(${channels}, 'counter')", answers) is False
    assert ev("selected(${channels}, 'we')", answers) is False  # whole values, not substrings


def test_selected_on_a_single_value_and_when_missing() -> None:
    assert ev("selected(${channel}, 'web')", {"channel": "web"}) is True
    assert ev("selected(${channel}, 'web')", {"channel": "phone"}) is False
    assert ev("selected(${channel}, 'web')", {}) is False


def test_count_selected() -> None:
    assert ev("count-selected(${c}) = 2", {"c": ["a", "b"]}) is True
    assert ev("count-selected(${c}) >= 3", {"c": ["a", "b"]}) is False
    assert ev("count-selected(${c}) = 0", {"c": []}) is True
    assert ev("count-selected(${c}) = 0", {}) is True
    # A single answer counts as one, as in XLSForm and the page script (survey.js).
    assert ev("count-selected(${c}) = 1", {"c": "a"}) is True


def test_string_length() -> None:
    assert ev("string-length(${note}) = 5", {"note": "hello"}) is True
    assert ev("string-length(${note}) = 3", {"note": "臺北市"}) is True
    # 𠊎 is one character, not two UTF-16 units.
    assert ev("string-length(${note}) = 1", {"note": "𠊎"}) is True
    assert ev("string-length(${note}) = 0", {}) is True


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("not(${a}, ${b})", "not() takes 1 argument(s), got 2"),
        ("selected(${a})", "selected() takes 2 argument(s), got 1"),
        ("count-selected(${a}, 'x')", "count-selected() takes 1 argument(s), got 2"),
        ("string-length(${a}, ${b})", "string-length() takes 1 argument(s), got 2"),
    ],
)
def test_wrong_number_of_arguments(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        compile_expression(source)


# -- numbers, text and missing answers -----------------------------------------------------


def test_numbers_compare_as_numbers() -> None:
    # As text, "10" < "9"; as numbers it is larger.
    assert ev("${n} > 9", {"n": 10}) is True
    assert ev("${n} > 9", {"n": "10"}) is True
    assert ev("${n} <= 9.5", {"n": 9.5}) is True
    assert ev("${n} = 5", {"n": "5.0"}) is True


def test_text_compares_as_text_when_no_side_is_a_number() -> None:
    assert ev("${s} > '9'", {"s": "10"}) is False
    assert ev("${s} = '05'", {"s": "05"}) is True
    assert ev("${s} = '5'", {"s": "05"}) is False


def test_a_numeric_answer_equals_a_quoted_number() -> None:
    # A likert5 answer is stored as the integer 4; a questionnaire may quote it.
    assert ev("${q} = '4'", {"q": 4}) is True
    assert ev("${q} = '4'", {"q": 5}) is False


def test_text_that_is_not_a_number_never_equals_a_number() -> None:
    assert ev("${s} = 3", {"s": "abc"}) is False
    assert ev("${s} < 3", {"s": "abc"}) is False
    assert ev("${s} != 3", {"s": "abc"}) is True
    assert ev("${s} = 1", {"s": ["1"]}) is False  # a list is not a number


def test_missing_answers() -> None:
    assert ev("${age} >= 65", {}) is False
    assert ev("${age} < 65", {}) is False
    assert ev("${age} != 65", {}) is True
    assert ev("${a} = ''", {}) is True
    assert ev("${a} = ''", {"a": None}) is True
    assert ev("${a} = 'x'", {}) is False
    assert ev("not(${a} = 'x')", {}) is True
    assert ev("${a}", {}) is False  # an empty answer is false ...
    assert ev("${a}", {"a": "no"}) is True  # ... any other answer is true, as in XPath


def test_boolean_answers_read_as_yes_and_no() -> None:
    assert ev("${agree} = 'yes'", {"agree": True}) is True
    assert ev("${agree} = 'no'", {"agree": False}) is True
    assert ev("${agree} = 'yes'", {"agree": False}) is False


def test_and_or_short_circuit_to_booleans() -> None:
    assert ev("${a} = 1 and ${b} = 1", {"a": 1, "b": 1}) is True
    assert ev("${a} = 1 and ${b} = 1", {"a": 1, "b": 2}) is False
    assert ev("${a} = 1 or ${b} = 1", {"a": 2, "b": 1}) is True
    assert ev("${a} = 1 or ${b} = 1", {"a": 2, "b": 2}) is False


# -- '.' in constraints -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"), [(0, True), (30, True), (120, True), (-1, False), (121, False)]
)
def test_dot_is_the_answer_being_checked(value: int, ok: bool) -> None:
    assert ev(". >= 0 and . <= 120", {}, current=value) is ok


def test_dot_with_functions_and_other_answers() -> None:
    assert ev("string-length(.) <= 5", current="abcde") is True
    assert ev("string-length(.) <= 5", current="abcdef") is False
    assert ev("selected(., 'web')", current=["web", "phone"]) is True
    assert ev("count-selected(.) <= 2", current=["a", "b", "c"]) is False
    assert ev(". <= ${total}", {"total": 10}, current=7) is True
    assert ev(". <= ${total}", {"total": 10}, current=11) is False
    assert ev(". = ''", {}, current=None) is True


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "the expression is empty"),
        ("   ", "the expression is empty"),
        ("${a} =", "the expression ends too early"),
        ("(${a} = 1", "the expression ends too early"),
        ("selected(${a}, 'x'", "the expression ends too early"),
        ("${a} = = 1", "unexpected '=' at 7"),
        ("${a} = 1)", "unexpected ')' at 8"),
        ("1 < 2 < 3", "unexpected '<' at 6"),
        ("foo(1)", "unexpected 'foo' at 0"),
        ("${a} = yes", "unexpected 'yes' at 7"),
        ("not ${a}", "unexpected '${a}' at 4"),
        ("${a} = 1 ${b} = 2", "unexpected '${b}' at 9"),
        ("${a} == 1", "unexpected '=' at 6"),
        ("and ${a}", "unexpected 'and' at 0"),
    ],
)
def test_syntax_errors_say_what_and_where(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(source)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("source", "bad", "position"),
    [
        ("${a} = 'x' & 1", "& 1", 11),
        ("${a} = 'unclosed", "'unclosed", 7),
        ("${a b} = 1", "${a b} = 1", 0),
        ("${a} = 1 + 2", "+ 2", 9),
        ("   $a = 1", "$a = 1", 3),
    ],
)
def test_unexpected_characters_point_at_the_character(source: str, bad: str, position: int) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(source)
    assert str(info.value) == f"unexpected character {bad[:10]!r} at {position}"
    assert source[position:].startswith(bad[:10])


def test_expression_error_is_a_value_error() -> None:
    assert issubclass(ExpressionError, ValueError)


# -- JSON for the page script ---------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "${visited} = 'yes'",
        ". >= 0 and . <= 120",
        "selected(${channels}, 'web') or not(count-selected(${channels}) > 2)",
        "(${a} = 1 or ${b} != 'x') and string-length(${c}) < 10 and true()",
    ],
)
def test_to_json_round_trips(source: str) -> None:
    expr = compile_expression(source)
    data = json.loads(json.dumps(expr.to_json()))
    assert as_tuples(data) == expr.tree


def test_to_json_structure() -> None:
    expr = compile_expression("${a} = 'x' and not(selected(${b}, 'y'))")
    assert expr.to_json() == [
        "and",
        ["cmp", "=", ["ref", "a"], ["lit", "x"]],
        ["call", "not", ["call", "selected", ["ref", "b"], ["lit", "y"]]],
    ]
    assert compile_expression(". > 1").to_json() == ["cmp", ">", ["self"], ["lit", 1.0]]
