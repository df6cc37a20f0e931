"""Every messy roster of the corpus (tests/roster_corpus.py) through the import preview, on both databases: each row
of the file accounted for (a door added, updated, unchanged or refused with its reason, or skipped with the
reason), no totals row imported, or the whole file refused in one sentence that says what to change."""

import csv
import io

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from fieldapp.roster import files
from fieldapp.roster.files import RosterFileError
from fieldapp.roster.imports import plan_import
from tests.roster_corpus import corpus

CORPUS = corpus()
REASONS = {"title": files.ABOVE_TABLE, "合计": files.TOTALS_ROW, "notes": files.NOTES_ROW, "header": files.HEADER_AGAIN}


def non_blank_rows(data: bytes, filename: str, ignored: set[str]) -> int:
    """Rows with any text, counted straight from the file, in the sheets that hold a table."""
    if filename.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        tables = [csv.reader(io.StringIO(text))]
    else:
        book = load_workbook(io.BytesIO(data), read_only=True)
        tables = [sheet.iter_rows(values_only=True) for sheet in book.worksheets if sheet.title not in ignored]
    return sum(1 for rows in tables for row in rows if any(str(cell).strip() for cell in row if cell is not None))


def test_the_corpus_has_a_dozen_files_and_each_kind_of_mess():
    assert len(CORPUS) >= 12
    assert len({item.filename for item in CORPUS}) >= 12
    assert any(item.data[:2] == b"PK" and item.header_rows == 2 for item in CORPUS)  # XLS-like two-row header
    assert any(item.filename.endswith(".csv") and b"\xef\xbb\xbf" not in item.data[:3] for item in CORPUS)  # GB18030


@pytest.mark.parametrize("item", CORPUS, ids=[f"{item.filename}:{item.what}" for item in CORPUS])
def test_each_file_is_read_with_every_row_accounted_for_or_refused_in_a_sentence(app, world, item):
    with force_locale("zh"):
        if item.refused:
            with pytest.raises(RosterFileError) as refusal:
                plan_import(item.data, item.filename, world.district, None, mapping=item.mapping)
            message = str(refusal.value.message)
            assert item.refused in message and message.count("。") == 1, message
            return
        plan = plan_import(item.data, item.filename, world.district, None, mapping=item.mapping)
        errors = {line: str(reason) for line, reason in plan.errors}

    assert plan.missing == list(item.missing)
    if item.missing:  # no row is checked until the column is mapped; the column is shown as unmatched
        assert [column.source for column in plan.file.columns if column.field is None] == ["none"]
        return
    assert (plan.rows, len(plan.adds), len(plan.updates), plan.unchanged) == (
        item.rows,
        item.adds,
        item.updates,
        item.unchanged,
    )
    assert plan.rows == len(plan.adds) + len(plan.updates) + plan.unchanged + len(plan.errors)
    assert set(errors) == set(item.errors), errors
    for line, words in item.errors.items():
        assert words in errors[line], (line, errors[line])
    assert {where: reason for where, reason in plan.file.skipped} == {
        where: REASONS[kind] for where, kind in item.skipped.items()
    }
    assert (plan.file.blank, plan.file.filled_down) == (item.blank, item.filled_down)
    assert [name for name, _reason in plan.file.ignored_sheets] == list(item.ignored_sheets)

    # Every row with any text is a door (planned or refused), skipped with its reason, or part of a header.
    written = non_blank_rows(item.data, item.filename, set(item.ignored_sheets))
    assert written == plan.rows + len(plan.file.skipped) + item.header_rows * len(plan.file.sheets)
    totals = {where for where, reason in plan.file.skipped if reason == files.TOTALS_ROW}
    assert not totals & {add["line"] for add in plan.adds}


def test_the_duplicated_room_is_refused_naming_both_lines(app, world):
    item = next(item for item in CORPUS if item.filename == "网格员名册.xlsx")
    with force_locale("zh"):
        plan = plan_import(item.data, item.filename, world.district, None)
        reason = dict((line, str(text)) for line, text in plan.errors)["9"]
    assert "2-502" in reason and "出现两次" in reason and "4" in reason
    assert 9 not in {int(add["line"]) for add in plan.adds}


def test_a_community_without_grids_does_not_take_the_grid_of_the_block_above(app, world):
    item = next(item for item in CORPUS if item.filename == "blocks.xlsx")
    plan = plan_import(item.data, item.filename, world.district, None)
    assert set(plan.new_areas) == {
        ("甲派出所", "甲派出所社区", "甲派出所一网格", "16号楼"),
        ("乙派出所", "乙派出所社区", "16号楼"),
    }


def test_values_read_from_words_numbers_and_masks_reach_the_plan(app, world):
    item = next(item for item in CORPUS if item.filename == "counts.xlsx")
    plan = plan_import(item.data, item.filename, world.district, None)
    by_room = {add["room"]: add for add in plan.adds}
    # 101's phone is masked (as an export writes it) but the door is new: nothing stored to keep, so refused.
    assert "101" not in by_room and "隐去部分" in dict(plan.errors)["2"]
    assert by_room["102"]["residents"] == 12 and by_room["102"]["contact_phone"] == "13800138000"
    assert by_room["102"]["kind"] == "shop"


def test_an_address_column_gives_building_unit_and_room(app, world):
    item = next(item for item in CORPUS if item.filename == "地址.csv")
    plan = plan_import(item.data, item.filename, world.district, None)
    doors = sorted((add["building"][-1], add["unit"], add["room"]) for add in plan.adds)
    assert doors == [("3", "2", "502"), ("A座", "", "1102"), ("万科2期3栋", "1", "101"), ("十二栋", "3", "201")]
