"""Sites' first and last talk days; per-area counts of shops, enterprises and schools and their talks by day

Revision ID: a7b9c1d3e5f7
Revises: f6a8b0c2d4e6
Create Date: 2026-12-02 13:30:00.000000

Reviewed by hand: two nullable columns on sites, two tables, then a set-based backfill (no Python loop): the sites'
talk days from one grouped read of the counted talks, then each building's rows carried up level by level through
a temporary table and summed into the two rollups. The statements are fieldapp/site_kinds.py's REBUILD as of this
revision (copied: a migration must not change when the app does). SQLite 3.33+ and PostgreSQL alike.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a7b9c1d3e5f7"
down_revision = "f6a8b0c2d4e6"
branch_labels = None
depends_on = None

KINDS = "('shop', 'enterprise', 'school')"
# Only the constants above and our own level names go into the text (no value from outside): hence the noqa.
BACKFILL = (
    """UPDATE sites SET first_talk_on = talks.first_day, last_talk_on = talks.last_day FROM (
        SELECT site_id, MIN(day) AS first_day, MAX(day) AS last_day FROM visits
        WHERE outcome = 'talked' AND undone_at IS NULL AND review_status != 'rejected' GROUP BY site_id
    ) AS talks WHERE sites.id = talks.site_id""",
    "CREATE TEMPORARY TABLE kind_rows (area_id INTEGER, kind VARCHAR(16), day DATE, sites INTEGER,"
    " first_talks INTEGER, last_talks INTEGER)",
    f"""INSERT INTO kind_rows SELECT building_id, kind, NULL, COUNT(*), 0, 0 FROM sites
        WHERE kind IN {KINDS} AND status != 'moved_out' GROUP BY building_id, kind""",  # noqa: S608
    f"""INSERT INTO kind_rows SELECT building_id, kind, first_talk_on, 0, COUNT(*), 0 FROM sites
        WHERE kind IN {KINDS} AND status != 'moved_out' AND first_talk_on IS NOT NULL
        GROUP BY building_id, kind, first_talk_on""",  # noqa: S608
    f"""INSERT INTO kind_rows SELECT building_id, kind, last_talk_on, 0, 0, COUNT(*) FROM sites
        WHERE kind IN {KINDS} AND status != 'moved_out' AND last_talk_on IS NOT NULL
        GROUP BY building_id, kind, last_talk_on""",  # noqa: S608
    *(
        f"""INSERT INTO kind_rows SELECT areas.parent_id, k.kind, k.day, k.sites, k.first_talks, k.last_talks
        FROM kind_rows k JOIN areas ON areas.id = k.area_id
        WHERE areas.level = '{level}' AND areas.parent_id IS NOT NULL"""  # noqa: S608
        for level in ("building", "grid", "community", "station")
    ),
    """INSERT INTO area_kind_counts (area_id, kind, sites) SELECT area_id, kind, SUM(sites) FROM kind_rows
        WHERE day IS NULL GROUP BY area_id, kind""",
    """INSERT INTO area_daily_kind_tallies (area_id, kind, day, first_talks, last_talks)
        SELECT area_id, kind, day, SUM(first_talks), SUM(last_talks) FROM kind_rows
        WHERE day IS NOT NULL GROUP BY area_id, kind, day""",
    "DROP TABLE kind_rows",
)


def upgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_talk_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("last_talk_on", sa.Date(), nullable=True))
    op.create_table(
        "area_kind_counts",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sites", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_area_kind_counts_area_id_areas")),
        sa.PrimaryKeyConstraint("area_id", "kind", name=op.f("pk_area_kind_counts")),
    )
    op.create_table(
        "area_daily_kind_tallies",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("first_talks", sa.Integer(), nullable=False),
        sa.Column("last_talks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_area_daily_kind_tallies_area_id_areas")),
        sa.PrimaryKeyConstraint("area_id", "kind", "day", name=op.f("pk_area_daily_kind_tallies")),
    )
    for statement in BACKFILL:
        op.execute(statement)


def downgrade():
    op.drop_table("area_daily_kind_tallies")
    op.drop_table("area_kind_counts")
    # ALTER TABLE ... DROP COLUMN on both (SQLite 3.35+): a batch copy of sites would drop its expression index.
    op.drop_column("sites", "last_talk_on")
    op.drop_column("sites", "first_talk_on")
