"""Forms of the roster: one household's facts, and the roster file to import."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from fieldapp import labels
from fieldapp.limits import FLOOR_RANGE, HOUSEHOLDER_MAX, MAX_RESIDENTS, ROOM_MAX, UNIT_MAX
from fieldapp.models.sites import mask_phone
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
    #: 户主 in full: this form is the one place it is shown whole (lists show 张某); empty removes it.
    householder = StringField(
        _l("Householder (optional)"),
        validators=[Optional(), Length(max=HOUSEHOLDER_MAX)],
        render_kw={"autocomplete": "off"},
    )
    #: Never filled with the stored number: the page shows it masked; blank keeps it (see `masked_phone`).
    contact_phone = StringField(
        _l("Contact phone (optional)"),
        validators=[Optional(), Regexp(r"^\+?[0-9 -]{5,20}$", message=_l("Enter a phone number of digits only."))],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    remove_phone = BooleanField(_l("Remove the stored number"))
    #: 重点人群: one checkbox per active key group (see `offer_key_groups`); stored by keygroups.services.
    key_groups = SelectMultipleField(
        _l("Key groups"),
        coerce=int,
        choices=[],
        validate_choice=False,  # the service refuses a group archived meanwhile, with a message
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

    def offer_key_groups(self, groups, marked: set[int], tick: bool) -> None:
        """The active key groups as checkboxes; `tick`: as the household is marked (else as the POST sent them)."""
        self.key_groups.choices = [(group.id, group.name) for group in groups]
        if tick:
            self.key_groups.data = sorted(marked)

    def masked_phone(self, stored: str | None) -> None:
        """Show a stored number masked (138****1234) as the field's hint, never in the field itself."""
        self.contact_phone.data = ""
        if stored:
            self.contact_phone.render_kw = {**self.contact_phone.render_kw, "placeholder": mask_phone(stored)}
            self.contact_phone.description = _l("Leave blank to keep the number stored.")

    def to_input(self, stored_phone: str | None = None) -> SiteInput:
        """The typed facts; a blank phone keeps `stored_phone` unless "remove" is ticked."""
        phone = (self.contact_phone.data or "").replace(" ", "").replace("-", "")
        if not phone:
            phone = None if self.remove_phone.data else stored_phone
        return SiteInput(
            unit=(self.unit.data or "").strip().removesuffix("单元"),
            room=self.room.data.strip(),
            floor=self.floor.data,
            residents=self.residents.data,
            kind=self.kind.data,
            status=self.status.data,
            contact_phone=phone or None,
            householder=(self.householder.data or "").strip() or None,
        )


class ImportForm(FlaskForm):
    file = FileField(_l("Roster file (.csv or .xlsx)"), validators=[FileRequired(message=_l("Choose a file."))])
