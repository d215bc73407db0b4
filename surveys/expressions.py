"""A small, safe subset of XLSForm's expression language.

Questionnaires say when a question is shown (``relevant``) and what makes an
answer acceptable (``constraint``) with the same syntax XLSForm uses, so that a
later XLSForm import/export maps them one to one::

    ${visited_before} = 'yes' and ${age} >= 65
    selected(${channels}, 'web') or not(${score} < 3)
    . >= 0 and . <= 120          (in a constraint, ``.`` is the answer itself)

Expressions compile to a tiny tuple tree that is evaluated here and, exported as
JSON, by the survey page's script; nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Expression", "ExpressionError", "compile_expression"]


class ExpressionError(ValueError):
    """An expression that does not parse or names something unknown."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{(?P<refname>[A-Za-z_][A-Za-z0-9_]*)\})
      | (?P<num>-?\d+(?:\.\d+)?)
      | (?P<str>'[^']*'|"[^"]*")
      | (?P<op><=|>=|!=|=|<|>)
      | (?P<lpar>\()
      | (?P<rpar>\))
      | (?P<comma>,)
      | (?P<dot>\.)
      | (?P<word>[A-Za-z][A-Za-z-]*)
    )""",
    re.VERBOSE,
)

#: A node of the compiled tree: ``(kind, *operands)``, operands being nodes or literals.
Node = tuple[Any, ...]

_FUNCTIONS = {"not": 1, "selected": 2, "count-selected": 1, "string-length": 1}


@dataclass(frozen=True)
class Token:
    kind: str
    value: str
    pos: int


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            # Point at the offending character, not at the blanks before it.
            start = len(text) - len(text[pos:].lstrip())
            raise ExpressionError(f"unexpected character {text[start:][:10]!r} at {start}")
        kind = m.lastgroup or ""
        if kind == "refname":
            kind = "ref"
        value = m.group("refname") if kind == "ref" else m.group(kind)
        # m.start() would include the leading blanks; the token starts at its own group.
        tokens.append(Token(kind, value, m.start(kind)))
        pos = m.end()
    return tokens


def _shown(tok: Token) -> str:
    """A token as it was written, for error messages."""
    return f"${{{tok.value}}}" if tok.kind == "ref" else tok.value


class _Parser:
    """Recursive descent: or > and > comparison > primary."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, kind: str | None = None, value: str | None = None) -> Token:
        tok = self.peek()
        if tok is None:
            raise ExpressionError("the expression ends too early")
        if (kind and tok.kind != kind) or (value and tok.value != value):
            raise ExpressionError(f"unexpected {_shown(tok)!r} at {tok.pos}")
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionError("the expression is empty")
        node = self.or_expr()
        if self.peek() is not None:
            tok = self.peek()
            assert tok is not None
            raise ExpressionError(f"unexpected {_shown(tok)!r} at {tok.pos}")
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while (tok := self.peek()) and tok.kind == "word" and tok.value == "or":
            self.take()
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.comparison()
        while (tok := self.peek()) and tok.kind == "word" and tok.value == "and":
            self.take()
            node = ("and", node, self.comparison())
        return node

    def comparison(self) -> Node:
        node = self.primary()
        if (tok := self.peek()) and tok.kind == "op":
            self.take()
            node = ("cmp", tok.value, node, self.primary())
        return node

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "ref":
            return ("ref", tok.value)
        if tok.kind == "dot":
            return ("self",)
        if tok.kind == "num":
            return ("lit", float(tok.value))
        if tok.kind == "str":
            return ("lit", tok.value[1:-1])
        if tok.kind == "lpar":
            node = self.or_expr()
            self.take("rpar")
            return node
        if tok.kind == "word" and tok.value in ("true", "false"):
            self.take("lpar")
            self.take("rpar")
            return ("lit", tok.value == "true")
        if tok.kind == "word" and tok.value in _FUNCTIONS:
            self.take("lpar")
            args = [self.or_expr()]
            while (nxt := self.peek()) and nxt.kind == "comma":
                self.take()
                args.append(self.or_expr())
            self.take("rpar")
            if len(args) != _FUNCTIONS[tok.value]:
                raise ExpressionError(
                    f"{tok.value}() takes {_FUNCTIONS[tok.value]} argument(s), got {len(args)}"
                )
            return ("call", tok.value, *args)
        raise ExpressionError(f"unexpected {_shown(tok)!r} at {tok.pos}")


def _references(node: Node) -> set[str]:
    if node[0] == "ref":
        return {node[1]}
    found: set[str] = set()
    for part in node[1:]:
        if isinstance(part, tuple):
            found |= _references(part)
    return found


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _normalise(value: Any) -> Any:
    """Answers compare as XLSForm does: lists by their items, others as text or number."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _evaluate(node: Node, answers: Mapping[str, Any], current: Any) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "ref":
        return _normalise(answers.get(node[1]))
    if kind == "self":
        return _normalise(current)
    if kind == "and":
        return bool(_evaluate(node[1], answers, current)) and bool(
            _evaluate(node[2], answers, current)
        )
    if kind == "or":
        return bool(_evaluate(node[1], answers, current)) or bool(
            _evaluate(node[2], answers, current)
        )
    if kind == "cmp":
        left = _evaluate(node[2], answers, current)
        right = _evaluate(node[3], answers, current)
        ln, rn = _as_number(left), _as_number(right)
        if isinstance(left, float | int) or isinstance(right, float | int):
            if ln is None or rn is None:
                return node[1] == "!="
            return _COMPARE[node[1]](ln, rn)
        return _COMPARE[node[1]](str(left), str(right))
    if kind == "call":
        name, args = node[1], node[2:]
        if name == "not":
            return not _evaluate(args[0], answers, current)
        if name == "selected":
            value = _evaluate(args[0], answers, current)
            wanted = str(_evaluate(args[1], answers, current))
            if isinstance(value, list | tuple | set):
                return wanted in {str(v) for v in value}
            return str(value) == wanted
        if name == "count-selected":
            value = _evaluate(args[0], answers, current)
            if isinstance(value, list | tuple | set):
                return float(len(value))
            # A single answer counts as one, as in XLSForm and the page script.
            return 0.0 if value == "" else 1.0
        if name == "string-length":
            return float(len(str(_evaluate(args[0], answers, current))))
    raise ExpressionError(f"cannot evaluate {node!r}")  # pragma: no cover - parser prevents it


@dataclass(frozen=True)
class Expression:
    """A compiled expression: its source text, its tree and the keys it reads."""

    source: str
    tree: Node
    references: frozenset[str]

    def evaluate(self, answers: Mapping[str, Any], current: Any = None) -> bool:
        """True when the expression holds for these answers (``current`` is ``.``)."""
        return bool(_evaluate(self.tree, answers, current))

    def to_json(self) -> Any:
        """The tree as nested lists, for the page script that shows and hides questions."""

        def convert(node: Any) -> Any:
            return [convert(part) for part in node] if isinstance(node, tuple) else node

        return convert(self.tree)


def compile_expression(source: str) -> Expression:
    """Parse ``source`` or raise :class:`ExpressionError` saying where it went wrong."""
    tree = _Parser(source).parse()
    return Expression(source=source, tree=tree, references=frozenset(_references(tree)))
