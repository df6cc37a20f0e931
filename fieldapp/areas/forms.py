"""Forms of the area tree: a new part of an area, and a new name."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from fieldapp import labels
from fieldapp.limits import AREA_NAME_MAX, LAT_RANGE, LON_RANGE
from fieldapp.models import LEVEL_RANK, LEVELS

COORDINATE_MESSAGE = _l("The location is outside the valid range.")


class RenameAreaForm(FlaskForm):
    name = StringField(
        _l("Area name"), validators=[InputRequired(message=_l("Give a name.")), Length(max=AREA_NAME_MAX)]
    )


class NewAreaForm(RenameAreaForm):
    level = SelectField(_l("Level"))
    #: A building's position: the GPS checks measure visits against it until its doors have their own.
    lat = FloatField(_l("Latitude (optional)"), validators=[Optional(), NumberRange(*LAT_RANGE, COORDINATE_MESSAGE)])
    lon = FloatField(_l("Longitude (optional)"), validators=[Optional(), NumberRange(*LON_RANGE, COORDINATE_MESSAGE)])

    def offer_levels_below(self, level: str) -> None:
        """Only levels below the parent's; the next one down first (levels may be skipped)."""
        self.level.choices = [(code, labels.LEVELS[code]) for code in LEVELS if LEVEL_RANK[code] > LEVEL_RANK[level]]
