"""The baseline of the submit load: a bare Flask endpoint doing one ORM INSERT, nothing else.

Same database, same engine options, same SQLite connection events (WAL, synchronous=NORMAL,
BEGIN IMMEDIATE for writes) and the same gunicorn settings as the app under test, so that
"ours / baseline" measures what fieldapp adds on top of one write through Flask and SQLAlchemy:
login, CSRF, the form, the rules, the tally upsert and the confirmation fragment.
"""

from flask import Flask

from fieldapp import database
from fieldapp.config import database_url, engine_options
from fieldapp.extensions import db
from fieldapp.models import AuditEvent

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = database_url()
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
database.install_events()  # the same SQLite connection events as the app
db.init_app(app)


@app.get("/healthz")
def healthz():
    return "ok"


@app.post("/baseline")
def insert_one():
    """One row into an existing table (audit_events), one commit."""
    db.session.add(AuditEvent(action="bench.baseline", object_type="bench"))
    db.session.commit()
    return "ok"
