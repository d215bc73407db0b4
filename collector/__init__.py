"""collector: a public-service feedback platform (Flask core).

External plugins import from here ``hookimpl`` and ``create_app``, and the base
classes they extend from their features: ``collector.answers.question_types``,
``collector.results.exporters`` and ``collector.results.analyses``. Modules inside
``collector`` never import this package itself, only their own modules.
"""

from __future__ import annotations

from collector.app import create_app
from collector.core.hookspecs import hookimpl

__all__ = ["create_app", "hookimpl"]
