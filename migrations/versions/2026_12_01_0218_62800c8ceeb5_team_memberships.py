"""Team memberships: someone's time in a "1+2+N" team with their part in it (leader, grid worker, volunteer)

Revision ID: 62800c8ceeb5
Revises: e455b3335f4a
Create Date: 2026-12-01 02:18:59.000000

Reviewed by hand: everyone already in a team gets an open membership as a volunteer, from when their
account was made (no better date is known); one open membership per person is a partial unique index.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "62800c8ceeb5"
down_revision = "e455b3335f4a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "team_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("role IN ('leader', 'grid_worker', 'volunteer')", name=op.f("ck_team_memberships_role")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_team_memberships_team_id_teams")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_team_memberships_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_memberships")),
    )
    with op.batch_alter_table("team_memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_memberships_team_id"), ["team_id"], unique=False)
        batch_op.create_index(
            "uq_team_memberships_open_user",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
    op.execute(
        "INSERT INTO team_memberships (team_id, user_id, role, started_at)"
        " SELECT team_id, id, 'volunteer', created_at FROM users WHERE team_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("team_memberships", schema=None) as batch_op:
        batch_op.drop_index("uq_team_memberships_open_user")
        batch_op.drop_index(batch_op.f("ix_team_memberships_team_id"))

    op.drop_table("team_memberships")
