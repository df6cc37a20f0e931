"""The visit form, usable without JavaScript: the client_uuid is minted when the form is rendered."""

import math
import uuid
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from fieldapp import labels
from fieldapp.sites.services import MAX_COUNT, VisitInput

OUTCOME_CHOICES = list(labels.OUTCOMES.items())

COUNT_MESSAGE = _l("Enter a whole number from 0 to %(max)d.", max=MAX_COUNT)


def finite(_form, field):
    """NaN and infinity parse as floats but are not places on Earth."""
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(_l("The location is outside the valid range."))


def valid_uuid(_form, field):
    try:
        uuid.UUID(field.data or "")
    except ValueError:
        raise ValidationError(_l("This form is damaged. Reload the page and record the visit again.")) from None


def count_field(label):
    return IntegerField(
        label,
        default=0,
        validators=[InputRequired(message=COUNT_MESSAGE), NumberRange(0, MAX_COUNT, message=COUNT_MESSAGE)],
        render_kw={"inputmode": "numeric", "min": 0, "max": MAX_COUNT},
    )


def gps_field(low, high):
    return FloatField(
        validators=[Optional(), finite, NumberRange(low, high, message=_l("The location is outside the valid range."))],
    )


class VisitForm(FlaskForm):
    client_uuid = HiddenField(validators=[valid_uuid])
    outcome = RadioField(
        _l("What happened at the door?"),
        choices=OUTCOME_CHOICES,
        validators=[InputRequired(message=_l("Choose what happened at the door."))],
    )
    people_reached = count_field(_l("People reached"))
    app_installs = count_field(_l("App installs"))
    realname_regs = count_field(_l("Real-name registrations"))
    miniprogram_regs = count_field(_l("Mini-program registrations"))
    notice_signed = BooleanField(_l("Notice signed"))
    receipt_collected = BooleanField(_l("Receipt collected"))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])
    # Filled in by static/js/visit.js when the phone gives a position; absent means "no GPS".
    lat = gps_field(-90, 90)
    lon = gps_field(-180, 180)
    accuracy_m = gps_field(0, 1_000_000)
    device_time = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.client_uuid.data:
            self.client_uuid.data = str(uuid.uuid4())

    def parsed_device_time(self) -> datetime | None:
        """The phone's clock as naive UTC; an unreadable value means "unknown", never an error."""
        try:
            moment = datetime.fromisoformat((self.device_time.data or "").strip())
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
        return moment.astimezone(UTC).replace(tzinfo=None)

    def to_input(self) -> VisitInput:
        return VisitInput(
            outcome=self.outcome.data,
            people_reached=self.people_reached.data,
            app_installs=self.app_installs.data,
            realname_regs=self.realname_regs.data,
            miniprogram_regs=self.miniprogram_regs.data,
            notice_signed=self.notice_signed.data,
            receipt_collected=self.receipt_collected.data,
            note=(self.note.data or "").strip(),
            lat=self.lat.data,
            lon=self.lon.data,
            accuracy_m=self.accuracy_m.data,
            device_time=self.parsed_device_time(),
        )
