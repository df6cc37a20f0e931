"""Campaign forms: a campaign's name, dates and deadlines; an area's targets; handing one down."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from fieldapp.limits import CAMPAIGN_NAME_MAX, TARGET_MAX
from fieldapp.targets import field_name

DATE_MESSAGE = _l("Enter a date, e.g. 2027-03-01.")


class CampaignForm(FlaskForm):
    name = StringField(
        _l("Campaign name"),
        validators=[InputRequired(message=_l("Give a name.")), Length(max=CAMPAIGN_NAME_MAX)],
        render_kw={"maxlength": CAMPAIGN_NAME_MAX, "autocomplete": "off"},
    )
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(message=DATE_MESSAGE)])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired(message=DATE_MESSAGE)])
    first_round_by = DateField(_l("First round of visits by (optional)"), validators=[Optional()])
    complete_by = DateField(_l("Full coverage by (optional)"), validators=[Optional()])

    def values(self) -> dict:
        return {name: self[name].data for name in ("name", "starts_on", "ends_on", "first_round_by", "complete_by")}


def targets_form(measures: dict[str, str], current: dict[str, int]) -> FlaskForm:
    """A form with one box per measure (blank: no target), filled with the current values on GET."""

    class TargetsForm(FlaskForm):
        pass

    for measure, label in measures.items():
        value = current.get(measure)
        field = StringField(
            label,
            default="" if value is None else str(value),
            render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": len(str(TARGET_MAX)) + 4},
        )
        setattr(TargetsForm, field_name(measure), field)
    return TargetsForm()


class HandDownForm(FlaskForm):
    measure = SelectField(_l("Target"))
    how = SelectField(
        _l("Split"),
        choices=[("households", _l("By resident households")), ("evenly", _l("Evenly"))],
    )
