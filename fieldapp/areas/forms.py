"""Forms of the area tree: a new part of an area, a new name, a new place in the tree."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FloatField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from fieldapp import labels
from fieldapp.forms import within_calendar
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


class MoveAreaForm(FlaskForm):
    #: Any id may come back: the route looks it up through access (404 outside the user's area) and the
    #: service refuses what would break the tree, each with its own message.
    parent = SelectField(_l("New place"), coerce=int, validate_choice=False)
    #: Empty on the first submission (the confirm page follows), "yes" from the confirm page.
    confirmed = HiddenField()

    def offer(self, parents, user_area) -> None:
        """The places in tree order, indented below the user's own area, each with its level."""
        top = len(user_area.ancestor_ids)
        indent = lambda area: labels.LEVEL_INDENT * (len(area.ancestor_ids) - top)  # noqa: E731
        self.parent.choices = [(a.id, f"{indent(a)}{a.name}（{labels.LEVELS[a.level]}）") for a in parents]


class MapDayForm(FlaskForm):
    """The coverage map's day of visits (GET: nothing changes, no CSRF)."""

    class Meta:
        csrf = False

    day = DateField(_l("Day"), validators=[Optional(), within_calendar])
