"""`pia ci`: what a pull request changes in assessments, which changes are 重要な変更, what the law then requires."""
from __future__ import annotations

import datetime as dt
import re
import shlex
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pia.base import dates
from pia.document import assessment as asm
from pia.form import kinds
from pia.document import family
from pia.analysis.check import CheckResult, check_assessment
from pia.base.findings import ERROR, Finding
from pia.history.classify import (Row, awaiting_reassessment, classified, classify, record, revision, revision_date,
                                  threshold_raised)
from pia.form.items import each, item
from pia.history.versions import Version, at_revision, commit, document_changes, git, reassessment_findings
from pia.portfolio.documents import required_documents

MAX_CELL = 80
MAX_ROWS = 60

# What the rules require, with their sources (ppc-rules §3, §4); a 重要な変更's procedures are each kind's
# `obligations` in forms.json. Shown in every summary that has such changes.
OBLIGATIONS_MINOR = [("評価書を修正し、変更の後遅滞なく提出・公表する（事後）", "規則第14条（評価書の修正。記憶に基づく [R]）")]
OBLIGATION_THRESHOLD = ("しきい値判断の結果が重くなったため、新たな評価を実施する", "特定個人情報保護評価指針（しきい値判断の結果が変わり、新たに重点項目評価又は全項目評価を実施するとき）")


@dataclass
class DocumentChange:
    """What one document of the 事務 prints differently: its 変更箇所 rows and the procedure they call for."""
    kind: kinds.Kind
    rows: list[Row]

    @property
    def important(self) -> bool:
        return any(r.important for r in self.rows)

    def procedure(self, threshold_up: bool) -> str:
        """「事前（再評価）」 / 「事後」, as the summary names it."""
        timing = self.rows[0].timing if self.rows else ""
        again = (self.important or threshold_up) and bool(self.kind.obligations)
        return timing + ("・再評価" if again else "")


@dataclass
class AssessmentReport:
    path: str
    status: str  # 変更 / 新規 / 削除 / 名称変更
    old_path: str | None = None
    check: CheckResult | None = None
    rows: list[Row] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)  # history consistency and missing declarations
    threshold_up: bool = False
    documents: list["DocumentChange"] = field(default_factory=list)  # the documents of the 事務 the changes concern
    unjudged: str = ""  # why the changes were not compared (the folder cannot be read as written)
    notes: list[str] = field(default_factory=list)  # what the reader should know about the rows (a revision in preparation)
    required: tuple[str, ...] = ()  # the documents the しきい値判断 now requires, when it became heavier

    @property
    def important(self) -> bool:
        return any(r.important for r in self.rows)

    def counts(self) -> tuple[int, int]:
        """(errors, warnings) among everything reported for this assessment: its check and pia ci's own findings."""
        found = [f for f in [*(self.check.findings if self.check else []), *self.problems] if f.suppressed is None]
        return sum(f.severity == ERROR for f in found), sum(f.severity != ERROR for f in found)

    def failed(self) -> bool:
        return bool(self.check and self.check.errors) or any(p.severity == ERROR for p in self.problems)


def _commit_day(rev: str | None) -> dt.date:
    """The day a commit was made (today for the working tree): the day its changes are judged on."""
    return dt.date.fromisoformat(_git("log", "-1", "--format=%cs", "--end-of-options", rev).strip()) if rev else dt.date.today()


def _git(*args: str) -> str:
    return git(Path.cwd(), *args).decode("utf-8", "replace")  # names that are not UTF-8 never match a folder


def _folders(rev: str | None) -> set[str]:
    """Assessment folders (those holding assessment.yaml, juten.yaml or kiso.yaml) at a revision, or in the working tree."""
    if rev is None:
        names = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    else:
        names = _git("ls-tree", "-r", "-z", "--name-only", "--end-of-options", rev).split("\0")
    return {str(PurePosixPath(n).parent) for n in names if PurePosixPath(n).name in asm.main_files()}


def changed_assessments(base: str, head: str | None) -> list[tuple[str, str | None, str]]:
    """(head folder or old folder, base folder, status) for every assessment the range touches."""
    args = ["diff", "--name-status", "-z", "-M", "--end-of-options", base] + ([head] if head else []) + ["--"]
    fields = _git(*args).split("\0")
    base_dirs, head_dirs = _folders(base), _folders(head)
    touched: dict[str, tuple[str | None, str]] = {}
    renames: dict[str, str] = {}
    i = 0
    while i < len(fields) - 1:
        status = fields[i]
        if status.startswith(("R", "C")):
            old, new = fields[i + 1], fields[i + 2]
            if PurePosixPath(new).name in asm.main_files():
                renames[str(PurePosixPath(new).parent)] = str(PurePosixPath(old).parent)
            paths = [old, new]
            i += 3
        else:
            paths = [fields[i + 1]]
            i += 2
        for p in paths:
            for parent in PurePosixPath(p).parents:
                d = str(parent)
                if d in head_dirs or d in base_dirs:
                    touched.setdefault(d, (None, ""))
                    break
    out = []
    renamed_from = set(renames.values())
    for d in sorted(touched):
        if d in head_dirs:
            if d in renames:
                out.append((d, renames[d], "名称変更"))
            elif d in base_dirs:
                out.append((d, d, "変更"))
            else:
                out.append((d, None, "新規"))
        elif d not in renamed_from:
            out.append((d, d, "削除"))
    return out


def _problem(a: asm.Assessment, path: tuple, message: str, hint: str, rule: str = "PIA601",
             kind: kinds.Kind | None = None) -> Finding:
    key = (kind or family.main_kind(a) or kinds.most_detailed()).key
    doc = a.docs.get(key)
    line, col = doc.locate(path) if doc else (1, 1)
    return Finding(doc.file if doc else a.folder, line, col, rule, ERROR, family.label(a, key, path), message, hint)


def _in_preparation(rev: dict[str, Any] | None, kind: kinds.Kind, on: dt.date) -> bool:
    """Whether a revision is still being made ready on the day `on`: its 変更日 lies ahead, or its 再評価 is 予定 (a
    事前 revision is re-assessed and published before the change). Later commits belong to it, as history files them."""
    when = revision_date(rev, kind)
    return (when is not None and when > on) or awaiting_reassessment(rev, kind)


def _document_checks(rep: AssessmentReport, old: asm.Assessment, new: asm.Assessment, own: dict[str, list[Any]],
                     on: dt.date | None = None) -> None:
    """Per document of the 事務: its 変更箇所 rows, PIA601 when the YAML written for it changed without a new 変更日
    in its own 改訂, PIA602 when its changes call for re-assessment and its 改訂 does not say when."""
    for kind in reversed(family.present(new)):
        if kind.key not in old.docs:
            continue  # a document new in this change has no 変更箇所 yet
        rec = record(kind)
        rev_new, rev_old = revision(new, kind), revision(old, kind)
        name = kinds.short_title(kind)
        last = len(each(rec.revisions.get(family.data(new, kind)))) - 1  # the latest entry, where one is added after
        latest = rec.revisions.at() + ((last,) if last >= 0 else ())
        unchanged = rev_old is not None and revision_date(rev_new, kind) == revision_date(rev_old, kind)
        preparing = unchanged and _in_preparation(rev_old, kind, on or dt.date.today())
        if own.get(kind.id) and preparing:
            rep.notes.append(f"{name}のこの変更は、{dates.to_era(revision_date(rev_old, kind))}の改訂（準備中）の一部です。改訂全体の変更箇所と"
                             "提出時期は pia history で確認できます。")
        if own.get(kind.id) and (rev_new is None or unchanged and not preparing):
            rep.problems.append(_problem(new, latest, f"{name}の記載が変わっていますが、その改訂の記録に新しい変更日がありません。",
                                         f"{kind.file} の「{rec.revisions.key}」に、この改訂の変更日を一件追加してください。", "PIA601", kind))
        rep.problems += reassessment_findings(old, new, kind)
        rows = classify(document_changes(old, new, kind), new, kind)
        if not rows:
            continue
        dc = DocumentChange(kind, rows)
        rep.documents.append(dc)
        again = dc.important or (rep.threshold_up and kind is family.main_kind(new))
        if again and rec.reassessment is not None and not (rec.reassessment.of(rev_new, rec.revisions) if rev_new else None):
            rep.problems.append(_problem(new, latest,
                                         f"{name}に重要な変更を含みますが、再評価（意見聴取・第三者点検等）を実施した又は予定している旨の記載がありません。",
                                         "この改訂に「再評価: {状況: 予定, 日付: …}」を記載するか、重要な変更に当たらない理由を「例外」に記載してください。",
                                         "PIA602", kind))


def _unreadable(rev: str | None, a: asm.Assessment) -> bool:
    """A version some file of which was not read as written (YAML errors): never compared."""
    return not Version(rev or "", a).readable or any(f.is_error and f.rule_id.startswith("PIA0") for f in a.load_findings)


def run(base: str, head: str | None) -> list[AssessmentReport]:
    """base and head are verified as commits first (so neither can be read by git as an option)."""
    base, head = commit(Path.cwd(), base), (commit(Path.cwd(), head) if head else None)
    reports = []
    for folder, old_folder, status in changed_assessments(base, head):
        rep = AssessmentReport(folder, status, old_folder)
        if status == "削除":
            reports.append(rep)
            continue
        new = asm.load(Path(folder)) if head is None else at_revision(head, Path(folder))
        rep.check = check_assessment(new)
        if old_folder is not None:
            old = at_revision(base, Path(old_folder))
            if _unreadable(base, old):
                rep.problems.append(_problem(new, (), f"比較の基準（コミット {base[:10]}）の評価書を読めないため、変更箇所と重要な変更かどうかを判定していません。",
                                             "基準の版の誤り（YAML の書き方など）を確認してください。", "PIA615"))
                reports.append(rep)
                continue
            if _unreadable(head, new):  # a version not read as written would show as "all removed"
                rep.unjudged = "評価書に読めない箇所があるため、変更箇所と重要な変更かどうかを判定していません。検査のエラーを直してください。"
                reports.append(rep)
                continue
            rows, _, _ = classified(old, new)
            if rows:
                rep.rows = rows
                rep.threshold_up = threshold_raised(old, new)
                if rep.threshold_up:
                    rep.required = required_documents(new) or ()
                own: dict[str, list[Any]] = {}
                for r in rows:
                    side = new if r.change.kind != "削除" else old
                    k = family.kind_of_key(side, r.change.doc)
                    if k is not None and k.borrows_facts and family.unprinted_source(side, r.change.path):
                        k = family.main_kind(side)  # written in the main document's YAML: its 改訂 records it
                    own.setdefault(k.id if k else "", []).append(r)
                _document_checks(rep, old, new, own, _commit_day(head))
        reports.append(rep)
    return reports


_MD_SPECIAL = re.compile(r"([\\`*_\[\]~|])")  # values sit mid-line, so line-start marks (#, -, >) do nothing


def md(s: object) -> str:
    """A value as inert Markdown text: HTML characters as entities, Markdown punctuation backslash-escaped, lines
    joined, so a value cannot add a link, a heading, an image or markup to the job summary."""
    t = "" if s is None else str(s)
    t = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", t)


def _shell(s: str) -> str:
    """s as one shell word that also sits inside a Markdown code span on one line: quoted, and when it holds a
    line break, another control or invisible character or a backtick, written as bash's $'…' with escapes."""
    if re.fullmatch(r"[\w@%+=:,./^][\w@%+=:,./~^-]*", s):  # a revision and a plain path, as typed
        return s
    if not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") or ch == "`" for ch in s):
        return shlex.quote(s)
    out = []
    for ch in s:
        if ch in "\\'":
            out.append("\\" + ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") or ch == "`":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x80 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "$'" + "".join(out) + "'"


def _cell(s: str) -> str:
    t = (s or "").replace("\n", " ").strip()
    return md(t if len(t) <= MAX_CELL else t[: MAX_CELL - 1] + "…")


def _group(rows: list[Row]) -> list[tuple[str, str, str, str, Row]]:
    """Consecutive additions or removals in one list become one line: 提供先35～44（追加 10件）."""
    out: list[tuple[str, str, str, str, Row]] = []
    run: list[Row] = []

    def flush() -> None:
        if not run:
            return
        if len(run) == 1:
            c = run[0].change
            out.append((c.label, c.kind, c.before, c.after, run[0]))
        else:
            first, last = run[0].change, run[-1].change
            head, _, a = first.label.rpartition(" ")
            b = last.label.rpartition(" ")[2]
            num_b = "".join(ch for ch in b if ch.isdigit())
            names = "、".join((x.change.after or x.change.before).partition(" ")[2] for x in run)
            texts = (names, "") if first.kind == "削除" else ("", names)
            out.append((f"{head} {a}～{num_b}", f"{first.kind} {len(run)}件", *texts, max(run, key=lambda x: x.important)))
        run.clear()

    for r in rows:
        c = r.change
        if c.kind in ("追加", "削除") and run and run[-1].change.kind == c.kind and \
                run[-1].change.label.rpartition(" ")[0] == c.label.rpartition(" ")[0] and c.path[:-1] == run[-1].change.path[:-1]:
            run.append(r)
            continue
        flush()
        if c.kind in ("追加", "削除") and c.path and isinstance(c.path[-1], int):
            run.append(r)
        else:
            out.append((c.label, c.kind, c.before, c.after, r))
    flush()
    return out


def summary(reports: list[AssessmentReport], base: str, head: str | None) -> str:
    out = ["# pia: 評価書の変更の確認", ""]
    if not reports:
        return "\n".join(out + ["この変更で評価書は変わっていません。", ""])
    for rep in reports:
        title = md(rep.path) if rep.status != "名称変更" else f"{md(rep.old_path)} → {md(rep.path)}"
        out += [f"## {title}（{rep.status}）", ""]
        if rep.status == "削除":
            out += ["評価書フォルダが削除されました。事務を終了した場合も、評価書は終了した日から少なくとも3年間公表しておく必要があります"
                    "（特定個人情報保護評価に関する規則第16条）。評価書名に【○年○月○日 終了】を付けて公表を続けてください。", ""]
            continue
        errors, warnings = rep.counts()
        out.append(f"- 検査: エラー {errors} 件、警告 {warnings} 件")
        if rep.rows:
            n_imp = sum(r.important for r in rep.rows)
            timing = rep.documents[0].rows[0].timing if rep.documents else rep.rows[0].timing
            out.append(f"- 変更: {len(rep.rows)} 件（うち重要な変更 {n_imp} 件）、変更日 {md(rep.rows[0].date) or '（未記録）'}、"
                       f"提出時期 **{timing}**")
            if rep.documents:
                out.append("- 変わる評価書: " + "、".join(f"{kinds.short_title(d.kind)}（{len(d.rows)} 件、{d.procedure(rep.threshold_up)}）"
                                                     for d in rep.documents))
        if rep.unjudged:
            out.append(f"- ⚠️ {rep.unjudged}")
        out += [f"- {md(n)}" for n in rep.notes]
        for p in rep.problems:
            out.append(f"- ❌ {md(p.message)}（{md(p.file)}:{p.line}）")
        out.append("")
        if rep.rows:
            # the 別添3's own column titles (schema), with pia's 重要な変更 column before 提出時期
            item_col, before_col, after_col, timing_col = (item(c).title for c in (
                "別添3-項目", "別添3-変更前の記載", "別添3-変更後の記載", "別添3-提出時期"))
            out += [f"| {item_col} | {before_col} | {after_col} | 重要な変更 | {timing_col} |", "| --- | --- | --- | --- | --- |"]
            grouped = _group(rep.rows)
            for label, kind, before, after, r in grouped[:MAX_ROWS]:
                k = f"（{kind}）" if kind != "変更" else ""
                out.append(f"| {_cell(label)}{k} | {_cell(before)} | {_cell(after)} | {'重要な変更' if r.important else ''}"
                           f"{'（例外: ' + _cell(r.reason) + '）' if r.reason else ''} | {r.timing} |")
            if len(grouped) > MAX_ROWS:
                out.append(f"| ほか {len(grouped) - MAX_ROWS} 件 | | | | |")
            old = rep.old_path or rep.path
            cmd = f"pia diff {_shell(f'{base}:{old}')} {_shell(f'{head}:{rep.path}' if head else rep.path)}"
            out += ["", f"長い記載は省略しています。全文は `{cmd}` で確認できます。", ""]
            out += ["### この変更で必要な手続", ""]
            if rep.threshold_up:
                needed = f"（必要な評価書: {'、'.join(rep.required)}）" if rep.required else ""
                out.append(f"- {OBLIGATION_THRESHOLD[0]}{needed}（根拠: {OBLIGATION_THRESHOLD[1]}）")
            for d in rep.documents:
                obligations = d.kind.obligations if d.important and d.kind.obligations else OBLIGATIONS_MINOR
                out += [f"- {kinds.short_title(d.kind)}: {what}（根拠: {src}）" for what, src in obligations]
            if not rep.documents:  # only records changed (a 変更箇所 written by hand): nothing printed differs
                out += [f"- {what}（根拠: {src}）" for what, src in OBLIGATIONS_MINOR]
            out.append("")
    return "\n".join(out)
