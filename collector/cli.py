"""The ``collector`` command: a Flask CLI group over the application factory.

Every other command comes from a plugin's (or a feature's) ``register_commands``;
``serve`` lives here because it starts the server that creates the apps.
"""

from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import FlaskGroup

from collector.app import create_app
from collector.gunicorn_app import run
from collector.jobs.worker import start_beside_server
from collector.jobs.worker import stop_beside_server


def _create_app() -> Flask:
    # Commands decide themselves whether to migrate (``db`` commands must not).
    return create_app({"AUTO_MIGRATE": False})


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """collector: public-service feedback platform."""


@click.command()
@click.option("--bind", default=None, help="host:port (default 127.0.0.1:5000).")
@click.option("--workers", type=int, default=None)
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")
@click.pass_context
def serve(ctx: click.Context, bind: str | None, workers: int | None, dev: bool) -> None:
    """Run the web server (gunicorn with the recommended settings)."""
    if dev:
        host, _, port = (bind or "127.0.0.1:5000").partition(":")
        app = create_app()
        # With the reloader, only its first process starts the job worker.
        beside = None if os.environ.get("WERKZEUG_RUN_MAIN") else start_beside_server(app)
        try:
            app.run(host=host, port=int(port or 5000), debug=True)
        finally:
            stop_beside_server(beside)
        return
    run(bind=bind, workers=workers)


main.add_command(serve)
