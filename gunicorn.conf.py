"""Recommended gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app``."""

from collector.serving import SETTINGS, post_fork  # noqa: F401 - gunicorn reads post_fork

globals().update(SETTINGS)
