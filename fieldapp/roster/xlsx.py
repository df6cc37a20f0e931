"""An XLSX's sheets as rows of text, streamed: what a roster import needs, six times faster than openpyxl.

openpyxl's read-only mode parses through defusedxml, which swaps in the pure-Python XML parser (and, for a file
without a <dimension>, as many tools save them, it parses every sheet twice): 100,000 rows took over a minute.
Here the C parser reads each part once. What defusedxml guards against (entity expansion, external entities)
needs a DOCTYPE, so a part with one is refused before any of it is parsed. Every error is a ValueError (or an
error of zipfile or the parser) for `sheets.py` to word as "not an Excel file that can be read".

Cells read as openpyxl reads them with `data_only=False`: a formula as "=SUM(H3:H9)", a number as its digits
(13800138000, not 1.38E+10), shared and inline strings as their text. Dates stay Excel serial numbers: a
roster has none. Rows missing from the file (empty in Excel) are yielded empty, so line numbers match Excel's.
"""

import re
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import Element, iterparse

#: A DOCTYPE or an entity declaration, anywhere in a part (a cell's "<" is written "&lt;", so text never matches).
DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
#: Transitional (what Excel and WPS save) and strict OOXML.
OOXML, STRICT = "http://schemas.openxmlformats.org/", "http://purl.oclc.org/ooxml/"
NAMESPACES = (f"{{{OOXML}spreadsheetml/2006/main}}", f"{{{STRICT}spreadsheetml/main}}")
RELATIONSHIPS = (
    f"{{{OOXML}officeDocument/2006/relationships}}id",
    f"{{{STRICT}officeDocument/relationships}}id",
)
RELATIONSHIP = f"{{{OOXML}package/2006/relationships}}Relationship"
COLUMN_LETTERS = re.compile(r"[A-Z]+")


class _Guarded:
    """A part read as iterparse asks for it, refused at the first DOCTYPE or entity declaration."""

    def __init__(self, source):
        self.source, self.tail = source, b""

    def read(self, size: int) -> bytes:
        chunk = self.source.read(size)
        if DOCTYPE.search(self.tail + chunk):
            raise ValueError("a DOCTYPE in a part of the file")
        self.tail = chunk[-16:]
        return chunk


def _ends(source, tags: set[str]) -> Iterator[Element]:
    """The elements named `tags` (with their namespace) as each one ends, from a part read in chunks."""
    # Safe to parse with the C parser: _Guarded refuses the DOCTYPE every XML attack needs.
    for _event, element in iterparse(_Guarded(source), events=("end",)):  # noqa: S314
        if element.tag in tags:
            yield element


def _names(local: str) -> set[str]:
    return {namespace + local for namespace in NAMESPACES}


def _part(archive: zipfile.ZipFile, target: str) -> str:
    """A relationship's target as a path in the zip ("worksheets/sheet1.xml" is under xl/)."""
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def read_xlsx(data) -> Iterator[tuple[str, Iterator[list[str]]]]:
    """(title, rows) for each sheet of the workbook, in the order of its tabs."""
    archive = zipfile.ZipFile(data)
    with archive.open("xl/_rels/workbook.xml.rels") as source:
        rels = {
            element.get("Id"): (element.get("Type", ""), element.get("Target", ""))
            for element in _ends(source, {RELATIONSHIP})
        }
    shared: list[str] = []
    for kind, target in rels.values():
        if kind.endswith("/sharedStrings"):
            with archive.open(_part(archive, target)) as source:
                shared = [_text(item) for item in _ends(source, _names("si"))]
    with archive.open("xl/workbook.xml") as source:
        sheets = [
            (element.get("name", ""), next(element.get(key) for key in RELATIONSHIPS if element.get(key)))
            for element in _ends(source, _names("sheet"))
        ]
    if not sheets:
        raise ValueError("no sheets")
    for title, rel in sheets:
        yield title, _rows(archive, _part(archive, rels[rel][1]), shared)


def _text(item: Element) -> str:
    """A shared or inline string: its <t>, or its rich-text runs' <t>s (not the phonetic guide, <rPh>)."""
    namespace = item.tag[: item.tag.index("}") + 1] if item.tag.startswith("{") else ""
    direct = item.find(f"{namespace}t")
    if direct is not None:
        return direct.text or ""
    return "".join(run.findtext(f"{namespace}t") or "" for run in item.findall(f"{namespace}r"))


def _rows(archive: zipfile.ZipFile, path: str, shared: list[str]) -> Iterator[list[str]]:
    columns: dict[str, int] = {}  # "AB" -> 27: a few dozen letters, looked up once per cell
    expected = 1
    with archive.open(path) as source:
        for row in _ends(source, _names("row")):
            number = int(row.get("r") or expected)
            while expected < number:  # rows Excel left out are empty rows
                yield []
                expected += 1
            expected = number + 1
            namespace = row.tag[: row.tag.index("}") + 1]
            values: list[str] = []
            for cell in row:
                ref = cell.get("r")
                if ref:
                    letters = COLUMN_LETTERS.match(ref).group()
                    index = columns.get(letters)
                    if index is None:
                        index = columns[letters] = _column(letters)
                    if index > len(values):
                        values.extend([""] * (index - len(values)))
                values.append(_value(cell, namespace, shared))
            row.clear()
            yield values


def _column(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _value(cell: Element, namespace: str, shared: list[str]) -> str:
    formula = cell.find(f"{namespace}f")
    if formula is not None:  # totals rows show as such
        return "=" + (formula.text or "")
    kind = cell.get("t")
    if kind == "inlineStr":
        inline = cell.find(f"{namespace}is")
        return "" if inline is None else _text(inline)
    value = cell.findtext(f"{namespace}v")
    if value is None:
        return ""
    if kind == "s":
        return shared[int(value)]
    if kind in (None, "n"):
        if value.isdigit():
            return value.lstrip("0") or "0"
        number = float(value)  # "3.0", "1.38E+10": a whole number as its digits, as openpyxl and cell_text give
        return str(int(number)) if number.is_integer() else str(number)
    if kind == "b":
        return "TRUE" if value == "1" else "FALSE"
    return value
