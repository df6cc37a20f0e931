"""One shape for "no": a refusal carries its problems per field, and one helper shows them on a form.

Services raise a `Refused` (or a subclass naming the kind of thing refused) before writing anything; the
caller rolls back. Pages put the problems on their form's fields, the API sends them as `fields`.
"""

#: The key of a problem that belongs to no single field (the request as a whole).
WHOLE = ""


class Refused(Exception):
    """The request breaks a rule and nothing was written.

    `problems` maps a field name (or WHOLE) to a message in the user's language. A single message
    may be given alone: `Refused(_l("..."))` is a problem of the whole request.
    """

    def __init__(self, problems, field: str = WHOLE):
        self.problems = dict(problems) if isinstance(problems, dict) else {field: problems}
        super().__init__(", ".join(f"{name or 'request'}: {message}" for name, message in self.problems.items()))

    @property
    def message(self) -> str:
        """The first problem, for places that show one line (a flash, an htmx row)."""
        return str(next(iter(self.problems.values())))


def show_on_form(form, refused: Refused) -> None:
    """Put each problem under its field; a problem of no field of this form goes to the form as a whole."""
    for name, message in refused.problems.items():
        field = form._fields.get(name) if name else None
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]
