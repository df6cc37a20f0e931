"""Admin forms, and the lists of areas and teams they offer (only what lies inside the manager's area)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from fieldapp import labels
from fieldapp.access import areas_within, teams_within
from fieldapp.api.tokens import SCOPES
from fieldapp.extensions import db
from fieldapp.limits import KEY_DAYS_DEFAULT, KEY_DAYS_MAX, PASSWORD_MAX, PASSWORD_MIN, PHONE_MAX
from fieldapp.models import Area, Team, User

ROLE_CHOICES = list(labels.ROLES.items())
LEVEL_INDENT = labels.LEVEL_INDENT


def offer_areas_and_teams(form: FlaskForm, manager: User) -> tuple[list[Area], list[Team]]:
    """Fill the form's area list (every level inside the manager's area, buildings too: a building lead is
    bound to the building they lead) and team list; the rows come back to map the chosen ids to."""
    areas = db.session.scalars(areas_within(manager.area)).all()
    depth = len(manager.area.ancestor_ids)
    form.area_id.choices = [(area.id, LEVEL_INDENT * (len(area.ancestor_ids) - depth) + area.name) for area in areas]
    teams = db.session.scalars(teams_within(manager.area)).all()
    form.team_id.choices = [(0, _("No team")), *[(team.id, team.name) for team in teams]]
    return areas, teams


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


class EditUserForm(FlaskForm):
    """An account's details; the role and area lists hold only what the manager may give."""

    display_name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=100)])
    role = SelectField(_l("Role"))
    area_id = SelectField(_l("Area"), coerce=int)
    team_id = SelectField(_l("Team"), coerce=int)
    phone = StringField(
        _l("Phone (optional)"),
        validators=[Optional(), Length(max=PHONE_MAX)],
        render_kw={"inputmode": "tel", "autocomplete": "off", "maxlength": PHONE_MAX},
    )


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
