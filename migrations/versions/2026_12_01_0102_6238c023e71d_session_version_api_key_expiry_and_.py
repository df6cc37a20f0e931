"""Session version per user; API keys expire and have a scope; visits imported from an outbox file say by whom;
settings shared by every app server (demo loaded, heartbeat)

Revision ID: 6238c023e71d
Revises: 92f85873fde4
Create Date: 2026-12-01 01:02:16.534103

Reviewed by hand: autogenerate missed the CHECK on api_tokens.scope. Keys issued before this revision keep
expires_at NULL (they do not expire by date; an admin revokes them) and scope "visits" (what they could do).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "6238c023e71d"
down_revision = "92f85873fde4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_settings")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("scope", sa.String(length=16), server_default="visits", nullable=False))
        batch_op.create_check_constraint(op.f("ck_api_tokens_scope"), "scope IN ('read', 'visits')")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("imported_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_visits_imported_by_id_users"), "users", ["imported_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_visits_imported_by_id_users"), type_="foreignkey")
        batch_op.drop_column("imported_by_id")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_tokens_scope"), type_="check")
        batch_op.drop_column("scope")
        batch_op.drop_column("expires_at")

    op.drop_table("settings")
