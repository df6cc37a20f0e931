"""Review forms: the filters of the daily log, one verdict, and bulk approval."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from fieldapp import labels
from fieldapp.forms import within_calendar
from fieldapp.limits import NOTE_MAX


class LogFilterForm(FlaskForm):
    """GET filters: no CSRF needed, nothing changes."""

    class Meta:
        csrf = False

    day = DateField(_l("Day"), validators=[Optional(), within_calendar])
    team = SelectField(_l("Team"), coerce=int, validators=[Optional()])
    volunteer = SelectField(_l("Volunteer"), coerce=int, validators=[Optional()])
    outcome = SelectField(
        _l("Outcome"), choices=[("", _l("All")), *list(labels.OUTCOMES.items())], validators=[Optional()]
    )
    flag = SelectField(
        _l("Flag"),
        choices=[
            ("", _l("All")),
            ("far", labels.VISIT_FLAGS["far"]),
            ("inaccurate", labels.VISIT_FLAGS["inaccurate"]),
            ("missing", labels.VISIT_FLAGS["missing"]),
            ("rapid", labels.VISIT_FLAGS["rapid"]),
            ("clock", labels.VISIT_FLAGS["clock"]),
            ("unreviewed", _l("Not reviewed yet")),
        ],
        validators=[Optional()],
    )
    signal = SelectField(
        _l("Trust signal"), choices=[("", _l("All")), *list(labels.TRUST_SIGNAL_NAMES.items())], validators=[Optional()]
    )


class ReviewForm(FlaskForm):
    status = HiddenField()
    comment = StringField(_l("Comment"), validators=[Length(max=NOTE_MAX)])


class DeskFilterForm(FlaskForm):
    """The review desk's GET filters and sort: no CSRF needed, nothing changes."""

    class Meta:
        csrf = False

    day = DateField(_l("Day"), validators=[Optional(), within_calendar])
    span = SelectField(_l("Show"), choices=[("day", _l("The day")), ("week", _l("Its week"))], validators=[Optional()])
    signal = SelectField(
        _l("Signal"), choices=[("", _l("All")), *list(labels.TRUST_SIGNAL_NAMES.items())], validators=[Optional()]
    )
    team = SelectField(_l("Team"), coerce=int, validators=[Optional()])
    volunteer = SelectField(_l("Volunteer"), coerce=int, validators=[Optional()])
    below = IntegerField(_l("Score below"), validators=[Optional(), NumberRange(min=1, max=101)])
    status = SelectField(
        _l("Review"), choices=[("", _l("All")), *list(labels.REVIEW_STATUSES.items())], validators=[Optional()]
    )
    sort = SelectField(
        _l("Sort by"),
        choices=[("score", _l("Score, lowest first")), ("time", _l("Time")), ("volunteer", _l("Volunteer"))],
        validators=[Optional()],
    )


class TrailFilterForm(FlaskForm):
    """The audit viewer's GET filters: who, what, when."""

    class Meta:
        csrf = False

    who = SelectField(_l("Who"), coerce=int, validators=[Optional()])
    what = SelectField(_l("What"), validators=[Optional()])
    first = DateField(_l("From"), validators=[Optional(), within_calendar])
    last = DateField(_l("To"), validators=[Optional(), within_calendar])


class ChangesFilterForm(FlaskForm):
    """The household changes' GET filters: which days, and only those not acknowledged yet."""

    class Meta:
        csrf = False

    first = DateField(_l("From"), validators=[Optional(), within_calendar])
    last = DateField(_l("To"), validators=[Optional(), within_calendar])
    open = SelectField(
        _l("Show"), choices=[("", _l("All")), ("1", _l("Not acknowledged yet"))], validators=[Optional()]
    )
