"""API tokens; on visits, when it happened by the server's clock, the phone clock's offset, its flag, and a hash of what was submitted

Revision ID: 92f85873fde4
Revises: 8b7b03be87fe
Create Date: 2026-11-23 09:23:05.346121

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "92f85873fde4"
down_revision = "8b7b03be87fe"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_api_tokens_created_by_id_users")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("clock_offset_s", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("clock_skewed", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_column("content_hash")
        batch_op.drop_column("clock_skewed")
        batch_op.drop_column("clock_offset_s")
        batch_op.drop_column("recorded_at")

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
