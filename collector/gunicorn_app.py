"""Running gunicorn from ``collector serve`` with the settings in collector.serving."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from collector import serving
from collector.app import create_app


class _Application(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)
        self.cfg.set("post_fork", serving.post_fork)

    def load(self) -> Any:
        return create_app()


def run(bind: str | None = None, workers: int | None = None) -> None:
    options = dict(serving.SETTINGS)
    if bind:
        options["bind"] = bind
    if workers:
        options["workers"] = workers
    _Application(options).run()
