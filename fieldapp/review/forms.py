"""Review forms: the filters of the daily log, one verdict, and bulk approval."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional

from fieldapp import labels
from fieldapp.limits import NOTE_MAX


class LogFilterForm(FlaskForm):
    """GET filters: no CSRF needed, nothing changes."""

    class Meta:
        csrf = False

    day = DateField(_l("Day"), validators=[Optional()])
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
            ("rapid", _l("Less than a minute after the previous visit")),
            ("clock", labels.VISIT_FLAGS["clock"]),
            ("unreviewed", _l("Not reviewed yet")),
        ],
        validators=[Optional()],
    )


class ReviewForm(FlaskForm):
    status = HiddenField()
    comment = StringField(_l("Comment"), validators=[Length(max=NOTE_MAX)])
