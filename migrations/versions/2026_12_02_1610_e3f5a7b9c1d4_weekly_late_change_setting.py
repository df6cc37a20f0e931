"""Settings: the marker a late change to a week that is over moves, so a report built meanwhile is not kept

Revision ID: e3f5a7b9c1d4
Revises: d2e4f6a8b0c1
Create Date: 2026-12-02 16:10:00.000000

Reviewed by hand: one row in settings ("weekly_late_change"). It exists from the start so that the first late change
and a build under way meet on it (a build reads it for update before keeping what it built).
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "e3f5a7b9c1d4"
down_revision = "d2e4f6a8b0c1"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "INSERT INTO settings (name, value, updated_at) VALUES ('weekly_late_change', '', CURRENT_TIMESTAMP) "
        "ON CONFLICT (name) DO NOTHING"
    )


def downgrade():
    op.execute("DELETE FROM settings WHERE name = 'weekly_late_change'")
