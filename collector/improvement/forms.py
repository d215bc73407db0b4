"""The improvement pages' forms (WTForms). Text fields carry no validators of their own:
``collector.improvement.findings`` and ``service`` check them and every problem is
marked on its field at once, in the interface language."""

from __future__ import annotations

from wtforms import DateField
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField

from collector.core.forms import LocalisedForm


class DetailsForm(LocalisedForm):
    """What an action is: its title, the measure taken, the owner and the due date."""

    title = StringField()
    measure_taken = TextAreaField()
    owner = SelectField(validate_choice=False)
    due_on = DateField()
    version = HiddenField()


class ActionForm(DetailsForm):
    """A new action: the finding it answers, then its details."""

    finding_kind = SelectField(validate_choice=False)
    questionnaire = SelectField(validate_choice=False)
    item = SelectField(validate_choice=False)
    unit = SelectField(validate_choice=False)
    category = SelectField(validate_choice=False)
    reason = SelectField(validate_choice=False)
    wave = StringField()
    measure = SelectField(validate_choice=False)


class StatusForm(LocalisedForm):
    """Moving an action on: the new status, why, and for ``done`` the day it took effect."""

    status = SelectField(validate_choice=False)
    note = TextAreaField()
    done_on = DateField()
    version = HiddenField()


class EvidenceForm(LocalisedForm):
    """A piece of evidence: what it shows, and a link to where it is kept."""

    evidence = TextAreaField()
    link = StringField()
