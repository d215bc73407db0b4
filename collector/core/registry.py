"""Merging what plugins register, refusing duplicates with a message naming both."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Generic
from typing import TypeVar

import pluggy

T = TypeVar("T")


class PluginConfigurationError(RuntimeError):
    """Start-up refused: duplicate names, unknown plugins, misspelled hooks.

    ``plugins`` names the plugins at fault when it is known (both of two that registered
    the same name): the command line can then leave out the one loaded last.
    """

    def __init__(self, message: str, plugin: str | None = None, *others: str) -> None:
        super().__init__(message)
        self.plugins = tuple(p for p in (plugin, *others) if p is not None)


@dataclass
class Registry(Generic[T]):
    """Things registered under unique names, remembering which plugin gave each."""

    kind: str
    items: dict[str, T] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, item: T, owner: str) -> None:
        if name in self.items:
            raise PluginConfigurationError(
                f"{self.kind} {name!r} is registered by both plugin {self.owners[name]!r} "
                f"and plugin {owner!r}",
                self.owners[name],
                owner,
            )
        self.items[name] = item
        self.owners[name] = owner

    def __getitem__(self, name: str) -> T:
        return self.items[name]

    def __contains__(self, name: object) -> bool:
        return name in self.items

    def __iter__(self) -> Iterator[str]:
        return iter(self.items)

    def values(self) -> Iterable[T]:
        return self.items.values()


def collect(
    pm: pluggy.PluginManager,
    hook_name: str,
    kind: str,
    name_of: Callable[[Any], str],
    convert: Callable[[Any, str], T] | None = None,
) -> Registry[T]:
    """Call every implementation of a ``register_*`` hook and merge the lists by name."""
    registry: Registry[T] = Registry(kind)
    caller = getattr(pm.hook, hook_name)
    # pluggy calls the last registered first; reverse so that core defaults come first.
    for impl in reversed(caller.get_hookimpls()):
        owner = impl.plugin_name
        try:
            result = list(impl.function() or [])
        except Exception as exc:  # a plugin's own bug: name it, and let the rest load
            raise PluginConfigurationError(
                f"its {hook_name} hook raised {type(exc).__name__}: {exc}", owner
            ) from None
        for raw in result:
            item = convert(raw, owner) if convert else raw
            registry.add(name_of(item), item, owner)
    return registry
