"""Reading rosters as people type them, cell by cell and table by table (no database): addresses in one cell,
counts in words, phones stored as numbers, statuses and kinds in everyday words, header rows wherever they are."""

import io

import pytest
from flask_babel import force_locale
from flask_babel.speaklater import LazyString

from fieldapp import create_app
from fieldapp.roster import files
from fieldapp.roster.addresses import split_address, split_building
from fieldapp.roster.files import RosterFileError, header_field, read_roster
from fieldapp.roster.values import chinese_number, phone_number, site_values, whole_number
from tests.roster_corpus import A_COMMUNITY, A, csv_file, workbook


@pytest.fixture(scope="module")
def zh():
    """Sentences rendered in Chinese, as a grid worker reads them (no database is opened)."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "test"})
    with app.app_context(), force_locale("zh"):
        yield


# --- Addresses --------------------------------------------------------------------------------------------------

SPLIT = [
    ("幸福里小区3栋2单元502室", "幸福里小区3栋", "2", "", "502"),
    ("幸福里小区３栋２单元５０２室", "幸福里小区3栋", "2", "", "502"),  # 全角 digits
    ("幸福里小区 3栋 2单元 502室", "幸福里小区3栋", "2", "", "502"),  # stray spaces
    ("幸福里小区\u30003栋\u30002单元\u3000502室", "幸福里小区3栋", "2", "", "502"),  # ideographic spaces
    ("3栋2单元502", "3栋", "2", "", "502"),
    ("3幢2单元502室", "3幢", "2", "", "502"),
    ("3号楼2单元502", "3号楼", "2", "", "502"),
    ("3号2单元502", "3号", "2", "", "502"),
    ("A座1102", "A座", "", "", "1102"),
    ("B座2单元1102室", "B座", "2", "", "1102"),
    ("3栋502", "3栋", "", "", "502"),
    ("3栋502号", "3栋", "", "", "502"),
    ("3栋502户", "3栋", "", "", "502"),
    ("3栋B102", "3栋", "", "", "B102"),
    ("3栋1102", "3栋", "", "", "1102"),  # no floor guessed from the room number
    ("3栋0502", "3栋", "", "", "0502"),
    ("3栋三单元502", "3栋", "3", "", "502"),
    ("十二栋三单元201室", "十二栋", "3", "", "201"),
    ("3栋十二单元201", "3栋", "12", "", "201"),
    ("3栋2单元5层502", "3栋", "2", "5", "502"),
    ("3栋2单元5楼502室", "3栋", "2", "5", "502"),
    ("3号楼5楼502", "3号楼", "", "5", "502"),
    ("3栋五层501", "3栋", "", "5", "501"),
    ("3栋2单元-1层101", "3栋", "2", "-1", "101"),  # a basement
    ("万科2期3栋1单元101", "万科2期3栋", "1", "", "101"),  # digits in the estate's name stay in it
    ("万科城2期12幢3单元1801室", "万科城2期12幢", "3", "", "1801"),
    ("解放路12号502室", "解放路12号", "", "", "502"),
    ("解放路12号3栋502", "解放路12号3栋", "", "", "502"),
    ("3号院2号楼1单元302", "3号院2号楼", "1", "", "302"),
    ("3栋2-502", "3栋", "2", "", "502"),
    ("3栋-2单元-502", "3栋", "2", "", "502"),
    ("3-2-502", "3", "2", "", "502"),
    ("3－2－502", "3", "2", "", "502"),  # 全角 dashes
    ("幸福里3-2-502室", "幸福里3", "2", "", "502"),
    ("第3栋2单元502", "第3栋", "2", "", "502"),
]


@pytest.mark.parametrize(("text", "building", "unit", "floor", "room"), SPLIT)
def test_an_address_is_split_as_people_write_it(text, building, unit, floor, room):
    assert split_address(text) == {"building": building, "unit": unit, "floor": floor, "room": room}


REFUSED = [
    "",
    "502",  # no building
    "幸福里小区",  # no door at all
    "幸福里小区3栋2单元",  # no room
    "3-502",  # building 3 room 502, or unit 3 room 502?
    "3楼502",  # building 3 or floor 3?
    "3栋502-1",  # unit 502 room 1, or room 502-1?
    "3栋12-1",
    "3栋502、503",  # two doors in one cell
    "3栋502/503",
    "3栋502（东户）",  # a remark
    "3栋东边那户",
    "3栋5楼",  # a floor, no room
    "3栋2单元五〇二",  # a room in Chinese numerals: not read
    "3-2-5-502",
]


@pytest.mark.parametrize("text", REFUSED)
def test_an_address_that_cannot_be_split_for_sure_is_refused(text):
    with pytest.raises(ValueError):
        split_address(text)


def test_a_building_alone_is_read_when_the_room_has_its_own_column():
    assert split_building("幸福里小区3栋") == {"building": "幸福里小区3栋"}
    assert split_building("３号楼") == {"building": "3号楼"}
    with pytest.raises(ValueError):
        split_building("幸福里小区")


# --- Counts, phones, statuses, kinds -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [("3", 3), ("3.0", 3), ("３", 3), ("三", 3), ("两人", 2), ("三口人", 3), ("十二", 12), ("二十", 20), ("叁", 3),
     ("一百零五", 105), ("0", 0), ("-1", -1)],
)  # fmt: skip
def test_a_count_is_read_from_digits_or_words(text, number):
    assert whole_number(text, suffixes="人口") == number


@pytest.mark.parametrize("text", ["三四", "3-4", "约3人", "3.5", "三十四五", "x", ""])
def test_a_count_that_is_not_one_number_is_refused(text):
    with pytest.raises(ValueError):
        whole_number(text, suffixes="人口")


def test_room_style_numerals_read_digit_by_digit_only_where_asked():
    assert chinese_number("五〇二") == 502
    with pytest.raises(ValueError):
        chinese_number("五〇二", digit_by_digit=False)


@pytest.mark.parametrize(
    ("text", "digits"),
    [("13800138000", "13800138000"), ("13800138000.0", "13800138000"), ("138 0013 8000", "13800138000"),
     ("138-0013-8000", "13800138000"), ("+86 138 0013 8000", "13800138000"), ("008613800138000", "13800138000"),
     ("8613800138000", "13800138000"), ("0571-88886666", "057188886666"), ("(0571)8888-6666", "057188886666"),
     ("１３８００１３８０００", "13800138000"), ("88886666", "88886666")],
)  # fmt: skip
def test_a_phone_is_read_as_typed(text, digits):
    assert phone_number(text) == digits


@pytest.mark.parametrize("text", ["1.38E+10", "1.38001E+10", "1380013800", "138001380001", "13800138000/13900139000",
                                  "12345", "电话", "13800138000转1"])  # fmt: skip
def test_what_is_not_one_phone_is_refused(text):
    with pytest.raises(ValueError):
        phone_number(text)


DOOR = {"station": A, "community": A_COMMUNITY, "building": "3栋", "room": "502"}


def typed(**values):
    return site_values({**DOOR, **values})


def test_site_values_type_each_column(zh):
    out, problems = typed(
        unit="三单元", residents="两人", phone="138 0013 8000", householder=" 张建国 ", status="在住", kind="个体户"
    )
    assert problems == []
    assert out == {
        "unit": "3",
        "room": "502",
        "residents": 2,
        "contact_phone": "13800138000",
        "householder": "张建国",
        "status": "occupied",
        "kind": "shop",
    }


@pytest.mark.parametrize(
    ("status", "code"),
    [("有人住", "occupied"), ("常住", "occupied"), ("空置", "vacant"), ("空房", "vacant"), ("搬离", "moved_out"),
     ("已搬走", "moved_out"), ("新入住", "new"), ("vacant", "vacant"), ("Moved Out", "moved_out"), ("NEW", "new")],
)  # fmt: skip
def test_statuses_in_everyday_words(zh, status, code):
    assert typed(status=status) == ({"unit": "", "room": "502", "status": code}, [])


@pytest.mark.parametrize(
    ("kind", "code"),
    [("住户", "household"), ("居民", "household"), ("商户", "shop"), ("门店", "shop"), ("个体户", "shop"),
     ("企业", "enterprise"), ("公司", "enterprise"), ("学校", "school"), ("Shop", "shop")],
)  # fmt: skip
def test_kinds_in_everyday_words(zh, kind, code):
    assert typed(kind=kind)[0]["kind"] == code


def test_masked_values_pass_through_unchanged(zh):
    out, problems = typed(phone="138****8000", householder="张某")
    assert problems == [] and out["contact_phone"] == "138****8000" and out["householder"] == "张某"


@pytest.mark.parametrize(
    ("values", "words"),
    [({"residents": "-1"}, "人数“-1”"), ({"residents": "三四"}, "人数“三四”"), ({"phone": "1.38E+10"}, "文本格式"),
     ({"phone": "12345"}, "不是一个电话号码"), ({"status": "不清楚"}, "未知状态“不清楚”"), ({"kind": "仓库"}, "仓库"),
     ({"householder": "名" * 41}, "户主姓名超过 40"), ({"room": ""}, "房号")],
)  # fmt: skip
def test_impossible_values_are_refused_in_a_sentence(zh, values, words):
    _out, problems = typed(**values)
    assert len(problems) == 1 and words in str(problems[0]), [str(p) for p in problems]


def test_an_empty_cell_leaves_its_key_out_so_the_import_keeps_what_is_stored(zh):
    out, problems = typed(residents="", phone="", householder="", status="", kind="")
    assert problems == [] and out == {"unit": "", "room": "502"}


# --- Header rows, synonyms, skipped rows ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [("楼栋", "building"), ("小区楼栋", "building"), ("楼号", "building"), ("幢号", "building"), ("房号", "room"),
     ("门牌号", "room"), ("室", "room"), ("常住人口", "residents"), ("人数", "residents"), ("居住人数", "residents"),
     ("人数（人）", "residents"), ("联系电话", "phone"), ("电话", "phone"), ("手机", "phone"), ("手机号码", "phone"),
     ("户主", "householder"), ("姓名", "householder"), ("类型", "kind"), ("性质", "kind"), ("居住状态", "status"),
     ("*房号", "room"), ("楼栋：", "building"), ("详细地址", "address"), ("所属派出所", "station"),
     ("所属社区", "community"), ("Building No.", "building"), ("Room No.", "room"), ("Mobile", "phone"),
     ("Ｓｔａｔｉｏｎ", "station"), ("序号", None), ("备注", None)],
)  # fmt: skip
def test_headers_are_matched_by_their_common_names(header, field):
    assert header_field(header, files.FIELDS) == field


def test_a_column_not_matched_is_left_out_and_shown_so():
    roster = read_roster(
        csv_file([["派出所", "社区", "楼栋", "房号", "户室类别"], [A, A_COMMUNITY, "3栋", "1", "x"]]), "r.csv"
    )
    unmatched = [(column.header, column.field, column.source) for column in roster.columns if column.field is None]
    assert unmatched == [("户室类别", None, "none")]
    assert roster.missing == []


def test_a_second_column_of_the_same_field_is_not_guessed():
    roster = read_roster(csv_file([["派出所", "社区", "楼栋", "房号", "电话", "手机"]]), "r.csv")
    assert [(c.header, c.field, c.source) for c in roster.columns][-2:] == [
        ("电话", "phone", "header"),
        ("手机", None, "none"),
    ]


def test_a_title_and_a_signature_line_above_the_header_are_passed_over():
    rows = [["东门社区住户名册"], ["填表人：王芳", "", "日期：2024-05-06"], [], ["派出所", "社区", "楼栋", "房号"]]
    rows += [[A, A_COMMUNITY, "3栋", "101"]]
    roster = read_roster(csv_file(rows), "r.csv")
    assert roster.sheets[0].header_line == 4
    assert [row.where for row in roster.rows()] == ["5"]
    assert roster.skipped == [("1", files.ABOVE_TABLE), ("2", files.ABOVE_TABLE)]


def test_a_two_row_header_is_read_as_one():
    rows = [["派出所", "社区", "地址", None, None, "人数"], [None, None, "楼栋", "单元", "房号", None]]
    rows += [[A, A_COMMUNITY, "3栋", "2", "502", "三"]]
    roster = read_roster(workbook(("Sheet1", rows, ["C1:E1", "A1:A2", "B1:B2", "F1:F2"])), "r.xlsx")
    assert [column.field for column in roster.columns] == [
        "station",
        "community",
        "building",
        "unit",
        "room",
        "residents",
    ]
    (row,) = roster.rows()
    assert (row.where, row.values["building"], row.values["unit"], row.values["room"]) == ("3", "3栋", "2", "502")


def test_rows_skipped_say_why_in_the_readers_language(zh):
    rows = [
        ["派出所", "社区", "楼栋", "房号", "人数"],
        [A, A_COMMUNITY, "3栋", "101", 2],
        ["合计", None, None, None, 2],
    ]
    rows += [["派出所", "社区", "楼栋", "房号", "人数"], [None, None, None, None, "=SUM(E2:E2)"], ["注：空房未列"]]
    roster = read_roster(workbook(("Sheet1", rows, [])), "r.xlsx")
    assert len(list(roster.rows())) == 1
    reasons = [reason for _where, reason in roster.skipped]
    assert all(isinstance(reason, LazyString) for reason in reasons)  # rendered when shown, in the reader's language
    assert [where for where, _reason in roster.skipped] == ["3", "4", "5", "6"]
    totals, again, notes = "合计行（合计或公式）：不是住户。", "重复的表头行。", "说明文字，不是住户。"
    assert [str(reason) for reason in reasons] == [totals, again, totals, notes]


def test_a_row_whose_address_cannot_be_split_carries_the_reason(zh):
    rows = [["派出所", "社区", "地址"], [A, A_COMMUNITY, "3-502"], [A, A_COMMUNITY, "3栋2单元502"]]
    first, second = read_roster(csv_file(rows), "r.csv").rows()
    assert "“3-502”" in str(first.problems[0]) and second.problems == []
    assert (second.values["building"], second.values["unit"], second.values["room"]) == ("3栋", "2", "502")


def test_a_file_without_a_table_is_refused_in_one_sentence(zh):
    with pytest.raises(RosterFileError) as refusal:
        read_roster(workbook(("说明", [["填写说明"], ["每户一行"]], [])), "r.xlsx")
    message = str(refusal.value.message)
    assert "列名" in message and message.count("。") == 1


# --- XLSX read by the C parser ---------------------------------------------------------------------------------


def test_every_corpus_workbook_reads_cell_for_cell_as_openpyxl_reads_it():
    from openpyxl import load_workbook

    from fieldapp.roster.sheets import cell_text, read_sheets
    from tests.roster_corpus import corpus

    def trimmed(rows):
        out = [[cell_text(value) for value in row] for row in rows]
        for row in out:
            while row and row[-1] == "":
                row.pop()
        while out and not out[-1]:
            out.pop()
        return out

    workbooks = [item for item in corpus() if item.filename.endswith(".xlsx")]
    assert len(workbooks) >= 6
    for item in workbooks:
        ours = [(title, trimmed(rows)) for title, rows in read_sheets(item.data, item.filename)]
        book = load_workbook(io.BytesIO(item.data), read_only=True)
        theirs = [(sheet.title, trimmed(sheet.iter_rows(values_only=True))) for sheet in book.worksheets]
        assert ours == theirs, item.filename


def test_a_workbook_part_with_a_doctype_is_refused_before_it_is_parsed():
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(workbook(("Sheet1", [["派出所", "社区", "楼栋", "房号"]], []))))
    sheet = source.read("xl/worksheets/sheet1.xml")
    body = sheet.split(b"?>", 1)[1] if sheet.startswith(b"<?xml") else sheet
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>' + body
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            target.writestr(member.filename, laughs if member.filename.endswith("sheet1.xml") else source.read(member))
    with pytest.raises(RosterFileError):
        read_roster(out.getvalue(), "r.xlsx")


def test_formulas_numbers_and_rows_left_out_read_as_excel_shows_them():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["A1"], sheet["B1"], sheet["C1"] = "房号", 13800138000, 3.5
    sheet["A4"], sheet["B4"] = "=SUM(B1:B3)", -2  # rows 2 and 3 are not in the file at all
    out = io.BytesIO()
    book.save(out)
    ((_title, rows),) = files.sheets.read_sheets(out.getvalue(), "r.xlsx")
    assert list(rows) == [["房号", "13800138000", "3.5"], [], [], ["=SUM(B1:B3)", "-2"]]
