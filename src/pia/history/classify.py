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

from pia import dates, schema as sch
from pia.assessment import Assessment
from pia.history.diff import Change

TH_PATH = ("評価実施手続", "基礎項目評価", "しきい値判断結果")


@dataclass(frozen=True)
class Row:
    change: Change
    important: bool
    timing: str  # 事前 / 事後
    reason: str  # 提出時期に係る説明
    date: str  # 変更日 as the form writes it

    def betten3(self) -> dict[str, Any]:
        return {"変更日": self.date, "項目": self.change.label, "変更前の記載": self.change.before or None,
                "変更後の記載": self.change.after or None, "提出時期": self.timing,
                "提出時期に係る説明": self.reason or None}


def _norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split()).replace("※", "")


def revision(a: Assessment, after: Assessment | None = None) -> dict[str, Any] | None:
    """The latest entry of 改訂 (the revision this version records)."""
    revs = [r for r in (a.meta.get("改訂") or []) if isinstance(r, dict) and dates.parse(r.get("変更日"))]
    return max(revs, key=lambda r: dates.parse(r["変更日"])) if revs else None


def _exception(rev: dict[str, Any] | None, change: Change) -> str | None:
    for exc in (rev or {}).get("例外") or []:
        if not isinstance(exc, dict):
            continue
        item = _norm(str(exc.get("項目", "")))
        if item and (item in _norm(change.label) or item == _norm(change.code) or _norm(change.label).endswith(item)):
            return str(exc.get("理由") or "")
    return None


def threshold_raised(old: Assessment, new: Assessment) -> bool:
    opts = sch.options(sch.load().node_at("assessment", TH_PATH) or {})

    def level(a: Assessment) -> int | None:
        v = a.meta
        for k in TH_PATH:
            v = v.get(k) if isinstance(v, dict) else None
        return opts.index(v) if v in opts else None

    o, n = level(old), level(new)
    return o is not None and n is not None and n < o  # options go from the highest level down


def classify(changes: list[Change], new: Assessment, date: str | None = None) -> list[Row]:
    rev = revision(new)
    d = date or (dates.to_era(dates.parse(rev["変更日"])) if rev else "")
    marked = []
    for c in changes:
        reason = _exception(rev, c) if c.starred else None
        marked.append((c, c.starred and reason is None, reason or ""))
    timing = "事前" if any(imp for _, imp, _ in marked) else "事後"
    return [Row(c, imp, timing, reason, d) for c, imp, reason in marked]
