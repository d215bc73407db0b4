"""Running gunicorn from ``collector serve`` with the settings in collector.serving; on
an address other than this machine's it is production (``create_app(production=True)``)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from collector import serving
from collector.app import create_app
from collector.core.links import public_base


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
        bind = str(self.options.get("bind") or "")
        app = create_app(production=not serving.on_loopback(bind))
        if not app.config["PUBLIC_BASE_URL"]:
            app.logger.warning(
                "PUBLIC_BASE_URL is not set: links point to %s (a trial on this machine); "
                "set it before serving anyone else (docs/deployment.md)",
                public_base(app),
            )
        return app


def run(bind: str | None = None, workers: int | None = None) -> None:
    options = dict(serving.SETTINGS)
    if bind:
        options["bind"] = bind
    if workers:
        options["workers"] = workers
    _Application(options).run()
