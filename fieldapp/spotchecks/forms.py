"""The 督察回访 forms: draw a station's round, reassign a check, and answer one from the phone."""

import uuid

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from fieldapp import labels
from fieldapp.forms import within_calendar
from fieldapp.limits import NOTE_MAX
from fieldapp.sites.forms import valid_uuid
from fieldapp.spotchecks.services import PER_VOLUNTEER_MAX

PER_VOLUNTEER_MESSAGE = _l("Draw 1 to %(max)d households per volunteer.", max=PER_VOLUNTEER_MAX)


class DrawForm(FlaskForm):
    week = DateField(
        _l("A day of the week to sample"),
        validators=[InputRequired(message=_l("Enter a date, e.g. 2026-03-02.")), within_calendar],
    )
    per_volunteer = IntegerField(
        _l("Households per volunteer"),
        validators=[
            InputRequired(message=PER_VOLUNTEER_MESSAGE),
            NumberRange(1, PER_VOLUNTEER_MAX, message=PER_VOLUNTEER_MESSAGE),
        ],
        render_kw={"inputmode": "numeric"},
    )
    assign = RadioField(
        _l("Who checks them"),
        choices=[("me", _l("Me")), ("other_team", _l("A member of another team"))],
        default="me",
        validators=[InputRequired(message=_l("Choose who checks the households."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.per_volunteer.data is None and not self.is_submitted():
            self.per_volunteer.data = current_app.config["SPOT_CHECK_PER_VOLUNTEER"]


class ReassignForm(FlaskForm):
    assigned_to_id = SelectField(
        _l("Checked by"), coerce=int, validators=[InputRequired(message=_l("Choose a person of this station."))]
    )


class AnswerForm(FlaskForm):
    client_uuid = HiddenField(validators=[valid_uuid])
    method = RadioField(
        _l("How did you ask?"),
        choices=list(labels.SPOT_CHECK_METHODS.items()),
        validators=[InputRequired(message=_l("Choose how you asked."))],
    )
    result = RadioField(
        _l("What did the household say?"),
        choices=list(labels.SPOT_CHECK_RESULTS.items()),
        validators=[InputRequired(message=_l("Choose what the household said."))],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.client_uuid.data:
            self.client_uuid.data = str(uuid.uuid4())
        if not self.method.data and not self.is_submitted():
            self.method.data = current_app.config["SPOT_CHECK_METHOD"]
