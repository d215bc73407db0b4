"""Loading questionnaire files with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from surveys.schema import Questionnaire

BUNDLED_DIR = Path(__file__).parent


class QuestionnaireError(ValueError):
    """A questionnaire that does not load; the message names the source and the field."""


def _where(loc: tuple[Any, ...], data: Any) -> str:
    """Turn pydantic's location into ``sections[0].questions[3].type`` (with the key if known)."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{item}]"]
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, dict) and "key" in node:
                parts[-1] += f"({node['key']})"
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def parse(data: Any, source: str = "<data>") -> Questionnaire:
    """Validate a mapping as a questionnaire, or raise :class:`QuestionnaireError`."""
    if not isinstance(data, dict):
        raise QuestionnaireError(f"{source}: a questionnaire must be a mapping at the top level")
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(x for x in err["loc"] if not str(x).startswith("function-after"))
            lines.append(f"{source}: {_where(loc, data)}: {err['msg']}")
        raise QuestionnaireError("\n".join(lines)) from None


_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (ten times faster), else PyYAML's."""


def read_yaml(text: str) -> Any:
    """``yaml.safe_load`` through :data:`_SAFE_LOADER`: the same documents, read faster."""
    return yaml.load(text, Loader=_SAFE_LOADER)


def load(path: str | Path) -> Questionnaire:
    """Read a YAML (or JSON) questionnaire file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionnaireError(f"{path}: cannot read: {exc}") from None
    try:
        data = read_yaml(text)
    except yaml.YAMLError as exc:
        raise QuestionnaireError(f"{path}: not valid YAML: {exc}") from None
    return parse(data, str(path.name))


def bundled() -> list[Path]:
    """The questionnaires that ship with collector."""
    return sorted(BUNDLED_DIR.glob("*.yaml"))
