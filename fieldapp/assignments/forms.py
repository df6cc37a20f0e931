"""The assignment forms: ticked areas (a list of checkboxes named `area`) to a team, or to a team member."""

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from fieldapp.limits import INT32_MAX


class TeamAssignForm(FlaskForm):
    """Give the ticked areas to a team, or take them from whichever team holds them."""

    team_id = SelectField(_l("Team"), coerce=int, validate_choice=False)
    assign = SubmitField(_l("Give to the team"))
    unassign = SubmitField(_l("Take from their team"))


class MemberAssignForm(FlaskForm):
    """Give the ticked grids and buildings to one member, or save each row's choice."""

    user_id = SelectField(_l("Member"), coerce=int, validate_choice=False)
    give = SubmitField(_l("Give the ticked ones"))
    rows = SubmitField(_l("Save each row"))


def posted_ids(name: str) -> list[int] | None:
    """The ids posted under `name` (checkboxes), or None when one is not an id at all (a crafted post)."""
    ids = []
    for value in request.form.getlist(name):
        if not value.isdigit() or not 0 < int(value) <= INT32_MAX:
            return None
        ids.append(int(value))
    return ids


def posted_id(value: str | None) -> int | None:
    """A posted id, 0 for "nobody", None when unreadable."""
    if value is None or not value.isdigit() or int(value) > INT32_MAX:
        return None
    return int(value)
