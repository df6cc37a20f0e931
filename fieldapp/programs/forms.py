"""The mini-program form: its name."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from fieldapp.limits import PROGRAM_NAME_MAX


class ProgramForm(FlaskForm):
    name = StringField(
        _l("Mini-program name"),
        validators=[
            DataRequired(message=_l("Give a name.")),
            Length(max=PROGRAM_NAME_MAX, message=_l("A name has at most %(n)d characters.", n=PROGRAM_NAME_MAX)),
        ],
        render_kw={"maxlength": PROGRAM_NAME_MAX, "autocomplete": "off"},
    )
