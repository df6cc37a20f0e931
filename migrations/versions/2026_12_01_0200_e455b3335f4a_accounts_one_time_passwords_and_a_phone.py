"""Accounts: a password may be a one-time code that must be changed at the first login; a person's own phone

Revision ID: e455b3335f4a
Revises: 6238c023e71d
Create Date: 2026-12-01 02:00:51.000000

Reviewed by hand: existing accounts keep the passwords they chose (password_is_temporary false).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e455b3335f4a"
down_revision = "6238c023e71d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        # A plain "0", not sa.false(): SQLite then adds the column in place; an expression default makes Alembic
        # rebuild the table, and dropping `users` fails once visits and audit events point at it (FOREIGN KEY).
        batch_op.add_column(sa.Column("password_is_temporary", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("phone")
        batch_op.drop_column("password_is_temporary")
