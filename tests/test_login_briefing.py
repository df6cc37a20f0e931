"""Login at the morning briefing (issue 14): a whole station logs in on one Wi-Fi address with the limits as
shipped, and is never refused; wrong passwords are still limited (see test_accounts_login_limits.py for 25 wrong
passwords for one account from three addresses, refused after the limit)."""

import time

import pytest

from fieldapp.admin.services import create_user
from fieldapp.config import Config
from fieldapp.extensions import db
from tests.conftest import app_config
from tests.factories import PASSWORD
from tests.test_accounts_login_limits import attempt


@pytest.fixture
def shipped_limits_app(database_uri):
    """The app with rate limits on and the login limits it ships with (the other tests run without limits)."""
    from fieldapp import create_app

    app = create_app({**app_config(database_uri), "RATELIMIT_ENABLED": True})
    assert app.config["LOGIN_RATE_LIMIT"] == Config.LOGIN_RATE_LIMIT
    assert app.config["LOGIN_ACCOUNT_RATE_LIMIT"] == Config.LOGIN_ACCOUNT_RATE_LIMIT
    yield app
    with app.app_context():
        db.engine.dispose()


def test_sixty_people_logging_in_from_one_address_within_a_minute_all_get_in(world, shipped_limits_app):
    station = world.a.area
    names = [create_user(f"briefing-{n:02d}", PASSWORD, f"队员{n}", "volunteer", station).username for n in range(60)]
    db.session.commit()
    start = time.monotonic()
    codes = [attempt(shipped_limits_app, name, PASSWORD, "10.0.0.60") for name in names]
    assert time.monotonic() - start < 60
    assert codes == [303] * 60
    # The address is not spent: a typo after the briefing is refused as a typo, not as a flood.
    assert attempt(shipped_limits_app, "briefing-00", "typo-password", "10.0.0.60") == 422
