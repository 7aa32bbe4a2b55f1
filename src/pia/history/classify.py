"""重要な変更 or not, and the 提出時期 of each 別添3 row (ppc-rules §3; docs/history.md).

- A change to an item that carries ※, or lies in a section marked ※ (minus its stated exceptions), is 重要な変更,
  unless the author declared, in the revision's 例外, that it falls under an exception of the 指針 (risk clearly
  reduced, formal change such as a typo or an organisation's new name): then it is 事後 and the reason becomes
  提出時期に係る説明.
- A revision (all changes of one 変更日) holding any 重要な変更 is submitted before the change as a whole: all its
  rows are 事前 (SUB-2). Otherwise all are 事後.
- A change that raises the しきい値判断 result also requires re-assessment (CH-3).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from pia import dates
from pia.assessment import Assessment
from pia.errors import PiaError
from pia.history.diff import Change
from pia.history.rows import COLUMNS
from pia.items import each, item

RESULT = item("VI-1-②")
REVISIONS, REVISION_DATE, EXCEPTIONS = item("表紙-改訂"), item("改訂-変更日"), item("改訂-例外")
TIMING = item("別添3-提出時期")
# the keys of one declared exception (項目, 種類, 理由): the schema's order
EXC_ITEM, EXC_KIND, EXC_REASON = list(EXCEPTIONS.node["items"]["properties"])[:3]


@dataclass(frozen=True)
class Row:
    change: Change
    important: bool
    timing: str  # 事前 / 事後
    reason: str  # 提出時期に係る説明
    date: str  # 変更日 as the form writes it

    def betten3(self) -> dict[str, Any]:
        """The 別添3 row, keyed by the columns of the form."""
        values = (self.date, self.change.label, self.change.before or None, self.change.after or None, self.timing,
                  self.reason or None)
        return dict(zip(COLUMNS, values))


def _norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split()).replace("※", "")


def revision(a: Assessment, after: Assessment | None = None) -> dict[str, Any] | None:
    """The latest entry of 改訂 (the revision this version records)."""
    revs = [r for r in each(REVISIONS.get(a.meta)) if isinstance(r, dict) and revision_date(r)]
    return max(revs, key=revision_date) if revs else None


def revision_date(rev: dict[str, Any] | None) -> Any:
    """The 変更日 of one 改訂 entry, as a date (None when missing or unreadable)."""
    return dates.parse(REVISION_DATE.of(rev, REVISIONS)) if isinstance(rev, dict) else None


def _declared(rev: dict[str, Any] | None) -> list[tuple[str, str]]:
    out = []
    for exc in each(EXCEPTIONS.of(rev, REVISIONS)) if rev else []:
        if isinstance(exc, dict) and str(exc.get(EXC_ITEM) or "").strip():
            out.append((str(exc.get(EXC_ITEM)), str(exc.get(EXC_REASON) or "")))
    return out


def exceptions(rev: dict[str, Any] | None, changes: list[Change]) -> tuple[dict[int, str], list[str]]:
    """Which changes the revision's 例外 declare exempt (index -> reason), and the declarations that name no
    changed item. A declaration names one item exactly: the label `pia diff` prints, or the item code when only
    one changed item has it. A declaration that fits several items, or only the end of a label, is refused
    (PiaError listing the candidates), so that it can never exempt an item it was not written for."""
    exempt: dict[int, str] = {}
    unmatched: list[str] = []
    for named, reason in _declared(rev):
        want = _norm(named)
        hits = [i for i, c in enumerate(changes) if want in (_norm(c.label), _norm(c.code))]
        labels = sorted({changes[i].label for i in hits})
        if len(labels) > 1:
            raise PiaError(f"例外「{named}」は複数の変更に当てはまります。次のいずれかの項目の表記をそのまま書いてください: "
                           + " / ".join(labels))
        if not hits:
            partial = sorted({c.label for c in changes if c.starred and want and want in _norm(c.label)})
            if partial:
                raise PiaError(f"例外「{named}」は項目の表記の一部です。項目を一つに特定するため、表記をそのまま書いてください: "
                               + " / ".join(partial))
            unmatched.append(named)
        for i in hits:
            exempt[i] = reason
    return exempt, unmatched


def threshold_raised(old: Assessment, new: Assessment) -> bool:
    order = ("none", "basic", "focused", "full")  # what each result requires, lightest first

    def level(a: Assessment) -> int | None:
        m = RESULT.meaning(RESULT.get(a.meta))
        return order.index(m) if m in order else None

    o, n = level(old), level(new)
    return o is not None and n is not None and n > o


def classify(changes: list[Change], new: Assessment, date: str | None = None) -> list[Row]:
    rev = revision(new)
    d = date or (dates.to_era(revision_date(rev)) if rev else "")
    exempt, _ = exceptions(rev, changes)
    marked = []
    for i, c in enumerate(changes):
        reason = exempt.get(i) if c.starred else None
        marked.append((c, c.starred and reason is None, reason or ""))
    timing = TIMING.option("before") if any(imp for _, imp, _ in marked) else TIMING.option("after")
    return [Row(c, imp, timing, reason, d) for c, imp, reason in marked]
