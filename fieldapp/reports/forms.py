"""The weekly report's publish form: the 周点评 goes up with the figures."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from fieldapp.reports.weekly import COMMENT_MAX


class PublishForm(FlaskForm):
    comment = TextAreaField(
        _l("Weekly comment (optional)"),
        description=_l("Sent up with the figures and frozen with them: it cannot be changed after publishing."),
        validators=[Optional(), Length(max=COMMENT_MAX)],
    )
