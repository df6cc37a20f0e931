"""Clocks: when a visit happened, by a phone whose clock may be wrong, and the working day it counts for."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from fieldapp.limits import INT32_MAX

#: A phone clock this far ahead of the server is not believed for the working day.
MAX_CLOCK_AHEAD = timedelta(minutes=10)
#: A visit saved offline may arrive days later; older than this, the server's day is used.
MAX_CLOCK_BEHIND = timedelta(days=7)
#: A phone clock further off than this (either way) is flagged for the supervisor, never refused.
MAX_CLOCK_SKEW = timedelta(minutes=10)


def deployment_zone() -> ZoneInfo:
    """The time zone the campaign works in (FIELDAPP_TIMEZONE): days and weeks are counted in it."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_today() -> date:
    """Today where the campaign works, whatever the server's own clock zone."""
    return datetime.now(deployment_zone()).date()


def clock_offset(sent_time: datetime | None, server_time: datetime) -> timedelta | None:
    """How far the phone's clock is ahead of the server's (negative: behind), if the phone said when it sent."""
    return None if sent_time is None else sent_time - server_time


def recorded_moment(device_time: datetime | None, server_time: datetime, offset: timedelta | None = None):
    """When the visit happened by the server's clock: the phone's time less its clock's offset, unless implausible."""
    if device_time is not None:
        try:
            recorded = device_time - (offset or timedelta(0))
        except OverflowError:  # a clock set centuries off
            return server_time
        if server_time - MAX_CLOCK_BEHIND <= recorded <= server_time + MAX_CLOCK_AHEAD:
            return recorded
    return server_time


def clamp_seconds(offset: timedelta) -> int:
    """Seconds that fit the column: a phone set to the year 1970 is "very wrong", not an error."""
    return max(-INT32_MAX, min(INT32_MAX, round(offset.total_seconds())))


def working_day(device_time: datetime | None, server_time: datetime, offset: timedelta | None = None) -> date:
    """The local day a visit counts for: the day it happened, in the deployment's time zone."""
    moment = recorded_moment(device_time, server_time, offset)
    return moment.replace(tzinfo=UTC).astimezone(deployment_zone()).date()


def local_day_start(day: date) -> datetime:
    """Midnight of a local day, as the naive UTC the columns store."""
    return datetime.combine(day, time(), tzinfo=deployment_zone()).astimezone(UTC).replace(tzinfo=None)
