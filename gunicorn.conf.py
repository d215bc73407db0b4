"""Recommended gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app``.

They live in collector.serving (shared with ``collector serve``); the worker and
thread counts can be changed with COLLECTOR_WORKERS and COLLECTOR_THREADS.
"""

from collector.serving import SETTINGS

globals().update(SETTINGS)  # includes the pre_fork/post_fork hooks
