"""``collector new-plugin``: a new plugin's folder, made from ``template/``.

The template is a working plugin (a questionnaire, an exporter, an analysis and a
``response_saved`` handler, with tests on ``collector.testing``); its files end in
``.tmpl`` so that nothing here imports, tests or type-checks them, and ``%%...%%``
marks what is filled in (``PACKAGE`` is the package folder's name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).parent / "template"
COLLECTOR_DISTRIBUTION = "gov-feedback-collector"
"""collector's own distribution name on the package index (the import name is ``collector``)."""

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$")


class ScaffoldError(ValueError):
    """The plugin cannot be made as asked (a bad name, a folder already there)."""


@dataclass(frozen=True)
class PluginNames:
    """What a plugin called ``plugin`` is named in each place."""

    plugin: str  # the entry point's name: collector plugins, PLUGINS_DISABLED
    package: str  # the import package
    distribution: str  # on the package index, and the folder
    slug: str  # its questionnaire

    @classmethod
    def of(cls, name: str) -> PluginNames:
        plugin = name.strip().lower().replace("-", "_")
        if not _NAME.match(plugin):
            raise ScaffoldError(
                f"{name!r} is not a plugin name: use lower-case letters, digits and "
                "underscores or hyphens, starting with a letter (for example taipei_tax)"
            )
        bare = plugin.removeprefix("collector_")
        return cls(
            plugin=bare,
            package=f"collector_{bare}",
            distribution=f"collector-{bare.replace('_', '-')}",
            slug=f"{bare.replace('_', '-')}-satisfaction",
        )

    def fill(self, text: str) -> str:
        title = self.plugin.replace("_", " ").capitalize()
        for token, value in (
            ("%%PLUGIN%%", self.plugin),
            ("%%PACKAGE%%", self.package),
            ("%%DIST%%", self.distribution),
            ("%%SLUG%%", self.slug),
            ("%%TITLE%%", title),
            ("%%COLLECTOR_DIST%%", COLLECTOR_DISTRIBUTION),
        ):
            text = text.replace(token, value)
        return text


def new_plugin(name: str, parent: Path) -> Path:
    """Write the plugin ``name`` into a new folder below ``parent``; that folder."""
    names = PluginNames.of(name)
    target = parent / names.distribution
    if target.exists():
        raise ScaffoldError(f"{target} already exists: choose another name or folder")
    for source in sorted(TEMPLATE.rglob("*.tmpl")):
        relative = source.relative_to(TEMPLATE).with_suffix("")
        parts = [names.package if part == "PACKAGE" else part for part in relative.parts]
        destination = target.joinpath(*parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(names.fill(source.read_text(encoding="utf-8")), encoding="utf-8")
    return target
