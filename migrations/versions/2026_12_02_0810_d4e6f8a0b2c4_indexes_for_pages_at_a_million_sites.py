"""Indexes for area pages at a million sites: archived areas, and the doors no talk has covered yet

Revision ID: d4e6f8a0b2c4
Revises: ba982720118a
Create Date: 2026-12-02 08:10:00.000000

Reviewed by hand: two partial indexes added, no table rebuilt. in_use() asked, for every site a list read, whether
an archived area lies above its building, and without an index on archived_at that scanned the whole area tree
per row (district page at 100k sites: 11.9 s, SQLite). The unvisited list and its count read the uncovered doors
of the area's buildings, with their walking order, from their own index instead of every site.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d4e6f8a0b2c4"
down_revision = "ba982720118a"
branch_labels = None
depends_on = None


def upgrade():
    archived = sa.text("archived_at IS NOT NULL")
    op.create_index(
        "ix_areas_archived", "areas", ["archived_at"], unique=False, sqlite_where=archived, postgresql_where=archived
    )
    uncovered = sa.text("covered_by_visit_id IS NULL")
    op.create_index(
        "ix_sites_uncovered",
        "sites",
        ["building_id", "kind", "status", "unit", "floor", "room"],
        unique=False,
        sqlite_where=uncovered,
        postgresql_where=uncovered,
    )


def downgrade():
    op.drop_index("ix_sites_uncovered", table_name="sites")
    op.drop_index("ix_areas_archived", table_name="areas")
