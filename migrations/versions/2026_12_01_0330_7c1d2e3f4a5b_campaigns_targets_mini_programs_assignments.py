"""Campaigns with dates; targets per campaign (and per mini-program); the mini-programs list and their
registrations per visit, rolled up per area and day; members' assignments (包户到人); archived areas

Revision ID: 7c1d2e3f4a5b
Revises: 62800c8ceeb5
Create Date: 2026-12-01 03:30:00.000000

Written by hand. A database that already holds targets or visits gets one campaign, "反诈宣传", from its first
visit's day (or today) to a year later, and every existing target joins it: the figures people set keep
showing. Columns are added in place with plain-string defaults (an expression default makes Alembic rebuild
a SQLite table, which fails on a database holding visits); only `targets`, which nothing points at, is rebuilt
for its new unique key.
"""

from datetime import date, timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7c1d2e3f4a5b"
down_revision = "62800c8ceeb5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("first_round_by", sa.Date(), nullable=True),
        sa.Column("complete_by", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_campaigns_ends_after_start")),
        sa.CheckConstraint(
            "first_round_by IS NULL OR first_round_by >= starts_on", name=op.f("ck_campaigns_first_round_in_campaign")
        ),
        sa.CheckConstraint(
            "complete_by IS NULL OR complete_by >= starts_on", name=op.f("ck_campaigns_complete_in_campaign")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_campaigns_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )
    op.create_table(
        "mini_programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mini_programs")),
        sa.UniqueConstraint("name", name=op.f("uq_mini_programs_name")),
    )
    op.create_table(
        "visit_program_regs",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("mini_program_id", sa.Integer(), nullable=False),
        sa.Column("regs", sa.Integer(), nullable=False),
        sa.CheckConstraint("regs > 0", name=op.f("ck_visit_program_regs_regs_positive")),
        sa.ForeignKeyConstraint(
            ["mini_program_id"], ["mini_programs.id"], name=op.f("fk_visit_program_regs_mini_program_id_mini_programs")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_visit_program_regs_visit_id_visits"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("visit_id", "mini_program_id", name=op.f("pk_visit_program_regs")),
    )
    op.create_table(
        "area_daily_program_tallies",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("mini_program_id", sa.Integer(), nullable=False),
        sa.Column("regs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_area_daily_program_tallies_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["mini_program_id"],
            ["mini_programs.id"],
            name=op.f("fk_area_daily_program_tallies_mini_program_id_mini_programs"),
        ),
        sa.PrimaryKeyConstraint("area_id", "day", "mini_program_id", name=op.f("pk_area_daily_program_tallies")),
    )
    op.create_table(
        "member_assignments",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_member_assignments_area_id_areas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["users.id"], name=op.f("fk_member_assignments_assigned_by_id_users")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_member_assignments_team_id_teams")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_member_assignments_user_id_users")),
        sa.PrimaryKeyConstraint("area_id", name=op.f("pk_member_assignments")),
    )
    with op.batch_alter_table("member_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_assignments_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_assignments_user_id"), ["user_id"], unique=False)

    # In place on both databases: `areas` is pointed at by nearly every table.
    op.add_column("areas", sa.Column("archived_at", sa.DateTime(), nullable=True))

    connection = op.get_bind()
    has_figures = connection.execute(
        sa.text("SELECT (SELECT COUNT(*) FROM targets) + (SELECT COUNT(*) FROM visits)")
    ).scalar()
    campaign_id = None
    if has_figures:
        first_day = connection.execute(sa.text("SELECT MIN(day) FROM visits")).scalar()
        if isinstance(first_day, str):  # SQLite hands dates back as text
            first_day = date.fromisoformat(first_day)
        starts_on = first_day or date.today()
        connection.execute(
            sa.text(
                "INSERT INTO campaigns (name, starts_on, ends_on, created_at)"
                " VALUES ('反诈宣传', :starts_on, :ends_on, CURRENT_TIMESTAMP)"
            ),
            {"starts_on": starts_on, "ends_on": starts_on + timedelta(days=365)},
        )
        campaign_id = connection.execute(sa.text("SELECT MAX(id) FROM campaigns")).scalar()

    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
    connection.execute(sa.text("UPDATE targets SET campaign_id = :campaign_id"), {"campaign_id": campaign_id})
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.alter_column("campaign_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_targets_area_measure", type_="unique")
        batch_op.create_unique_constraint("uq_targets_campaign_area_measure", ["campaign_id", "area_id", "measure"])
        batch_op.create_foreign_key(op.f("fk_targets_campaign_id_campaigns"), "campaigns", ["campaign_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_targets_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_targets_area_id"), ["area_id"], unique=False)


def downgrade():
    # Targets of every campaign but the first cannot fit the old one-per-area-and-measure key: they go.
    connection = op.get_bind()
    connection.execute(sa.text("DELETE FROM targets WHERE campaign_id <> (SELECT MIN(id) FROM campaigns)"))
    with op.batch_alter_table("targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_targets_area_id"))
        batch_op.drop_index(batch_op.f("ix_targets_campaign_id"))
        batch_op.drop_constraint(op.f("fk_targets_campaign_id_campaigns"), type_="foreignkey")
        batch_op.drop_constraint("uq_targets_campaign_area_measure", type_="unique")
        batch_op.create_unique_constraint("uq_targets_area_measure", ["area_id", "measure"])
        batch_op.drop_column("campaign_id")
    op.drop_column("areas", "archived_at")
    with op.batch_alter_table("member_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_assignments_user_id"))
        batch_op.drop_index(batch_op.f("ix_member_assignments_team_id"))
    op.drop_table("member_assignments")
    op.drop_table("area_daily_program_tallies")
    op.drop_table("visit_program_regs")
    op.drop_table("mini_programs")
    op.drop_table("campaigns")
