"""The warning forms: enter one by hand, import a file, route one, and record a follow-up step from the phone."""

import uuid
from datetime import UTC

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from fieldapp import labels
from fieldapp.limits import ACCURACY_RANGE, INT32_MAX, LAT_RANGE, LON_RANGE, NOTE_MAX, WARNING_FIELD_MAX
from fieldapp.sites.forms import gps_field, valid_uuid
from fieldapp.visits.clock import deployment_zone
from fieldapp.warnings.corrections import REASON_MAX
from fieldapp.warnings.deadlines import now

AREA_MESSAGE = _l("Choose an area inside yours.")


def local_now_text() -> str:
    """Now, in local time as the field expects it (by the warnings' clock, which tests move)."""
    return now().replace(tzinfo=UTC).astimezone(deployment_zone()).strftime("%Y-%m-%d %H:%M")


class RoutingFields(FlaskForm):
    area_id = SelectField(_l("Area"), coerce=int, validators=[InputRequired(message=AREA_MESSAGE)])
    assigned_to_id = SelectField(_l("Assigned to"), coerce=int, default=0)


class WarningForm(RoutingFields):
    external_id = StringField(_l("Warning number"), validators=[Optional(), Length(max=64)])
    received_at = StringField(
        _l("Received"),
        default=local_now_text,
        validators=[InputRequired(), Length(max=40)],
        render_kw={"inputmode": "numeric"},
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)], render_kw={"inputmode": "tel"})
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=40)])
    source = StringField(_l("Source"), default="", validators=[Optional(), Length(max=40)])


class ImportWarningsForm(FlaskForm):
    file = FileField(_l("Warnings file (.csv or .xlsx)"), validators=[FileRequired(message=_l("Choose a file."))])
    area_id = SelectField(
        _l("Warnings no household is found for go to"), coerce=int, validators=[InputRequired(message=AREA_MESSAGE)]
    )


class RouteForm(RoutingFields):
    pass


def strip(value):
    return value.strip() if isinstance(value, str) else value


class WithdrawForm(FlaskForm):
    reason = StringField(
        _l("Why is it withdrawn?"),
        validators=[
            InputRequired(message=_l("Say why the warning is withdrawn.")),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters.", max=REASON_MAX)),
        ],
        render_kw={"placeholder": _l("e.g. retracted by the platform, entered twice")},
    )


class CorrectForm(FlaskForm):
    """The facts the platform may have got wrong. The phone is never shown in full: blank keeps it."""

    phone = StringField(
        _l("Phone"),
        validators=[Optional(), Length(max=30)],
        render_kw={"inputmode": "tel", "autocomplete": "off", "placeholder": _l("Leave empty to keep the number")},
    )
    address = StringField(
        _l("Address"), validators=[Optional(), Length(max=WARNING_FIELD_MAX["address"])], filters=[strip]
    )
    category = StringField(
        _l("Category"), validators=[Optional(), Length(max=WARNING_FIELD_MAX["category"])], filters=[strip]
    )


CALL_RESULTS = [(key, labels.STEP_RESULTS[key]) for key in ("reached", "not_reached")]
VISIT_RESULTS = [(key, labels.STEP_RESULTS[key]) for key in ("done", "refused", "not_found")]


class StepForm(FlaskForm):
    client_uuid = HiddenField(validators=[valid_uuid])
    step = HiddenField()
    result = RadioField(
        _l("What happened?"),
        choices=CALL_RESULTS + VISIT_RESULTS,
        validators=[InputRequired(message=_l("Choose what happened."))],
    )
    money_stopped = RadioField(
        _l("Money stopped?"),
        choices=[("", _l("Not known")), ("yes", _l("Yes")), ("no", _l("No"))],
        default="",
        validators=[Optional()],
    )
    amount_stopped = IntegerField(
        _l("Amount stopped (yuan)"),
        validators=[Optional(), NumberRange(0, INT32_MAX, message=_l("Enter the amount in yuan, a whole number."))],
        render_kw={"inputmode": "numeric"},
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX)])
    # Filled in by static/js/visit.js, as on the visit form; absent means "no GPS".
    lat = gps_field(*LAT_RANGE)
    lon = gps_field(*LON_RANGE)
    accuracy_m = gps_field(*ACCURACY_RANGE)
    device_time = HiddenField()

    def __init__(self, *args, step: str = "call", **kwargs):
        super().__init__(*args, **kwargs)
        if not self.client_uuid.data:
            self.client_uuid.data = str(uuid.uuid4())
        if not self.step.data:
            self.step.data = step
        self.result.choices = CALL_RESULTS if self.step.data == "call" else VISIT_RESULTS
