"""The weekly report as files, in the language of the request that builds them (Chinese unless the user chose
English): a summary sheet (the week, where "to date" counts from, who published it, the 周点评 and every measure),
then one sheet per ranked table: door-to-door, then outreach events (宣讲), warnings (预警劝阻) and shops, enterprises
and schools (扫街 / 扫企) per level. Numbers stay numbers; every cell goes through reports/cells.py."""

import io
import re
from datetime import date

from babel.dates import get_day_names
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fieldapp import labels
from fieldapp.events.counting import EVENT_SUMS
from fieldapp.keygroups.coverage import OTHER_KINDS
from fieldapp.reports.cells import BOM, csv_writer, workbook_bytes
from fieldapp.reports.weekly_outreach import unrouted_rows

#: What the report calls the figures it shows beyond the targets' measures (labels.MEASURES).
MEASURE_LABELS = {
    **labels.MEASURES,
    "notices_signed": _l("Notices signed"),
    "receipts_collected": _l("Receipts collected"),
}
#: The tables of people, beside labels.LEVELS for the areas.
PEOPLE_KINDS = {"team": _l("Teams"), "volunteer": _l("Volunteers")}
#: An event rollup's sums (events.counting.EVENT_SUMS) as the report names them.
EVENT_LABELS = {"events": _l("Events held"), **labels.EVENT_COUNTS}
#: A warnings cell (reports/weekly_outreach.py), as the report names its figures.
WARNING_LABELS = {
    "received": _l("Warnings received"),
    "on_time": _l("Followed up on time"),
    "late": _l("Followed up late"),
    "pending": _l("Not yet due"),
    "rate": _l("On-time rate (%)"),
}
#: The kinds of site counted apart from households, and all of them together.
KIND_LABELS = {**{kind: labels.SITE_KINDS[kind] for kind in OTHER_KINDS}, "all": _l("All three kinds")}


def measure_name(item: dict) -> str:
    """A measure as the reader calls it; a mini-program by the name it had when the report was built."""
    return item["name"] or str(MEASURE_LABELS.get(item["measure"], item["measure"]))


def kind_name(kind: str) -> str:
    return str(labels.LEVELS.get(kind) or PEOPLE_KINDS[kind])


def ranking_name(kind: str) -> str:
    if kind in PEOPLE_KINDS:
        return _("by households visited this week")
    return _("by coverage")


def week_text(data: dict) -> str:
    """e.g. "第48周 2026-11-23（周一）至 2026-11-29（周日）"."""
    days = get_day_names("abbreviated", locale=str(get_locale()))
    first, last = date.fromisoformat(data["week_start"]), date.fromisoformat(data["week_end"])
    span = _(
        "%(first)s (%(first_day)s) to %(last)s (%(last_day)s)",
        first=data["week_start"],
        first_day=days[first.weekday()],
        last=data["week_end"],
        last_day=days[last.weekday()],
    )
    if data.get("week_number"):
        return _("Week %(number)s", number=data["week_number"]) + " " + span
    return span


def since_text(data: dict) -> str:
    if data.get("campaign"):
        return _("%(campaign)s: figures to date count from %(day)s.", campaign=data["campaign"], day=data["since"])
    return _("No campaign: figures to date count every visit on record.")


def status_text(data: dict) -> str:
    if published := data.get("published"):
        return _("Published %(when)s by %(who)s", when=published["at"], who=published["by"])
    if data.get("as_of"):  # a large area's draft, as kept: the file may be read days later, so with its date
        return _("Draft: figures as of %(time)s", time=format_datetime(data["as_of"], "yyyy-MM-dd HH:mm"))
    return _("Draft: figures are live until published")


def report_title(data: dict) -> str:
    """e.g. "临江区 周报 第48周 2026-11-23（周一）至 2026-11-29（周日）"."""
    return f"{data['area']} {_('Weekly report')} {week_text(data)}"


def _target_or_note(cell: dict):
    return cell.get("target", _("none handed down"))


def summary_rows(data: dict) -> list[list]:
    """The area's own figures: one row per measure, this week, last week, the change, to date, target and %."""
    summary = data["summary"]
    rows = [
        [_("Measure"), _("This week"), _("Last week"), _("Change from last week"), _("To date"), _("Target"), "%"],
        [_("Resident households"), None, None, None, summary["resident_households"], None, None],
        [_("Coverage rate"), None, None, summary["coverage_change"], summary["coverage"], None, None],
    ]
    for item in data["measures"]:
        cell = summary["figures"][item["measure"]]
        rows.append(
            [
                measure_name(item),
                cell["week"],
                cell["week"] - cell["change"],
                cell["change"],
                cell["to_date"],
                cell.get("target"),
                cell.get("percent"),
            ]
        )
    return rows


def outreach_summary_rows(data: dict) -> list[list]:
    """The area's own events, warnings and other kinds of site, each a block under its header row (in bold)."""
    if "outreach" not in data:
        return []
    outreach, own = data["outreach"], data["events"][0]
    rows = [[_("Outreach events"), _("This week"), _("To date")]]
    rows += [[str(EVENT_LABELS[name]), own["week"][name], own["to_date"][name]] for name in EVENT_SUMS]
    rows += [[], [_("Warnings followed up"), _("This week"), _("To date")]]
    warnings = outreach["warnings"]
    rows += [[str(label), warnings["week"][name], warnings["to_date"][name]] for name, label in WARNING_LABELS.items()]
    header = [_("Kind of site"), _("Sites"), _("Talked to this week"), _("Talked to to date"), _("Share talked to")]
    rows += [[], header]
    summary = outreach["sites"]["summary"]
    for kind, label in KIND_LABELS.items():
        cell = summary[kind]
        rows.append([str(label), cell["total"], cell["week"], cell["to_date"], cell["percent"]])
    return rows


def table_columns(data: dict, table: dict) -> list[tuple]:
    """(header, how to read a row, whether the totals row shows it) for one ranked table, in file order."""
    kind = table["kind"]
    people = kind in PEOPLE_KINDS
    name_header = _("Name") if kind == "volunteer" else _("Team") if people else _("Area name")
    columns = [
        (_("Rank"), lambda r: r.get("rank"), False),
        (name_header, lambda r: r["name"], False),
        (_("Team") if kind == "volunteer" else _("Belongs to"), lambda r: r["parent"], False),
    ]
    if not people:
        columns += [
            (_("Resident households"), lambda r: r["resident_households"], True),
            (_("Coverage rate"), lambda r: r["coverage"], True),
            (_("Coverage change (points)"), lambda r: r.get("coverage_change"), False),
        ]
    for item in data["measures"]:
        measure, name = item["measure"], measure_name(item)
        if measure not in table["measures"]:
            continue
        columns += [
            (_("%(measure)s this week", measure=name), lambda r, m=measure: r["figures"][m]["week"], True),
            (_("%(measure)s change", measure=name), lambda r, m=measure: r["figures"][m]["change"], True),
            (_("%(measure)s to date", measure=name), lambda r, m=measure: r["figures"][m]["to_date"], True),
        ]
        if measure in table["target_measures"]:
            columns += [
                (_("%(measure)s target", measure=name), lambda r, m=measure: _target_or_note(r["figures"][m]), True),
                (
                    _("%(measure)s completed (%%)", measure=name),
                    lambda r, m=measure: r["figures"][m].get("percent"),
                    True,
                ),
            ]
    if "app_installs" in table["target_measures"]:
        columns.append((_("Rank by installs completed"), lambda r: r.get("target_rank"), False))
    return columns


def table_rows(data: dict):
    """(sheet title, header, rows, totals row) per ranked table that has rows."""
    for table in data["tables"]:
        if not table["rows"]:
            continue
        columns = table_columns(data, table)
        rows = [[read(row) for _header, read, _total in columns] for row in table["rows"]]
        totals = [read(table["totals"]) if total else None for _header, read, total in columns]
        totals[0] = _("Total")
        title = f"{kind_name(table['kind'])} {ranking_name(table['kind'])}"
        yield title, [header for header, _read, _total in columns], rows, totals


def _period_columns(names: dict, read) -> list[tuple]:
    """A column "this week" and one "to date" per figure; `read(row, period, name)` gives a cell."""
    return [
        (label(name=str(title)), lambda r, p=period, n=name: read(r, p, n), True)
        for name, title in names.items()
        for period, label in (
            ("week", lambda name: _("%(measure)s this week", measure=name)),
            ("to_date", lambda name: _("%(measure)s to date", measure=name)),
        )
    ]


def outreach_columns(section: str) -> list[tuple]:
    """(header, how to read a row, whether the totals row shows it) for a table of data["outreach"]."""
    columns = [
        (_("Rank"), lambda r: r.get("rank"), False),
        (_("Area name"), lambda r: r["name"], False),
        (_("Belongs to"), lambda r: r["parent"], False),
    ]
    if section == "event_tables":
        return columns + _period_columns(EVENT_LABELS, lambda r, period, name: r[period][name])
    if section == "warning_tables":
        return columns + _period_columns(WARNING_LABELS, lambda r, period, name: r[period][name])
    for kind, label in KIND_LABELS.items():
        columns += [
            (_("%(kind)s: sites", kind=label), lambda r, k=kind: r["kinds"][k]["total"], True),
            (_("%(kind)s: talked to this week", kind=label), lambda r, k=kind: r["kinds"][k]["week"], True),
            (_("%(kind)s: talked to to date", kind=label), lambda r, k=kind: r["kinds"][k]["to_date"], True),
            (_("%(kind)s: share talked to (%%)", kind=label), lambda r, k=kind: r["kinds"][k]["percent"], True),
        ]
    return columns


#: Each table of data["outreach"] and how it is ranked, in file order.
OUTREACH_TABLES = {
    "event_tables": _l("outreach events, by people reached"),
    "warning_tables": _l("warnings, by on-time rate this week"),
    "site_tables": _l("shops, enterprises and schools, by coverage"),
}


def outreach_table_rows(data: dict):
    """(sheet title, header, rows, totals row) per table of data["outreach"], as `table_rows`."""
    if not (outreach := data.get("outreach")):
        return
    found = {
        "event_tables": outreach["event_tables"],
        "warning_tables": outreach["warning_tables"],
        "site_tables": outreach["sites"]["tables"],
    }
    for section, ranking in OUTREACH_TABLES.items():
        columns = outreach_columns(section)
        for table in found[section]:
            rows = [[read(row) for _header, read, _total in columns] for row in table["rows"] + unrouted_rows(table)]
            totals = [read(table["totals"]) if total else None for _header, read, total in columns]
            totals[0] = _("Total")
            title = f"{kind_name(table['kind'])} {ranking}"
            yield title, [header for header, _read, _total in columns], rows, totals


def ranked_tables(data: dict):
    """Every ranked table of the report, in file order."""
    yield from table_rows(data)
    yield from outreach_table_rows(data)


def comment_rows(data: dict) -> list[list]:
    """The 周点评, one row per line (a spreadsheet shows one line of a cell), the first line labelled."""
    if not data.get("comment"):
        return []
    first, *more = data["comment"].split("\n")
    return [[_("Weekly comment: %(text)s", text=first)], *([line] for line in more)]


def weekly_xlsx(data: dict) -> bytes:
    """The summary sheet first (title, campaign, status, 周点评, every measure), then one sheet per ranked table:
    its title row, the header (row 2), the rows, the totals in bold."""
    head = [[report_title(data)], [since_text(data)], [status_text(data)], *comment_rows(data)]
    measures, outreach = summary_rows(data), outreach_summary_rows(data)
    summary = [*head, [], *measures, *([[], *outreach] if outreach else [])]
    # Each block's header row in bold: the measures', then those of the events, warnings and kinds of site.
    first_outreach = len(head) + 1 + len(measures) + 1
    bold = {0, len(head) + 1} | {first_outreach + i for i, row in enumerate(outreach) if i == 0 or not outreach[i - 1]}
    # The 4th element is the header row: it stays in view, and the columns are sized from it down.
    sheets = [(_("Summary"), summary, bold, len(head) + 1)]
    for title, header, rows, totals in ranked_tables(data):
        lines = [[report_title(data)], header, *rows, totals]
        name = re.sub(r"[\\/?*\[\]:]", "·", title)[:31]  # Excel forbids these in sheet names
        sheets.append((name, lines, {1, len(lines) - 1}, 1))
    return workbook_bytes(sheets)


def weekly_csv(data: dict) -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv_writer(buffer)
    writer.writerows([[report_title(data)], [since_text(data)], [status_text(data)], *comment_rows(data)])
    writer.writerow([])
    writer.writerows(summary_rows(data))
    if outreach := outreach_summary_rows(data):
        writer.writerow([])
        writer.writerows(outreach)
    for title, header, rows, totals in ranked_tables(data):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
        writer.writerow(totals)
    return buffer.getvalue().encode("utf-8")
