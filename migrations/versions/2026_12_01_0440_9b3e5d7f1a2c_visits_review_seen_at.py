"""Visits: when the volunteer saw the supervisor's review (rejected or has issues), so Today lists it until seen

Revision ID: 9b3e5d7f1a2c
Revises: 7c1d2e3f4a5b
Create Date: 2026-12-01 04:40:00.000000

Reviewed by hand: one nullable column added in place (no rebuild of visits). Reviews already given stay
unseen, so a volunteer's Today shows them once.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "9b3e5d7f1a2c"
down_revision = "7c1d2e3f4a5b"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("visits", sa.Column("review_seen_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_column("review_seen_at")
