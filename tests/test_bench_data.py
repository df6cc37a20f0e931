"""The bench generator writes in bulk, yet its rollups must equal a recount, as record_visit's do."""

from sqlalchemy import func, select

from bench.generate import generate
from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import Site, Tag, User, Visit
from fieldapp.site_counts import recount_site_differences
from fieldapp.tallies import recount_differences


def test_generated_district_tallies_agree_with_a_recount(database_uri):
    made = generate(database_uri, sites=600, visits=3000, seed=3)

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": database_uri})
    with app.app_context():
        assert recount_differences() == []
        assert recount_site_differences() == []
        assert db.session.scalar(select(func.count(Site.id))) == 600
        assert db.session.scalar(select(func.count(Visit.id))) == made["visits"] == 3000
        # Every door is reachable through a live tag, and every account can log in.
        assert db.session.scalar(select(func.count(Tag.id)).where(Tag.site_id.is_not(None))) == 600
        assert db.session.scalar(select(func.count(User.id))) == made["users"]
        db.session.remove()
        db.engine.dispose()
