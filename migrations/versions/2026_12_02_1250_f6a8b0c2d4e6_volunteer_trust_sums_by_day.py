"""Volunteers' daily rollups: the trust points their counted visits lost and how many lost any

Revision ID: f6a8b0c2d4e6
Revises: e5f7a9b1c3d5
Create Date: 2026-12-02 12:50:00.000000

Reviewed by hand: two columns on user_daily_tallies, 0 by default, then filled in one set-based UPDATE from the
counted visits that lost points (a visit at 100 adds nothing), grouped like the rollup's key; the same statement on
SQLite (3.33+: UPDATE ... FROM) and PostgreSQL. The trust section of the district and station pages reads them
instead of the week's raw visits.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f6a8b0c2d4e6"
down_revision = "e5f7a9b1c3d5"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE user_daily_tallies SET trust_lost = lost.points, flagged = lost.visits
FROM (
    SELECT user_id, COALESCE(team_id, 0) AS team_id, day, SUM(100 - trust_score) AS points, COUNT(*) AS visits
    FROM visits
    WHERE trust_score < 100 AND undone_at IS NULL AND review_status != 'rejected'
    GROUP BY user_id, COALESCE(team_id, 0), day
) AS lost
WHERE user_daily_tallies.user_id = lost.user_id
  AND user_daily_tallies.team_id = lost.team_id
  AND user_daily_tallies.day = lost.day
"""


def upgrade():
    with op.batch_alter_table("user_daily_tallies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trust_lost", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("flagged", sa.Integer(), server_default="0", nullable=False))
    op.execute(BACKFILL)


def downgrade():
    with op.batch_alter_table("user_daily_tallies", schema=None) as batch_op:
        batch_op.drop_column("flagged")
        batch_op.drop_column("trust_lost")
