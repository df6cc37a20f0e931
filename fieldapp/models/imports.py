"""How an area's roster files name their columns, remembered from the last import someone mapped by hand."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.database import utcnow
from fieldapp.extensions import db


class ImportMapping(db.Model):
    """One header text of an area's files and the field it means, e.g. 东门社区: "住址" -> "address".

    `field` is a roster field (roster/files.py FIELDS) or "" for a column to leave out. The next file from
    the same area has its columns mapped the same way, and the preview says so.
    """

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("area_id", "header", name="uq_import_mappings_area_header"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The importer's area: files from one community are laid out alike.
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    #: The header cell as normalised (NFKC, no spaces, lower case).
    header: Mapped[str] = mapped_column(String(80))
    field: Mapped[str] = mapped_column(String(20))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
