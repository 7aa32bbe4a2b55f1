"""`pia status`: every assessment's dated obligations as of a given day (forms.md §5, ppc-rules §3–4).

A pure function of (files, as-of date, within): nothing here reads the clock; the CLI passes today's date.
Each obligation (S01…) names its source and how sure that source is (the reference's tags: [P] primary text,
[P-q] primary quoted by a third party, [S] secondary summary, [R] recalled, [I] inferred, [Q] open).
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from pia.base import dates
from pia.form import kinds as form_kinds
from pia.document import family
from pia.form import items
from pia.form import layout
from pia.portfolio import documents as pf
from pia.document.assessment import Assessment
from pia.base.findings import Finding
from pia.base.registry import Certainty

OVERDUE, SOON, ATTENTION, NOTHING = "期限超過", "期限間近", "要確認", ""


@dataclass(frozen=True)
class Spec:
    id: str
    title: str
    source: str
    certainty: Certainty
    explanation: str

    @property
    def tag(self) -> str:
        """The reference notes' tag, e.g. [P-q]."""
        return f"[{self.certainty.value}]"


SPECS: dict[str, Spec] = {s.id: s for s in (
    Spec("S01", "必要な評価書", "規則第4条〜第6条、指針 第5の2（しきい値判断）", Certainty.SUMMARY,
         "しきい値判断結果から、その事務に義務付けられる評価書（基礎項目評価書と重点項目評価書又は全項目評価書）を示し、"
         "pia で管理している評価書（種類、様式の版、案か確定か）と比べる。"),
    Spec("S02", "公表", "番号法第28条第4項、規則第7条", Certainty.PRIMARY,
         "全項目評価書は意見聴取・第三者点検（又は承認）の後に公表する。公表日と案かどうかから状態を示す。"),
    Spec("S03", "年1回の見直し", "規則第14条（少なくとも1年に1回の見直し、努力義務）", Certainty.SUMMARY,
         "評価書ごとに、直近の見直し（その評価書の公表日、変更箇所・改訂の変更日、基礎項目評価の実施日のうち最も新しい日）"
         "から1年以内に見直す。"),
    Spec("S04", "5年経過前の再実施", "規則第15条（努力義務）", Certainty.SUMMARY,
         "評価書ごとに、その評価書を公表した日（公表日）から5年を経過する前に評価を再実施する。「直近の評価書を公表してから"
         "5年」は二次資料の要約 [S] による（規則第15条の原文は未確認。docs/portfolio.md）。このため注記に、評価の実施日"
         "（全項目・重点項目評価書は意見聴取の終了日、第三者点検の実施日、承認日、実施済みの再評価の日のうち最も新しい日。"
         "基礎項目評価書は基礎項目評価の実施日）から数えた日も示す。公表日のない評価書（案を含む）には期限を示さない。"),
    Spec("S05", "重要な変更の事前の再評価", "番号法第28条第1項後段・第2項後段、指針 第6", Certainty.PRIMARY,
         "重要な変更を含む改訂は、変更日より前に再評価（意見聴取、第三者点検又は承認、提出・公表）を終える。"
         "改訂の「再評価」が「予定」のものを示し、変更日を過ぎても予定のままなら期限超過とする。"),
    Spec("S06", "修正の提出・公表", "規則第14条（評価書の修正）", Certainty.RECALLED,
         "重要な変更に当たらない変更（修正）は、変更の後速やかに評価書を修正して提出・公表する。"
         "その評価書の公表日より後の変更日の改訂（再評価の記録がないもの）又は変更箇所の行を、変更日を過ぎたら要確認とする。"),
    Spec("S07", "意見聴取", "番号法第28条第1項、規則第7条、指針 第5の3（原則30日以上）", Certainty.PRIMARY,
         "全項目評価書は公示して広く意見を求める（重点項目評価書では任意）。実施日・期間から、実施済み・実施中・予定を示す。"),
    Spec("S08", "第三者点検の実施", "規則第7条（地方公共団体等）", Certainty.QUOTED,
         "地方公共団体等は意見聴取の後、公表の前に全項目評価書の第三者点検を受ける（重点項目評価書では任意）。"),
    Spec("S09", "委員会の承認の取得", "番号法第28条第2項（行政機関等）", Certainty.PRIMARY,
         "行政機関等は意見聴取の後、評価書を個人情報保護委員会に提出して承認を受ける。"),
    Spec("S10", "事務終了後の公表の継続", "規則第16条、指針（少なくとも3年間の公表）", Certainty.QUOTED,
         "事務の実施をやめた日から少なくとも3年間は評価書を公表しておく。"),
)}



@dataclass
class Obligation:
    id: str
    state: str
    due: dt.date | None = None
    mark: str = NOTHING
    note: str = ""
    document: str = ""  # the document it concerns (基礎項目評価書 …); "" for the 事務 as a whole

    @property
    def spec(self) -> Spec:
        return SPECS[self.id]

    def to_dict(self) -> dict[str, Any]:
        s = self.spec
        return {"id": self.id, "title": s.title, "source": s.source, "certainty": s.tag, "certainty_label": s.certainty.label,
                "state": self.state,
                "due": self.due.isoformat() if self.due else None, "due_ja": dates.to_era(self.due) if self.due else None,
                "mark": self.mark, "note": self.note, "document": self.document}


@dataclass
class Status:
    folder: str
    jimu: str
    documents: list[pf.DocumentInfo]
    required: tuple[str, ...] | None
    published: dt.date | None
    last_revision: dt.date | None
    ended: dt.date | None
    obligations: list[Obligation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return any(o.mark == OVERDUE for o in self.obligations)

    def to_dict(self) -> dict[str, Any]:
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        return {"folder": self.folder, "jimu": self.jimu, "documents": [d.to_dict() for d in self.documents],
                "required": list(self.required) if self.required is not None else None,
                "published": iso(self.published), "last_revision": iso(self.last_revision), "ended": iso(self.ended),
                "obligations": [o.to_dict() for o in self.obligations],
                "findings": [{k: v for k, v in f.to_dict().items() if k != "anchor"} for f in self.findings]}


def add_years(d: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    y = d.year + years
    return d.replace(year=y, day=min(d.day, calendar.monthrange(y, d.month)[1]))


def reassessment_due(published: dt.date | None) -> dt.date | None:
    """規則第15条: the 5-year re-assessment, counted from the 公表日 of a published document (None for a draft or a
    document without one). `pia status`, `pia plan` and `pia site` all read it from here."""
    return add_years(published, 5) if published else None


def _mark(due: dt.date | None, as_of: dt.date, within: int) -> str:
    if due is None:
        return NOTHING
    if as_of > due:
        return OVERDUE
    return SOON if (due - as_of).days <= within else NOTHING


def _era(d: dt.date | None) -> str:
    return dates.to_era(d) if d else "—"


class _Reader:
    """Dates of one assessment by item; an unreadable date becomes a finding (PIA900) at its document, once."""

    def __init__(self, a: Assessment):
        self.a = a
        self.findings: list[Finding] = []

    def date(self, kind: form_kinds.Kind | None, it: items.Item | None) -> dt.date | None:
        if kind is None or it is None:
            return None
        raw = it.get(family.data(self.a, kind))
        d = dates.parse(raw)
        if d is None and isinstance(raw, str) and raw.strip() and raw.strip() not in ("—", "-", "－"):
            self.finding("PIA900", kind.key, it.at(), f"「{raw}」を日付として読めないため、期限の計算に使えません。",
                         "「令和5年8月1日」の形（様式の書き方）で書いてください。")
        return d

    def role(self, kind: form_kinds.Kind | None, role: str) -> dt.date | None:
        return self.date(kind, pf.coded(kind, role) if kind else None)

    def fact(self, role: str) -> dt.date | None:
        """A date of the 事務, from the document that carries it."""
        return self.role(pf.carrier(self.a, role), role)

    def period(self, kind: form_kinds.Kind) -> tuple[dt.date, dt.date] | None:
        raw = pf.doc_value(self.a, kind, "consultation")
        return dates.period(raw)

    def finding(self, rule_id: str, key: str, path: tuple[Any, ...], message: str, hint: str) -> None:
        from pia.analysis.catalog import spec
        from pia.analysis.rules import Context

        self.findings.append(Context(self.a, spec(rule_id)).finding(key, path, message, hint))


def _documents(a: Assessment, r: _Reader, docs: list[pf.DocumentInfo]) -> Obligation:
    required = pf.required_documents(a)
    held = ", ".join(f"{d.kind}（{d.form}、版{'：' + d.version if d.version else '不明'}、{'案' if d.draft else '確定'}）" for d in docs)
    if required is None:
        main = family.main_kind(a)
        if main is not None:
            r.finding("PIA901", main.key, main.result, "しきい値判断結果がないため、必要な評価書を判断できません。",
                      "基礎項目評価のしきい値判断結果を選んでください。")
        return Obligation("S01", f"必要な評価書: 不明／管理中: {held}", mark=ATTENTION)
    held_kinds = [k for d in docs if (k := form_kinds.by_id(d.kind_id))]
    missing = [form_kinds.short_title(k) for k in pf.required_kinds(a) or []
               if not any(form_kinds.covers(h, k) for h in held_kinds)]
    note = f"pia で管理していない評価書: {'、'.join(missing)}（別に作成・公表していることを確認してください）" if missing else ""
    return Obligation("S01", f"必要: {'、'.join(required) or 'なし（任意の評価）'}／管理中: {held}",
                      mark=ATTENTION if missing else NOTHING, note=note)


def _publication(doc: pf.DocumentInfo, published: dt.date | None, as_of: dt.date) -> Obligation:
    if published and published <= as_of:
        return Obligation("S02", f"公表済み（{_era(published)}）" + ("。ただし評価書名に(案)があります" if doc.draft else ""),
                          mark=ATTENTION if doc.draft else NOTHING, document=doc.kind)
    if published:
        return Obligation("S02", f"公表予定（{_era(published)}）", due=published, document=doc.kind)
    return Obligation("S02", "案（未公表）" if doc.draft else "未公表（公表日の記載なし）", mark=NOTHING if doc.draft else ATTENTION,
                      document=doc.kind)


def _procedure(kind: form_kinds.Kind, doc: pf.DocumentInfo, r: _Reader, as_of: dt.date, within: int, national: bool,
               published: dt.date | None) -> Iterator[Obligation]:
    """S07–S09 of a document with a procedure: mandatory for the 全項目評価書, voluntary (【任意】) for the 重点."""
    mandatory = kind.procedure == "mandatory"
    draft, per = doc.draft, r.period(kind)
    tenken, approved, submitted = r.role(kind, "inspection"), r.role(kind, "approved"), r.role(kind, "ppc_submitted")
    o = lambda sid, state, due=None, mark=NOTHING: Obligation(sid, state, due, mark, document=doc.kind)  # noqa: E731
    if per is None:
        yield o("S07", "実施日・期間の記載なし" if mandatory else "任意（実施の記載なし）",
                mark=ATTENTION if mandatory and not draft else NOTHING)
    elif as_of < per[0]:
        yield o("S07", f"予定（{_era(per[0])}〜{_era(per[1])}）", per[0], _mark(per[0], as_of, within))
    elif as_of <= per[1]:
        yield o("S07", f"実施中（{_era(per[1])}まで）", per[1])
    else:
        yield o("S07", f"実施済み（{_era(per[0])}〜{_era(per[1])}）")
    if national and mandatory:
        yield o("S08", "対象外（行政機関等）")
        if approved and approved <= as_of:
            yield o("S09", f"承認済み（{_era(approved)}）")
        elif submitted and submitted <= as_of:
            yield o("S09", f"審査中（提出 {_era(submitted)}）")
        else:
            yield o("S09", "未提出", mark=ATTENTION if per and per[1] < as_of and not published else NOTHING)
        return
    if tenken and tenken <= as_of:
        yield o("S08", f"実施済み（{_era(tenken)}）")
    elif tenken:
        yield o("S08", f"予定（{_era(tenken)}）", tenken, _mark(tenken, as_of, within))
    elif mandatory:
        # after the comment period the 第三者点検 comes next; a published document without one is suspect
        late = (per and per[1] < as_of) or (published and published <= as_of)
        yield o("S08", "未実施（実施日の記載なし）", mark=ATTENTION if late else NOTHING)
    else:
        yield o("S08", "任意（実施の記載なし）")
    if mandatory:
        yield o("S09", "対象外（地方公共団体等）")


def assess(a: Assessment, as_of: dt.date, within: int = 60) -> Status:
    r = _Reader(a)
    docs = pf.documents_of(a)
    kinds = family.present(a)  # in the order of docs
    ended = r.fact("ended")
    kiso_done = r.fact("kiso_done")
    body = pf.carrier(a, "body")
    national = body is not None and pf.coded(body, "body").meaning(pf.doc_value(a, body, "body")) == "national"  # type: ignore[union-attr]
    main = docs[-1] if docs else None
    st = Status(a.folder, pf.jimu_name(a), docs, pf.required_documents(a), main.published if main else None,
                main.changed if main else None, ended)
    obs = st.obligations
    obs.append(_documents(a, r, docs))
    active = ended is None or ended > as_of

    # Each document has its own 公表日, changes, yearly review and 5-year re-assessment.
    for kind, doc in zip(kinds, docs):
        o = lambda sid, state, due=None, mark=NOTHING, note="": Obligation(sid, state, due, mark, note, doc.kind)  # noqa: E731
        published = r.date(kind, layout.meta_item(kind.id, "published"))
        changes = pf.change_dates(a, kind)
        obs.append(_publication(doc, published, as_of))
        if pf.coded(kind, "consultation"):  # a document with its own procedure (重点, 全項目)
            per = r.period(kind)
            done = [d for rv in pf.revisions(a, kind) for ok, d in [pf.reassessment(rv, kind)] if ok and d]
            evaluated = [per[1] if per else None, r.role(kind, "inspection"), r.role(kind, "approved"), *done]
        else:  # the 基礎項目評価書: the 基礎項目評価's 実施日 (in the main document), else its 公表日
            evaluated = [kiso_done]
        reviewed = max([d for d in (published, kiso_done, *changes) if d and d <= as_of], default=None)
        last_eval = max([d for d in evaluated if d and d <= as_of], default=None)
        if not active:
            obs += [o("S03", "対象外（事務終了）"), o("S04", "対象外（事務終了）")]
        else:
            if reviewed:
                due = add_years(reviewed, 1)
                obs.append(o("S03", f"直近の見直し {_era(reviewed)}", due, _mark(due, as_of, within)))
            else:
                obs.append(o("S03", "見直しの記録なし（公表前）", mark=NOTHING if doc.draft else ATTENTION))
            due = reassessment_due(published if not doc.draft else None)
            ref = add_years(last_eval, 5) if last_eval and last_eval != published else None
            note = f"参考: 評価の実施日（{_era(last_eval)}）から数えると {_era(ref)}" if ref else ""
            if due:
                obs.append(o("S04", f"公表日 {_era(published)} から5年", due, _mark(due, as_of, within), note))
            else:
                obs.append(o("S04", "公表日の記載なし（公表した日から5年）", mark=NOTHING if doc.draft else ATTENTION, note=note))
        if pf.records_reassessment(kind):
            obs += _revisions(a, kind, doc, published, as_of, within)
        elif published and not doc.draft:
            # a change recorded after the 公表日: a 修正 still to publish (no fixed day: "速やかに")
            obs += [o("S06", f"変更日 {_era(d)} の修正が未公表", d, ATTENTION if as_of >= d else NOTHING)
                    for d in changes if d > published]
        if pf.coded(kind, "consultation"):
            obs += _procedure(kind, doc, r, as_of, within, national, published)

    # S10 ended 事務
    if ended:
        until = add_years(ended, 3)
        if as_of < ended:
            obs.append(Obligation("S10", f"{_era(ended)}に終了予定。終了後 {_era(until)} まで公表を継続", until))
        elif as_of <= until:
            obs.append(Obligation("S10", f"終了（{_era(ended)}）。{_era(until)} まで公表を継続", until))
        else:
            obs.append(Obligation("S10", f"終了（{_era(ended)}）。公表の継続期間（{_era(until)}まで）は経過", until))
    obs.sort(key=lambda o: o.id)  # stable: rows of one obligation keep their document and date order
    st.findings = sorted(set(a.load_findings) | set(r.findings))
    return st


def _revisions(a: Assessment, kind: form_kinds.Kind, doc: pf.DocumentInfo, published: dt.date | None, as_of: dt.date,
               within: int) -> list[Obligation]:
    """S05 / S06 from the 改訂 records of a document that records 再評価 (重点, 全項目)."""
    out: list[Obligation] = []
    pending = False
    for rv in pf.revisions(a, kind):
        changed = pf.revision_date(rv, kind)
        done, rdate = pf.reassessment(rv, kind)
        if done is False:  # 予定: must be finished before the change takes effect
            pending = True
            due = min(d for d in (rdate, changed - dt.timedelta(days=1)) if d)
            mark = OVERDUE if as_of >= changed else _mark(due, as_of, within)
            out.append(Obligation("S05", f"変更日 {_era(changed)} の改訂: 再評価 予定（{_era(rdate)}）", due, mark,
                                  "変更日を過ぎても再評価が済んでいません。" if as_of >= changed else "", doc.kind))
        elif done is None and published is not None and changed > published and not doc.draft:
            # no re-assessment recorded: a 修正, published after the change ("速やかに": no fixed day)
            out.append(Obligation("S06", f"変更日 {_era(changed)} の修正が未公表", changed,
                                  ATTENTION if as_of >= changed else NOTHING, document=doc.kind))
    if not pending:
        out.append(Obligation("S05", "未了の事前の再評価なし", document=doc.kind))
    return out


def status_of(folder: Path, as_of: dt.date, within: int = 60) -> Status:
    from pia.document.assessment import display_name, load
    from pia.analysis.catalog import spec

    a = load(folder)
    if not any(d is not None and isinstance(d.data, dict) for d in a.docs.values()):
        st = Status(a.folder, display_name(folder.name), [], None, None, None, None, findings=sorted(a.load_findings))
        st.findings.append(Finding(a.folder, 1, 1, "PIA902", spec("PIA902").severity, "", "評価書（assessment.yaml・juten.yaml・kiso.yaml）を読み込めないため、状況を判定できません。",
                                   "pia check で読み込みの問題を直してください。"))
        return st
    return assess(a, as_of, within)


def statuses(folders: list[Path], as_of: dt.date, within: int = 60) -> list[Status]:
    return [status_of(f, as_of, within) for f in folders]


# ---- output ------------------------------------------------------------------------------------------

HEADERS = ("記号", "義務", "評価書", "状態", "期限", "判定", "根拠", "確度", "注記")
MARK = HEADERS.index("判定")


def rows(st: Status) -> Iterator[list[str]]:
    for o in st.obligations:
        s = o.spec
        yield [o.id, s.title, o.document or "事務全体", o.state, _era(o.due) if o.due else "", o.mark, s.source, s.tag, o.note]


def summary(st: Status) -> list[tuple[str, str]]:
    docs = "、".join(f"{d.kind}（{'案' if d.draft else '確定'}）" for d in st.documents) or "—"
    each = lambda date: "、".join(f"{d.kind} {_era(date(d))}" for d in st.documents) or "—"  # noqa: E731
    return [("事務", st.jimu), ("フォルダ", st.folder), ("評価書の種類", docs),
            (pf.title_of("表紙-公表日"), each(lambda d: d.published)), ("最終改訂", each(lambda d: d.changed)),
            (pf.title_of("表紙-事務終了日"), _era(st.ended))]


def counts(items: list[Status]) -> dict[str, int]:
    marks = [o.mark for st in items for o in st.obligations]
    return {OVERDUE: marks.count(OVERDUE), SOON: marks.count(SOON), ATTENTION: marks.count(ATTENTION)}


def text(items: list[Status], as_of: dt.date, within: int) -> str:
    out = [f"基準日: {dates.to_era(as_of)}（{within}日以内を期限間近とする）", ""]
    for st in items:
        out.append("## " + " ／ ".join(f"{k}: {v}" for k, v in summary(st)))
        out.append("| " + " | ".join(HEADERS) + " |")
        out.append("|" + "---|" * len(HEADERS))
        out += ["| " + " | ".join(c.replace("|", "｜").replace("\n", " ") for c in row) + " |" for row in rows(st)]
        for f in st.findings:
            out.append(f"- {f.file}:{f.line}: {f.severity} {f.rule_id} {f.item_path} {f.message}")
        out.append("")
    c = counts(items)
    out.append(f"評価書 {len(items)} 件: " + "、".join(f"{k} {v} 件" for k, v in c.items()))
    return "\n".join(out) + "\n"


def to_json(items: list[Status], as_of: dt.date, within: int) -> dict[str, Any]:
    return {"as_of": as_of.isoformat(), "within_days": within, "counts": counts(items),
            "obligations": {k: {"title": s.title, "source": s.source, "certainty": s.tag, "certainty_label": s.certainty.label,
                                "explanation": s.explanation}
                            for k, s in SPECS.items()},
            "assessments": [st.to_dict() for st in items]}


def html(items: list[Status], as_of: dt.date, within: int) -> str:
    from pia.portfolio.site.pages import css, environment

    return environment().get_template("site/status.html.j2").render(
        page_title="特定個人情報保護評価の状況", css=css(), items=items, as_of=dates.to_era(as_of), within=within, counts=counts(items), headers=HEADERS,
        rows=rows, summary=summary, specs=SPECS, mark_col=MARK, marks={OVERDUE: "overdue", SOON: "soon", ATTENTION: "attention"})


FORMATS: dict[str, Callable[[list[Status], dt.date, int], str]] = {
    "text": text,
    "json": lambda items, as_of, within: __import__("json").dumps(to_json(items, as_of, within), ensure_ascii=False, indent=2) + "\n",
    "html": html,
}
