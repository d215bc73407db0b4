"""The base of every staff form: WTForms messages in the interface language."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms.i18n import get_translations

from collector.core.i18n import current_language


class LocalisedForm(FlaskForm):
    """A form whose WTForms messages ("This field is required.") speak the interface
    language, from WTForms' own catalogues (Traditional Chinese: ``zh_TW``)."""

    class Meta:
        def get_translations(self, form: Any) -> Any:
            return get_translations(["zh_TW" if current_language().startswith("zh") else "en"])
