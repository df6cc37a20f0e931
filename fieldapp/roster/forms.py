"""Forms of the roster: one household's facts, and the roster file to import."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from fieldapp import labels
from fieldapp.limits import FLOOR_RANGE, MAX_RESIDENTS, ROOM_MAX, UNIT_MAX
from fieldapp.roster.services import SiteInput

FLOOR_MESSAGE = _l("Enter a floor from %(low)d to %(high)d.", low=FLOOR_RANGE[0], high=FLOOR_RANGE[1])


class SiteForm(FlaskForm):
    """A door of the building: where it is, who lives there, whether they still do."""

    unit = StringField(_l("Unit (单元)"), validators=[Optional(), Length(max=UNIT_MAX)])
    floor = IntegerField(
        _l("Floor"),
        validators=[Optional(), NumberRange(*FLOOR_RANGE, message=FLOOR_MESSAGE)],
        render_kw={"inputmode": "numeric"},
    )
    room = StringField(
        _l("Room"), validators=[InputRequired(message=_l("Enter the room number.")), Length(max=ROOM_MAX)]
    )
    residents = IntegerField(
        _l("Residents"),
        default=1,
        validators=[
            InputRequired(message=_l("Enter how many people live here.")),
            NumberRange(0, MAX_RESIDENTS, message=_l("Enter a whole number from 0 to %(max)d.", max=MAX_RESIDENTS)),
        ],
        render_kw={"inputmode": "numeric"},
    )
    kind = SelectField(_l("Kind"), choices=list(labels.SITE_KINDS.items()), default="household")
    status = SelectField(_l("Status"), choices=list(labels.SITE_STATUSES.items()), default="new")
    contact_phone = StringField(
        _l("Contact phone (optional)"),
        validators=[Optional(), Regexp(r"^\+?[0-9 -]{5,20}$", message=_l("Enter a phone number of digits only."))],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )

    def to_input(self) -> SiteInput:
        phone = (self.contact_phone.data or "").replace(" ", "").replace("-", "")
        return SiteInput(
            unit=(self.unit.data or "").strip().removesuffix("单元"),
            room=self.room.data.strip(),
            floor=self.floor.data,
            residents=self.residents.data,
            kind=self.kind.data,
            status=self.status.data,
            contact_phone=phone or None,
        )


class ImportForm(FlaskForm):
    file = FileField(_l("Roster file (.csv or .xlsx)"), validators=[FileRequired(message=_l("Choose a file."))])
