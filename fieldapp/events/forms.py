"""The event form: big controls for a phone, every rule checked again by the service (services.event_problems)."""

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, ValidationError

from fieldapp import labels
from fieldapp.events.services import EVENT_COUNT_MAX, EVENT_NOTE_MAX, EVENT_TITLE_MAX, EventInput
from fieldapp.models import EVENT_COUNTS, EVENT_KINDS

#: What the interface calls each kind: one table, in labels.py.
KIND_LABELS = labels.EVENT_KINDS
#: The figures of an event, as the form and the list name them: one table, in labels.py.
COUNT_LABELS = labels.EVENT_COUNTS
COUNT_MESSAGE = _l("Enter a number from 0 to %(max)s.", max=f"{EVENT_COUNT_MAX:,}")


def optional_id(value):
    """A picker's id, or None for "none" and for anything that is not a number (refused by the service)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def valid_uuid(_form, field):
    try:
        uuid.UUID(field.data or "")
    except ValueError:
        raise ValidationError(_l("This form is damaged. Reload the page and record the event again.")) from None


def count_field(name):
    return IntegerField(
        COUNT_LABELS[name],
        default=0,
        validators=[InputRequired(message=COUNT_MESSAGE), NumberRange(0, EVENT_COUNT_MAX, message=COUNT_MESSAGE)],
        render_kw={"inputmode": "numeric", "min": 0, "max": EVENT_COUNT_MAX},
    )


class EventForm(FlaskForm):
    client_uuid = HiddenField(validators=[valid_uuid])
    kind = RadioField(
        _l("Kind of event"),
        choices=list(KIND_LABELS.items()),
        validate_choice=False,
        validators=[AnyOf(EVENT_KINDS, message=_l("Pick the kind of event."))],
    )
    title = StringField(
        _l("Title (optional)"),
        validators=[Length(max=EVENT_TITLE_MAX)],
        render_kw={"maxlength": EVENT_TITLE_MAX, "autocomplete": "off"},
    )
    area_id = SelectField(_l("Place"), coerce=optional_id, validate_choice=False)
    site_id = SelectField(_l("School or enterprise (optional)"), coerce=optional_id, validate_choice=False)
    held_at = DateTimeLocalField(
        _l("When"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired(message=_l("Say when the event was held."))],
    )
    team_id = SelectField(_l("Organising team"), coerce=optional_id, validate_choice=False)
    people_reached = count_field("people_reached")
    leaflets = count_field("leaflets")
    posters = count_field("posters")
    letters = count_field("letters")
    app_installs = count_field("app_installs")
    realname_regs = count_field("realname_regs")
    miniprogram_regs = count_field("miniprogram_regs")
    note = TextAreaField(
        _l("Note (optional)"), validators=[Optional(), Length(max=EVENT_NOTE_MAX)], render_kw={"rows": 3}
    )
    photo = FileField(_l("Photo (optional)"), render_kw={"accept": "image/*"})

    def to_input(self) -> EventInput:
        return EventInput(
            kind=self.kind.data or "",
            area_id=self.area_id.data,
            held_at=self.held_at.data,
            title=(self.title.data or "").strip(),
            site_id=self.site_id.data,
            team_id=self.team_id.data,
            note=(self.note.data or "").strip(),
            counts={name: getattr(self, name).data for name in EVENT_COUNTS},
        )


class KindFilterForm(FlaskForm):
    """The list's filter (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), choices=[("", _l("All kinds")), *KIND_LABELS.items()], validate_choice=False)
