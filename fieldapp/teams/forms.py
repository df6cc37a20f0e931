"""Team forms: a new team, its name, a member and their part."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from fieldapp import labels
from fieldapp.limits import TEAM_NAME_MAX

TEAM_ROLE_CHOICES = list(labels.TEAM_ROLES.items())


class TeamForm(FlaskForm):
    name = StringField(
        _l("Team name"),
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=TEAM_NAME_MAX)],
        render_kw={"maxlength": TEAM_NAME_MAX, "autocomplete": "off"},
    )
    area_id = SelectField(_l("Station or community"), coerce=int)


class RenameTeamForm(FlaskForm):
    name = StringField(
        _l("Team name"),
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=TEAM_NAME_MAX)],
        render_kw={"maxlength": TEAM_NAME_MAX, "autocomplete": "off"},
    )


class AddMemberForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=int)
    role = SelectField(_l("Part"), choices=TEAM_ROLE_CHOICES)


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("Part"), choices=TEAM_ROLE_CHOICES)
