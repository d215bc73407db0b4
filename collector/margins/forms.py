"""The margins' forms: one variable's counts, and a CSV upload.

The count fields carry no WTForms validators: ``collector.margins.validation`` checks
them, the same rules as a CSV's rows, and the view marks every failing field.
A variable's form is built at run time with one field per category (a district list
of the agency's own: name-and-count rows).
"""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import HiddenField
from wtforms import StringField
from wtforms import TextAreaField

from collector.core.forms import LocalisedForm
from collector.margins.categories import Scheme

FREE_ROWS = 20
"""How many district rows the form offers when the agency lists its own districts."""


class VariableForm(LocalisedForm):
    """Counts of one variable; fields ``count_<i>`` (and ``name_<i>`` for a free list)."""

    unit = HiddenField()
    source = TextAreaField()


class UploadForm(LocalisedForm):
    file = FileField()
    source = TextAreaField()


def variable_form_class(scheme: Scheme, rows: int) -> type[VariableForm]:
    """A form class with a count field per category of ``scheme`` (``rows`` free rows
    with a name field each when the agency lists its own categories)."""

    class Form(VariableForm):
        pass

    if scheme.categories is None:
        for i in range(rows):
            setattr(Form, f"name_{i}", StringField())
            setattr(Form, f"count_{i}", StringField())
    else:
        for i, _ in enumerate(scheme.categories):
            setattr(Form, f"count_{i}", StringField())
    return Form
