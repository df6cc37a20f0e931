"""API keys that feed warnings; warnings withdrawn (entered twice, or not a warning at all)

Revision ID: c3d5e7f9a1b2
Revises: 5b7c9d1e2f30
Create Date: 2026-12-01 14:40:00.000000

Reviewed by hand: api_tokens' scope check gains "warnings" (a key for the platform's feed: read, and post
warnings); fraud_warnings gains who withdrew one, when and why. A withdrawn warning stays, for the audit,
but counts nowhere.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c3d5e7f9a1b2"
down_revision = "5b7c9d1e2f30"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_api_tokens_scope"), type_="check")
        batch_op.create_check_constraint("scope", "scope IN ('read', 'visits', 'warnings')")
    with op.batch_alter_table("fraud_warnings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_reason", sa.String(length=200), nullable=False, server_default=""))
        batch_op.create_foreign_key(
            batch_op.f("fk_fraud_warnings_withdrawn_by_id_users"), "users", ["withdrawn_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("fraud_warnings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_fraud_warnings_withdrawn_by_id_users"), type_="foreignkey")
        batch_op.drop_column("withdrawn_reason")
        batch_op.drop_column("withdrawn_by_id")
        batch_op.drop_column("withdrawn_at")
    op.execute("DELETE FROM api_tokens WHERE scope = 'warnings'")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_api_tokens_scope"), type_="check")
        batch_op.create_check_constraint("scope", "scope IN ('read', 'visits')")
