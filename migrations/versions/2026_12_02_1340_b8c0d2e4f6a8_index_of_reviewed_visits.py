"""Visits: a partial index of those given a verdict, for the review tallies

Revision ID: b8c0d2e4f6a8
Revises: a7b9c1d3e5f7
Create Date: 2026-12-02 13:40:00.000000

Reviewed by hand: one partial index (building_id, day, review_status WHERE review_status <> 'pending'); the review
tallies read the reviewed visits from it and the rest from the daily rollups, instead of every visit of the days.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b8c0d2e4f6a8"
down_revision = "a7b9c1d3e5f7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visits_reviewed",
            ["building_id", "day", "review_status"],
            unique=False,
            sqlite_where=sa.text("review_status <> 'pending'"),
            postgresql_where=sa.text("review_status <> 'pending'"),
        )


def downgrade():
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_reviewed")
