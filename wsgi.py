"""WSGI entry point: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Production: the app refuses to start without ``PUBLIC_BASE_URL`` (docs/deployment.md).
"""

from collector import create_app

app = create_app(production=True)
