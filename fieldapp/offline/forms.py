"""The supervisor's upload of a phone's saved outbox."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class OutboxFileForm(FlaskForm):
    file = FileField(_l("Outbox file (.json)"), validators=[FileRequired(message=_l("Choose a file."))])
