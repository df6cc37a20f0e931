"""A scratch copy of the app for bench/rollup_contention.py: the same app, minus the top area's rollup write.

Visits add to the DailyTally rows of their building and every area above it except the top one (the
district), as if the district's figures were summed from its stations' rows on read. Never served: it only
measures what the district's hot row costs the submit.
"""

from fieldapp.visits import counting
from wsgi import app

_shipped = counting.building_and_above


def _below_the_top(visit) -> list[int]:
    ids = _shipped(visit)
    top = int(app.config.get("BENCH_TOP_AREA_ID", 1))
    return [area_id for area_id in ids if area_id != top]


counting.building_and_above = _below_the_top

__all__ = ["app"]
