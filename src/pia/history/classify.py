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
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from pia.base import dates
from pia.form import kinds
from pia.document import family
from pia.document.assessment import Assessment
from pia.base.errors import PiaError
from pia.document.changes import COLUMNS
from pia.form.items import Item, UnknownItem, each, item

if TYPE_CHECKING:  # the diff (and the formatting it imports) is not loaded by `pia check`, which reads revisions
    from pia.history.diff import Change

REVISIONS, REVISION_DATE, EXCEPTIONS = item("表紙-改訂"), item("改訂-変更日"), item("改訂-例外")
TIMING = item("別添3-提出時期")
# the keys of one declared exception (項目, 種類, 理由): the schema's order
EXC_ITEM, EXC_KIND, EXC_REASON = list(EXCEPTIONS.node["items"]["properties"])[:3]


@dataclass(frozen=True)
class Record:
    """Where one kind of document records its revisions (改訂), and its 変更箇所's 提出時期 column. The 基礎項目評価書
    has no ※ items, so no 例外 and no 再評価 (None)."""
    revisions: Item
    date: Item
    exceptions: Item | None
    reassessment: Item | None
    timing: Item


def _optional(code: str) -> Item | None:
    try:
        return item(code)
    except UnknownItem:
        return None


@cache
def record(kind: kinds.Kind) -> Record:
    p = kind.code_prefix
    return Record(item(p + "表紙-改訂"), item(p + "改訂-変更日"), _optional(p + "改訂-例外"), _optional(p + "改訂-再評価"),
                  item(p + "別添3-提出時期"))


@dataclass(frozen=True)
class Row:
    change: Change
    important: bool
    timing: str  # 事前 / 事後
    reason: str  # 提出時期に係る説明
    date: str  # 変更日 as the form writes it

    def betten3(self) -> dict[str, Any]:
        """The 別添3 (変更箇所) row, keyed by the columns of the form (the same in every form)."""
        values = (self.date, self.change.label, self.change.before or None, self.change.after or None, self.timing,
                  self.reason or None)
        return dict(zip(COLUMNS, values))


def _norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split()).replace("※", "")


def revision(a: Assessment, kind: kinds.Kind) -> dict[str, Any] | None:
    """The latest entry of a document's own 改訂 (the revision this version records)."""
    rec = record(kind)
    dated = [(d, i, r) for i, r in enumerate(each(rec.revisions.get(family.data(a, kind))))
             if isinstance(r, dict) and (d := revision_date(r, kind))]
    return max(dated, key=lambda x: (x[0], -x[1]))[2] if dated else None  # the first of the latest, as max() gives


def document_date(a: Assessment, kind: kinds.Kind) -> Any:
    """The 変更日 a version carries for one document: the latest entry of its own 改訂 and, for a 基礎項目評価書 that
    prints facts the main document holds, of the main document's 改訂 too (None when neither has one)."""
    main = family.main_kind(a)
    found = [revision_date(revision(a, k), k) for k in {kind.id: kind, (main or kind).id: main or kind}.values()]
    found = [d for d in found if d]
    return max(found) if found else None


def revision_date(rev: dict[str, Any] | None, kind: kinds.Kind) -> Any:
    """The 変更日 of one 改訂 entry, as a date (None when missing or unreadable)."""
    rec = record(kind)
    value = rec.date.of(rev, rec.revisions) if isinstance(rev, dict) else None
    return _date(value) if isinstance(value, str) else None


@lru_cache(maxsize=4096)
def _date(text: str) -> Any:
    return dates.parse(text)  # the same few 変更日 are read again in every version of a long history


def reassessed(value: Any, it: Item) -> tuple[bool | None, Any, str]:
    """A revision's 再評価 value: (done? — None when not stated, its date, the key of the date). The sub-items carry
    no code; they are read by their place in the schema (状況 with its options 実施済み/予定, then 日付)."""
    from pia.form import schema as sch

    (state_key, state_node), (date_key, _) = list(sch.properties(it.node))[:2]
    if not isinstance(value, dict):
        return None, None, date_key
    opts = sch.options(state_node)
    state = value.get(state_key)
    return (state == opts[0] if state in opts else None), dates.parse(value.get(date_key)), date_key


def awaiting_reassessment(rev: dict[str, Any] | None, kind: kinds.Kind) -> bool:
    """A 改訂 recorded with its 再評価 予定: a 事前 revision, re-assessed and published before its change, not yet so."""
    rec = record(kind)
    return isinstance(rev, dict) and rec.reassessment is not None and \
        reassessed(rec.reassessment.of(rev, rec.revisions), rec.reassessment)[0] is False


def _declared(rev: dict[str, Any] | None, kind: kinds.Kind) -> list[tuple[str, str]]:
    rec = record(kind)
    if rec.exceptions is None or not rev:
        return []
    out = []
    for exc in each(rec.exceptions.of(rev, rec.revisions)):
        if isinstance(exc, dict) and str(exc.get(EXC_ITEM) or "").strip():
            out.append((str(exc.get(EXC_ITEM)), str(exc.get(EXC_REASON) or "")))
    return out


def exceptions(rev: dict[str, Any] | None, changes: list[Change], kind: kinds.Kind) -> tuple[dict[int, str], list[str]]:
    """Which changes the revision's 例外 declare exempt (index -> reason), and the declarations that name no
    changed item. A declaration names one item exactly: the label `pia diff` prints, or the item code when only
    one changed item has it. A declaration that fits several items, or only the end of a label, is refused
    (PiaError listing the candidates), so that it can never exempt an item it was not written for."""
    exempt: dict[int, str] = {}
    unmatched: list[str] = []
    for named, reason in _declared(rev, kind):
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


def _level(a: Assessment) -> int | None:
    """How heavy the しきい値判断 result is (from the inputs when they decide it, else as declared): the number of
    documents it requires (none < 基礎 < 基礎＋重点/全項目), with 全項目 above 重点."""
    req = family.required(a)
    if req is None:
        return None
    return max((kinds.kinds()[k].rank + 1 for k in req if k in kinds.kinds()), default=0)


def threshold_raised(old: Assessment, new: Assessment) -> bool:
    o, n = _level(old), _level(new)
    return o is not None and n is not None and n > o


def classify(changes: list[Change], new: Assessment, kind: kinds.Kind, date: str | None = None) -> list[Row]:
    """The rows of one document's 変更箇所 for the changes of one revision (※ from that document's schema; the
    基礎項目評価書 has none, so its rows are 事後)."""
    rev = revision(new, kind)
    on = document_date(new, kind)  # the 基礎's rows take the main document's 改訂 when it is later (facts written there)
    d = date or (dates.to_era(on) if on else "")
    exempt, _ = exceptions(rev, changes, kind)
    marked = []
    for i, c in enumerate(changes):
        reason = exempt.get(i) if c.starred else None
        marked.append((c, c.starred and reason is None, reason or ""))
    timing = record(kind).timing
    when = timing.option("before") if any(imp for _, imp, _ in marked) else timing.option("after")
    return [Row(c, imp, when, reason, d) for c, imp, reason in marked]


def classified(old: Assessment, new: Assessment) -> tuple[list[Row], list[list[str]], list[str]]:
    """Every change between two versions of a folder, each classified by the document whose YAML holds it (that
    form's ※ and its 改訂's 例外); the documents printing each change (their 変更箇所 list it); and the declared
    exceptions that match no change."""
    from pia.history.diff import diff, in_form_order

    changes = diff(old, new)
    kiso = kinds.borrower()
    if kiso is not None and kiso.key in old.docs and kiso.key in new.docs:
        # what the 基礎 prints from items the main document keeps unprinted: not in the main document's diff
        changes = in_form_order(changes + [c for c in diff(family.render_view(old, kiso), family.render_view(new, kiso), kiso)
                                           if c.doc == kiso.key and family.unprinted_source(new, c.path)], new)
    rows: list[Row] = []
    unmatched: list[str] = []
    for kind in reversed(kinds.ordered()):
        if kind.key not in new.docs and kind.key not in old.docs:
            continue
        mine = [c for c in changes if kinds.owns(kind, c.doc)]
        rows += classify(mine, new, kind)
        unmatched += exceptions(revision(new, kind), mine, kind)[1]
    docs = [[kinds.short_title(k) for k in family.change_documents(new if r.change.kind != "削除" else old, r.change.doc, r.change.path)]
            for r in rows]
    return rows, docs, unmatched


def document_timings(old: Assessment, new: Assessment) -> dict[str, str]:
    """The 提出時期 of each document's own 変更箇所 for the changes between two versions, by document title. A revision
    is submitted as a whole, by that document's ※ (the 基礎 has none: 事後), so a change two documents print can be
    事前 in one and 事後 in the other, as `pia history` gives their rows."""
    from pia.history.diff import diff

    out: dict[str, str] = {}
    for kind in family.present(new):
        if kind.key in old.docs:
            rows = classify(diff(family.render_view(old, kind), family.render_view(new, kind), kind), new, kind)
            if rows:
                out[kinds.short_title(kind)] = rows[0].timing
    return out
