"""The visit form, usable without JavaScript: the client_uuid is minted when the form is rendered."""

import math
import uuid
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from fieldapp import labels
from fieldapp.limits import ACCURACY_RANGE, LAT_RANGE, LON_RANGE, MAX_COUNT, NOTE_MAX
from fieldapp.models import MiniProgram
from fieldapp.visits.rules import VisitInput, program_field

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


def count_field(label, default=0):
    return IntegerField(
        label,
        default=default,
        # The range is checked by visits/rules.py, which knows the door: a school may count more than a household.
        validators=[InputRequired(message=COUNT_MESSAGE)],
        render_kw={"inputmode": "numeric", "min": 0, "max": MAX_COUNT},
    )


def gps_field(low, high):
    return FloatField(
        validators=[Optional(), finite, NumberRange(low, high, message=_l("The location is outside the valid range."))],
    )


class VisitFieldsForm(FlaskForm):
    """What happened at the door: shared by recording and correcting a visit."""

    outcome = RadioField(
        _l("What happened at the door?"),
        choices=OUTCOME_CHOICES,
        validators=[InputRequired(message=_l("Choose what happened at the door."))],
    )
    # Nothing is counted unless entered: "talked, save" records a talk and no install. "Talked, one install"
    # stays three taps (talked, + on installs, save): static/js/visit.js raises people reached along with it.
    people_reached = count_field(_l("People reached"))
    app_installs = count_field(_l("App installs"))
    realname_regs = count_field(_l("Real-name registrations"))
    miniprogram_regs = count_field(_l("Mini-program registrations"))
    notice_signed = BooleanField(_l("Notice signed"))
    receipt_collected = BooleanField(_l("Receipt collected"))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])
    #: The mini-programs counted one by one (see `with_programs`); none: the single field above.
    programs: tuple[MiniProgram, ...] = ()

    @classmethod
    def with_programs(cls, programs):
        """This form with one count per mini-program in place of the single "mini-program registrations"."""
        if not programs:
            return cls
        fields = {program_field(p.id): count_field(_l("%(name)s registrations", name=p.name)) for p in programs}
        return type(cls.__name__, (cls,), {"miniprogram_regs": None, "programs": tuple(programs), **fields})

    def program_counts(self):
        """(program, its count field) for each mini-program on this form."""
        return [(program, self[program_field(program.id)]) for program in self.programs]

    def to_input(self) -> VisitInput:
        # The counts sit on the form whatever the outcome; only a talk carries them.
        talked = self.outcome.data == "talked"
        if self.programs:
            counts = {program.id: field.data for program, field in self.program_counts()} if talked else {}
            return self._input(talked, 0, counts)
        return self._input(talked, self.miniprogram_regs.data if talked else 0, {})

    def _input(self, talked: bool, miniprogram_regs: int, program_regs: dict[int, int]) -> VisitInput:
        return VisitInput(
            outcome=self.outcome.data,
            people_reached=self.people_reached.data if talked else 0,
            app_installs=self.app_installs.data if talked else 0,
            realname_regs=self.realname_regs.data if talked else 0,
            miniprogram_regs=miniprogram_regs,
            program_regs=program_regs,
            notice_signed=self.notice_signed.data and talked,
            receipt_collected=self.receipt_collected.data and talked,
            note=(self.note.data or "").strip(),
        )


class CorrectionForm(VisitFieldsForm):
    reason = TextAreaField(
        _l("Reason for the correction"),
        validators=[InputRequired(message=_l("Say why the visit is corrected.")), Length(max=NOTE_MAX)],
    )


class VisitForm(VisitFieldsForm):
    client_uuid = HiddenField(validators=[valid_uuid])
    # Filled in by static/js/visit.js when the phone gives a position; absent means "no GPS".
    lat = gps_field(*LAT_RANGE)
    lon = gps_field(*LON_RANGE)
    accuracy_m = gps_field(*ACCURACY_RANGE)
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
        data = super().to_input()
        data.lat, data.lon, data.accuracy_m = self.lat.data, self.lon.data, self.accuracy_m.data
        # The page stamps the phone's clock as it sends the form: recorded and sent are the same moment.
        data.device_time = data.sent_time = self.parsed_device_time()
        return data
