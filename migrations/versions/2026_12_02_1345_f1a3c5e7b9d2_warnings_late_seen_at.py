"""Warnings: the moment each was first seen past a deadline with that step undone (stamped by the schedule)

Revision ID: f1a3c5e7b9d2
Revises: b8c0d2e4f6a8
Create Date: 2026-12-02 13:00:00.000000

Reviewed by hand: one nullable column and its index; warnings already late are stamped by the schedule's first run
(within minutes), their audit entry then saying so.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f1a3c5e7b9d2"
down_revision = "b8c0d2e4f6a8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("fraud_warnings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("late_seen_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_fraud_warnings_late_seen_at"), ["late_seen_at"], unique=False)


def downgrade():
    with op.batch_alter_table("fraud_warnings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fraud_warnings_late_seen_at"))
        batch_op.drop_column("late_seen_at")
