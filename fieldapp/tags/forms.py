"""Forms of door tags: how many blank tags, which door a blank tag is on, which doors to print."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField
from wtforms.validators import AnyOf, InputRequired, NumberRange

from fieldapp.tags.services import MAX_BLANK


class BlankTagsForm(FlaskForm):
    count = IntegerField(
        _l("How many blank tags?"),
        default=24,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(1, MAX_BLANK, message=_l("Print from 1 to %(max)d blank tags at a time.", max=MAX_BLANK)),
        ],
        render_kw={"inputmode": "numeric"},
    )


class BindForm(FlaskForm):
    site_id = SelectField(
        _l("Which room is this door?"), coerce=int, validators=[InputRequired(message=_l("Choose the room."))]
    )


class ChooseForm(FlaskForm):
    """Doors ticked on the page; the route checks every id against the area (404 for any outside it)."""

    site = SelectMultipleField(coerce=int, validate_choice=False)
    #: Which of the two submit buttons was pressed: the A4 sheet or one PNG per label.
    format = SelectField(choices=[("pdf", "PDF"), ("zip", "PNG")], validators=[AnyOf(("pdf", "zip"))], default="pdf")
