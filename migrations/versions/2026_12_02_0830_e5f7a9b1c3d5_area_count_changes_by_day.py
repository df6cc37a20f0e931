"""Areas: their resident counts' changes by day, so a past week is reported with the counts it had

Revision ID: e5f7a9b1c3d5
Revises: d4e6f8a0b2c4
Create Date: 2026-12-02 08:30:00.000000

Reviewed by hand: one table added, empty; until a count changes, every past day reads today's counts (as before).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e5f7a9b1c3d5"
down_revision = "d4e6f8a0b2c4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "area_count_changes",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("households", sa.Integer(), server_default="0", nullable=False),
        sa.Column("residents", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_area_count_changes_area_id_areas")),
        sa.PrimaryKeyConstraint("area_id", "day", name=op.f("pk_area_count_changes")),
    )


def downgrade():
    op.drop_table("area_count_changes")
