"""Forms more than one part of the product uses."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """Only the CSRF token: for a button whose meaning is in its URL (publish, import the previewed file,
    approve the ticked visits, whose ids come as a list of checkboxes)."""
