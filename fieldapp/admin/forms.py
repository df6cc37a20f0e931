"""Admin forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp

from fieldapp import labels
from fieldapp.api.tokens import SCOPES
from fieldapp.limits import KEY_DAYS_DEFAULT, KEY_DAYS_MAX, PASSWORD_MAX, PASSWORD_MIN

ROLE_CHOICES = list(labels.ROLES.items())


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(message=_l("Enter a username.")),
            Length(min=3, max=64, message=_l("Between 3 and 64 characters.")),
            Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Use letters, digits, dot, dash or underscore.")),
        ],
    )
    display_name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=100)])
    password = PasswordField(
        _l("Initial password"),
        validators=[
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l("Between %(min)d and %(max)d characters.", min=PASSWORD_MIN, max=PASSWORD_MAX),
            )
        ],
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    area_id = SelectField(_l("Area"), coerce=int)
    team_id = SelectField(_l("Team"), coerce=int)


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("What the key is for"),
        validators=[
            DataRequired(message=_l("Say what the key is for, e.g. the tablet or system that uses it.")),
            Length(max=100),
        ],
    )
    # Least privilege by default: a key records visits only when the admin says so.
    scope = SelectField(_l("What the key may do"), choices=list(SCOPES.items()), default="read")
    days = IntegerField(
        _l("Valid for (days)"),
        default=KEY_DAYS_DEFAULT,
        validators=[
            NumberRange(min=1, max=KEY_DAYS_MAX, message=_l("From 1 to %(n)d days.", n=KEY_DAYS_MAX)),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": KEY_DAYS_MAX},
    )
