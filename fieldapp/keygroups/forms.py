"""The key group form: its name and how often its households are to be talked to again."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from fieldapp.limits import KEY_GROUP_NAME_MAX, REVISIT_DAYS_MAX

DAYS_MESSAGE = _l("Enter a whole number of days from 1 to %(max)d, or leave it empty.", max=REVISIT_DAYS_MAX)


class KeyGroupForm(FlaskForm):
    name = StringField(
        _l("Key group name"),
        validators=[
            DataRequired(message=_l("Give a name.")),
            Length(max=KEY_GROUP_NAME_MAX, message=_l("A name has at most %(n)d characters.", n=KEY_GROUP_NAME_MAX)),
        ],
        render_kw={"maxlength": KEY_GROUP_NAME_MAX, "autocomplete": "off"},
    )
    revisit_days = IntegerField(
        _l("Revisit every (days)"),
        validators=[Optional(), NumberRange(1, REVISIT_DAYS_MAX, message=DAYS_MESSAGE)],
        render_kw={"inputmode": "numeric", "min": 1, "max": REVISIT_DAYS_MAX},
        description=_l("Empty: no revisits are scheduled."),
    )
