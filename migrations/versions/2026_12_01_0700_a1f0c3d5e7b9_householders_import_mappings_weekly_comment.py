"""Rosters as grid workers keep them: a householder per site, the column mappings an area's files use, and the
weekly report's comment (周点评)

Revision ID: a1f0c3d5e7b9
Revises: 9b3e5d7f1a2c
Create Date: 2026-12-01 07:00:00.000000

Reviewed by hand: two nullable columns added in place (no rebuild of sites or weekly_reports, which others point
to) and one new table. Published reports keep no comment: they stay byte for byte as they were sent.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a1f0c3d5e7b9"
down_revision = "9b3e5d7f1a2c"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("sites", sa.Column("householder", sa.String(length=40), nullable=True))
    op.add_column("weekly_reports", sa.Column("comment", sa.Text(), nullable=True))
    op.create_table(
        "import_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("header", sa.String(length=80), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_import_mappings_area_id_areas")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_import_mappings_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_mappings")),
        sa.UniqueConstraint("area_id", "header", name="uq_import_mappings_area_header"),
    )


def downgrade():
    op.drop_table("import_mappings")
    with op.batch_alter_table("weekly_reports", schema=None) as batch_op:
        batch_op.drop_column("comment")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("householder")
