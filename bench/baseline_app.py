"""The baseline of the submit load: a bare Flask endpoint doing one ORM INSERT, nothing else.

Same database, same engine options, same SQLite connection events (WAL, synchronous=NORMAL,
BEGIN IMMEDIATE for writes) and the same gunicorn settings as the app under test, so that
"ours / baseline" measures what fieldapp adds on top of one write through Flask and SQLAlchemy:
login, CSRF, the form, the rules, the tally upsert and the confirmation fragment.
"""

from flask import Flask

from bench.floor import record_floor, record_floor_bare, record_floor_merged
from fieldapp import database
from fieldapp.config import Config, database_url, engine_options
from fieldapp.extensions import db
from fieldapp.models import AuditEvent

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = database_url()
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
app.config["BABEL_DEFAULT_TIMEZONE"] = Config.BABEL_DEFAULT_TIMEZONE  # the working day of bench/floor.py
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


# The statements of a visit submit and nothing else (bench/floor.py): ours, the floor and the baseline side by side.
app.post("/floor")(record_floor)
app.post("/floor/merged")(record_floor_merged)
app.post("/floor/bare")(record_floor_bare)
