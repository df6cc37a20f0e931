"""Roster: a household may be "new" (moved in, added by a lead); tags remember when they were last scanned.

Reviewed by hand: Alembic does not see CHECK constraint changes, so the status constraint is
replaced here explicitly (batch mode rebuilds the table on SQLite).

Revision ID: 8b7b03be87fe
Revises: 34031afb81e3
Create Date: 2026-11-23 06:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "8b7b03be87fe"
down_revision = "34031afb81e3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_scanned_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_sites_status"), type_="check")
        batch_op.create_check_constraint("status", "status IN ('occupied', 'vacant', 'moved_out', 'new')")


def downgrade():
    op.execute("UPDATE sites SET status = 'occupied' WHERE status = 'new'")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_sites_status"), type_="check")
        batch_op.create_check_constraint("status", "status IN ('occupied', 'vacant', 'moved_out')")

    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.drop_column("last_scanned_at")
