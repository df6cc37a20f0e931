"""Key groups named in text, as a roster cell holds them ("独居老人、学生", "老人,学生家长", "无"), and written back.

The one rule for reading such a cell: the roster import uses it, and so should any other place that takes key
groups by name (an API, a command). The roster export writes names with `joined_names`, which reads back the same.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from fieldapp.models import KeyGroup

#: Between two names in a cell (after NFKC: "，" is ",", "；" is ";", "／" is "/"; "、" stays itself).
SEPARATORS = re.compile(r"[、,;/\s]+")
SPLIT_KEEPING = re.compile(r"([、,;/\s]+)")
#: How names are joined when written: the way people list them in Chinese.
JOINER = "、"
#: A cell that says "none": the household belongs to no key group (an empty cell keeps what is stored).
NONE_WORDS = frozenset({"无", "没有", "否", "非", "不是", "none", "no", "n/a", "-", "--", "—", "——", "/", "\\"})


def name_key(text: str) -> str:
    """A name as compared: NFKC (全角 as ordinary characters), no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).casefold()


@dataclass
class NamedGroups:
    """What a cell names: `given` False for an empty cell (keep the marks stored), else `groups` (in the order
    written, each once; empty for "无") and the `unknown` names, as written."""

    given: bool
    groups: list[KeyGroup] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(group.id for group in self.groups)


class GroupNames:
    """The key groups that may be named (the active ones), looked up by `name_key`. Built once per file."""

    def __init__(self, groups: list[KeyGroup]):
        self.groups = list(groups)
        self.by_key = {name_key(group.name): group for group in self.groups}
        #: The most pieces a name falls into when split ("学生/家长" is two): names are matched over that many.
        self.span = max((len(pieces(group.name)) for group in self.groups), default=1) or 1

    def read(self, text: str | None) -> NamedGroups:
        """The groups a cell names. Each piece between separators is a name, matched case- and space-insensitively
        with full-width characters normalised; a group whose own name holds a separator is matched whole first."""
        cell = unicodedata.normalize("NFKC", text or "").strip()
        if not cell:
            return NamedGroups(given=False)
        # Names at even places, the separators between them at odd places: a span is compared as written.
        split = SPLIT_KEEPING.split(cell)
        parts = split[::2]
        if name_key(cell) in NONE_WORDS or all(name_key(part) in NONE_WORDS for part in parts):
            return NamedGroups(given=True)
        found = NamedGroups(given=True)
        start = 0
        while start < len(parts):
            if not parts[start]:  # a separator at the start or the end of the cell
                start += 1
                continue
            for end in range(min(len(parts), start + self.span), start, -1):
                group = self.by_key.get(name_key("".join(split[2 * start : 2 * end - 1])))
                if group is not None:
                    if group not in found.groups:
                        found.groups.append(group)
                    start = end
                    break
            else:
                if parts[start] not in found.unknown:
                    found.unknown.append(parts[start])
                start += 1
        return found

    def unknown_message(self, unknown: list[str]) -> str:
        """The sentence a row in error shows: which names are not key groups, and which are."""
        if not self.groups:
            return str(
                _l(
                    "Unknown key group “%(names)s”: no key groups are kept yet (an admin adds them under Key groups).",
                    names=JOINER.join(unknown),
                )
            )
        return str(
            _l(
                "Unknown key group “%(names)s”; choose from: %(groups)s.",
                names=JOINER.join(unknown),
                groups=joined_names(self.groups),
            )
        )


def pieces(text: str) -> list[str]:
    """The names of a cell, split on 、,，;；/ and spaces (empty pieces dropped)."""
    return [part for part in SEPARATORS.split(unicodedata.normalize("NFKC", text or "")) if part]


def joined_names(groups) -> str:
    """Key groups as a cell holds them: "独居老人、学生及家长" (read back by `GroupNames.read`)."""
    return JOINER.join(group.name for group in groups)
