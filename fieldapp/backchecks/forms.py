"""The back-check's conclusion; the client_uuid is minted when the form is rendered, so a double send stores once."""

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from fieldapp.limits import NOTE_MAX

CASE_REF_MAX = 64


def valid_uuid(_form, field):
    try:
        uuid.UUID(field.data or "")
    except ValueError:
        raise ValidationError(_l("This form is damaged. Reload the page and try again.")) from None


class BackCheckForm(FlaskForm):
    client_uuid = HiddenField(validators=[valid_uuid])
    case_ref = StringField(
        _l("Case number"),
        validators=[Length(max=CASE_REF_MAX, message=_l("At most %(max)d characters.", max=CASE_REF_MAX))],
    )
    visited_before = RadioField(
        _l("Was this household visited before?"),
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        validators=[InputRequired(message=_l("Say whether the household was visited before."))],
    )
    missed = TextAreaField(
        _l("What was missed"),
        validators=[Length(max=NOTE_MAX, message=_l("At most %(max)d characters.", max=NOTE_MAX))],
        render_kw={"placeholder": _l("e.g. app not installed, notice not signed")},
    )
    action = TextAreaField(
        _l("Follow-up action"),
        validators=[Length(max=NOTE_MAX, message=_l("At most %(max)d characters.", max=NOTE_MAX))],
    )

    @staticmethod
    def new_uuid() -> str:
        return str(uuid.uuid4())
