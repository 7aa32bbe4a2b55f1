"""Versions of an assessment: a folder, a git revision of a folder (`REV:PATH`), or a folder of dated snapshots."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pia.document import assessment as asm
from pia.base import dates
from pia.form import kinds
from pia.document import family
from pia.base.errors import PiaError
from pia.base.registry import static
from pia.base.findings import ERROR, WARNING, Finding
from pia.history.classify import Row, classify, reassessed, record, revision, revision_date
from pia.history.diff import Change, diff
from pia.form.items import Item, item
from pia.document.validate import anchor
from typing import Any
from pia.form import layout

FETCH_HINT = ("全履歴を取得してください: git fetch --unshallow（GitHub Actions では actions/checkout に fetch-depth: 0、"
              "GitLab CI では変数 GIT_DEPTH: \"0\"）。")


def git(cwd: Path, *args: str, data: bytes | None = None) -> bytes:
    """git with its output; a PiaError (Japanese) when git is missing or fails. Callers pass revisions only after
    `--end-of-options` and paths only after `--`, so no value can become an option."""
    try:
        r = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=cwd, input=data, capture_output=True, check=False)
    except FileNotFoundError:
        raise PiaError("git が見つかりません。git をインストールしてください。") from None
    if r.returncode != 0:
        raise PiaError(f"git {' '.join(a for a in args[:2] if not a.startswith('-'))} に失敗しました: "
                       f"{r.stderr.decode(errors='replace').strip()[:200]}")
    return r.stdout


def commit(top: Path, rev: str) -> str:
    """The full id of the commit rev names; a PiaError when rev is no commit (an option, a tree, a typo)."""
    try:
        out = git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}")
    except PiaError:
        out = b""
    sha = out.decode(errors="replace").strip()
    if not sha:
        hint = f" 浅いクローンのため取得されていない可能性があります。{FETCH_HINT}" if is_shallow(top) else ""
        raise PiaError(f"「{rev}」は git のコミットではありません（ブランチ名・タグ・コミットIDを指定してください）。{hint}")
    return sha


def is_shallow(top: Path) -> bool:
    try:
        return git(top, "rev-parse", "--is-shallow-repository").strip() == b"true"
    except PiaError:
        return False


def toplevel(path: Path) -> Path:
    start = path if path.is_dir() else path.parent
    return Path(os.fsdecode(git(start if start.exists() else Path.cwd(), "rev-parse", "--show-toplevel").strip()))


def in_git(path: Path) -> bool:
    """Whether path lies in a git work tree (a .git folder or file above it)."""
    p = path.resolve()
    return any((d / ".git").exists() for d in (p, *p.parents))


def cat(top: Path, objects: list[str]) -> list[bytes | None]:
    """Contents of many git blobs through one `git cat-file --batch` process; None for an object git cannot read."""
    if not objects:
        return []
    out = git(top, "cat-file", "--batch", data="\n".join(objects).encode() + b"\n")
    result: list[bytes | None] = []
    pos = 0
    for _ in objects:
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].split()
        if len(header) != 3 or header[1] != b"blob":  # "<oid> missing", or not a blob
            result.append(None)
            pos = header_end + 1
            continue
        size = int(header[2])
        result.append(out[header_end + 1: header_end + 1 + size])
        pos = header_end + 1 + size + 1
    return result


def tree_blobs(top: Path, sha: str, rel: str) -> tuple[list[tuple[str, str]], list[Finding]]:
    """(path under rel, blob id) of the files under rel at commit sha, and warnings for entries skipped: gitlinks
    (submodules), symbolic links and names that are not UTF-8."""
    # ls-tree takes no `--`: its paths follow the verified commit id, written as ./PATH so none reads as an option
    out = git(top, "ls-tree", "-r", "-z", "--end-of-options", sha, f"./{rel}/" if rel else "./")
    blobs, skipped = [], []
    for e in (x for x in out.split(b"\0") if x):
        meta, _, raw_name = e.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        try:
            name = raw_name.decode("utf-8")
        except UnicodeDecodeError:
            shown = raw_name.decode("utf-8", "backslashreplace")
            skipped.append(_note(shown, "PIA613", f"コミット {sha[:10]} のファイル名 {shown} が UTF-8 ではないため読み飛ばしました。",
                                 "ファイル名を半角英数字に付け直してください。"))
            continue
        if kind != "blob" or mode == "120000":
            what = {"commit": "サブモジュール（gitlink）", "tree": "フォルダ"}.get(kind, "シンボリックリンク" if mode == "120000" else kind)
            skipped.append(_note(name, "PIA610", f"コミット {sha[:10]} の {name} は{what}のため読み飛ばしました。",
                                 "評価書フォルダには YAML ファイルだけを置いてください。"))
            continue
        blobs.append((name[len(rel) + 1:] if rel else name, oid))
    return blobs, skipped


def _note(file: str, rule: str, message: str, hint: str = "") -> Finding:
    return Finding(file, 1, 1, rule, static(rule).severity, "", message, hint)


def _rel(folder: Path, top: Path) -> str:
    if folder.is_absolute() or folder.exists():
        return folder.resolve().relative_to(top.resolve()).as_posix()
    return folder.as_posix().strip("/")


def at_revision_files(rev: str, folder: Path, names: list[str]) -> tuple[dict[str, bytes | None], str]:
    """Named files of a folder at a revision (None: absent or unreadable), and the commit's id."""
    top = toplevel(folder if folder.exists() else Path.cwd())
    sha = commit(top, rev)
    rel = _rel(folder, top)
    blobs = [(n, o) for n, o in tree_blobs(top, sha, rel)[0] if n in names]
    found = dict(zip((n for n, _ in blobs), cat(top, [o for _, o in blobs])))
    return {n: found.get(n) for n in names}, sha


def at_revision(rev: str, folder: Path, repo: Path | None = None) -> asm.Assessment:
    """The assessment folder as it was at a git revision (read with `git ls-tree`/`git cat-file`, nothing checked
    out). Entries git cannot give as files are findings of the result, not failures."""
    top = repo or toplevel(folder if folder.exists() else Path.cwd())
    sha = commit(top, rev)
    rel = _rel(folder, top)
    blobs, skipped = tree_blobs(top, sha, rel)
    contents = cat(top, [o for _, o in blobs])
    texts = {n: c for (n, _), c in zip(blobs, contents) if c is not None}
    missing = [n for (n, _), c in zip(blobs, contents) if c is None]
    if not texts and not missing:
        raise PiaError(f"{rev} の時点に評価書フォルダ {rel} がありません。")
    a = asm.from_texts(rel, texts)  # shown as the repository path, so annotations point at real files
    a.load_findings += skipped
    a.load_findings += [_note(f"{rel}/{n}", "PIA611", f"コミット {sha[:10]} の {rel}/{n} を git から読めません（オブジェクトがありません）。",
                              "部分クローンや壊れたリポジトリでないか確認してください。" + FETCH_HINT) for n in missing]
    return a


def load_version(spec: str) -> asm.Assessment:
    """A folder, or REV:PATH."""
    p = Path(spec)
    if p.is_dir():
        return asm.load(p)
    if ":" in spec:
        rev, _, path = spec.partition(":")
        return at_revision(rev, Path(path))
    raise PiaError(f"{spec} は評価書フォルダでも「リビジョン:パス」でもありません。")


@dataclass
class Version:
    name: str
    assessment: asm.Assessment

    def dated(self, kind: kinds.Kind) -> dt.date | None:
        """The 変更日 this version carries for one document: the latest entry of the document's own 改訂 and, for a
        基礎項目評価書 that prints facts the main document holds, of the main document's 改訂 too. None when the
        document is not in this version."""
        a = self.assessment
        if kind.key not in a.docs:
            return None
        main = family.main_kind(a)
        found = [revision_date(revision(a, k), k) for k in {kind.id: kind, (main or kind).id: main or kind}.values()]
        found = [d for d in found if d]
        return max(found) if found else None

    @property
    def readable(self) -> bool:
        """Every document loaded: a version that did not is never diffed (it would read as "all added")."""
        a = self.assessment
        return bool(a.docs) and all(d is not None for d in a.docs.values()) and \
            not any(f.severity == ERROR and f.rule_id in LOAD_BLOCKING for f in a.load_findings)


# Findings that mean a version's text was not read as written (so a diff against it would be wrong).
LOAD_BLOCKING = {"PIA611"}


@dataclass
class History:
    versions: list[Version]
    problems: list[Finding] = field(default_factory=list)  # what makes the derived rows incomplete, and what was skipped

    @property
    def complete(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)


def git_versions(folder: Path) -> History:
    top = toplevel(folder)
    rel = folder.resolve().relative_to(top.resolve()).as_posix()
    try:
        commit(top, "HEAD")
    except PiaError:  # no commit yet
        return History([])
    shas = git(top, "log", "--format=%H", "--reverse", "--end-of-options", "HEAD", "--", rel).decode().split()
    h = History([Version(r, at_revision(r, folder.resolve(), top)) for r in shas])
    if is_shallow(top):
        oldest = shas[0][:10] if shas else "HEAD"
        h.problems.append(_note(rel, "PIA612",
                                f"このリポジトリは浅いクローン（shallow clone）のため、コミット {oldest} より前の履歴がありません。"
                                "バージョン履歴から作る別添3 の行が欠けます。", FETCH_HINT))
    return h


def snapshot_versions(folder: Path) -> list[Version]:
    subs = sorted(p for p in folder.iterdir() if asm.is_assessment(p))
    return [Version(p.name, asm.load(p)) for p in subs]


@dataclass
class Revision:
    """One revision: every change between the last version of the previous 改訂 entry and the last version
    that carries this one, whatever order the commits came in."""
    date: str
    base: Version
    end: Version
    rows: list[Row]


def revisions(versions: list[Version] | History, kind: kinds.Kind | None = None) -> list[Revision]:
    """Versions grouped by the latest 改訂 entry they carry for one document (the folder's main document unless
    kind is given). The first dated revision is the baseline: history before it is the pre-pia 変更箇所, kept as
    data. A version that could not be read is skipped (see history()). Each revision's rows are the changes of
    the document as it prints (a fact written once and printed by the 基礎 too appears in both documents)."""
    vs = [v for v in (versions.versions if isinstance(versions, History) else versions) if v.readable]
    kind = kind or (family.main_kind(vs[-1].assessment) if vs else None)
    if kind is None:
        return []
    last: dict[dt.date, Version] = {}
    for v in vs:
        d = v.dated(kind)
        if d is not None:
            last[d] = v  # a later commit of the same revision extends it (a ※ change committed after its 変更日)
    out: list[Revision] = []
    ordered = sorted(last)
    for prev, d in zip(ordered, ordered[1:]):
        base, end = last[prev], last[d]
        changes = document_changes(base.assessment, end.assessment, kind)
        out.append(Revision(dates.to_era(d), base, end, classify(changes, end.assessment, kind, dates.to_era(d))))
    return out


def document_changes(old: asm.Assessment, new: asm.Assessment, kind: kinds.Kind) -> list[Change]:
    """The changes one document prints in its 変更箇所: the difference of the document as rendered (the 基礎's view
    takes the facts the main document holds), labelled as that document's form labels them."""
    return diff(family.render_view(old, kind), family.render_view(new, kind), kind)


def history_rows(versions: list[Version] | History, kind: kinds.Kind | None = None) -> list[Row]:
    return [r for rev in revisions(versions, kind) for r in rev.rows]


def _procedure_dates(a: asm.Assessment, kind: kinds.Kind) -> list[Item]:
    """The items a re-assessment must date anew: 公表日 first; for the 全項目評価書 the 意見聴取 period, and 第三者点検
    (地方公共団体等) or the submission to the PPC (行政機関等). The 重点's 意見聴取 and 第三者点検 are optional, so only
    its 公表日 is asked for (forms.json: each kind's `procedure` and the items of its `codes`)."""
    published = layout.meta_item(kind.id, "published")
    if kind.procedure != "mandatory":
        return [published]
    body = item(kind.codes["body"])
    national = body.meaning(body.get(family.data(a, kind))) == "national"
    return [published, item(kind.codes["consultation"]), item(kind.codes["ppc_submitted" if national else "inspection"])]


def revision_findings(revs: list[Revision], kind: kinds.Kind) -> list[Finding]:
    """A revision of a document holding a 重要な変更 is re-assessed before the change (ppc-rules CH-2): its procedure
    dates and 公表日 must be new. Published anew (a new 公表日) with a procedure date missing or unchanged: an error
    (PIA630). Not yet published: what is still to do, as warnings (PIA631); the procedure may be under way."""
    out: list[Finding] = []
    for rev in revs:
        if not any(r.important for r in rev.rows):
            continue
        new, old = rev.end.assessment, rev.base.assessment
        doc = new.docs.get(kind.key)
        if doc is None:
            continue
        published, *procedure = _procedure_dates(new, kind)
        data, before = family.data(new, kind), family.data(old, kind)
        pv = published.get(data)
        republished = not _blank(pv) and pv != published.get(before)
        for it in procedure + ([] if republished else [published]):
            nv, ov, path = it.get(data), it.get(before), it.at()
            if not (_blank(nv) or nv == ov):
                continue
            line, col = doc.locate(path)
            what = "まだ記載されていません" if _blank(nv) else f"前回の改訂のまま（{nv}）です"
            if republished:
                out.append(Finding(doc.file, line, col, "PIA630", ERROR, new.label(kind.key, path),
                                   f"{rev.date}の改訂は重要な変更を含み（事前）、公表日を{pv}としていますが、再評価の日付が{what}。",
                                   "再評価の手続（意見聴取、第三者点検又は委員会への提出）を終えてから公表し、その日付を記載してください。"
                                   "重要な変更に当たらない変更なら、改訂の「例外」に理由を記載してください。", anchor=anchor(kind.key, path)))
            else:
                out.append(Finding(doc.file, line, col, "PIA631", WARNING, new.label(kind.key, path),
                                   f"{rev.date}の改訂は重要な変更を含む（事前）ため再評価が必要です。この日付は{what}。",
                                   "再評価の手続を行い、その日付を記載してから公表してください。", anchor=anchor(kind.key, path)))
    return out


def reassessment_findings(old: asm.Assessment, new: asm.Assessment, kind: kinds.Kind) -> list[Finding]:
    """PIA632: the 再評価 of the revision new adds is done after the previous publication and before the new one. Its
    実施済み date earlier than the 公表日 of the version before the revision cannot belong to this revision (a copied
    entry, a typo); later than a new 公表日, the document was published before it was re-assessed."""
    rec = record(kind)
    rev_new, rev_old = revision(new, kind), revision(old, kind)
    doc = new.docs.get(kind.key)
    if rec.reassessment is None or rev_new is None or doc is None or (
            rev_old is not None and revision_date(rev_new, kind) == revision_date(rev_old, kind)):
        return []
    done, when, date_key = reassessed(rec.reassessment.of(rev_new, rec.revisions), rec.reassessment)
    if not done or when is None:
        return []
    published = _procedure_dates(new, kind)[0]
    before, after = dates.parse(published.get(family.data(old, kind))), dates.parse(published.get(family.data(new, kind)))
    i = next(n for n, r in enumerate(rec.revisions.get(family.data(new, kind)) or []) if r is rev_new)
    path = rec.reassessment.at(i) + (date_key,)
    line, col = doc.locate(path)
    out = []
    if before is not None and when < before:
        out.append(Finding(doc.file, line, col, "PIA632", ERROR, new.label(kind.key, path),
                           f"{dates.to_era(revision_date(rev_new, kind))}の改訂の再評価を"
                           f"{dates.to_era(when)}に実施済みとしていますが、前回の公表日（{dates.to_era(before)}）より前です。",
                           "この改訂のために行った再評価（前回の公表の後）の日付を記載してください。", anchor=anchor(kind.key, path)))
    if after is not None and after != before and when > after:
        out.append(Finding(doc.file, line, col, "PIA632", ERROR, new.label(kind.key, path),
                           f"再評価を{dates.to_era(when)}に実施済みとしていますが、新しい公表日（{dates.to_era(after)}）より後です。",
                           "再評価を終えてから公表します。再評価の日付と公表日を確認してください。", anchor=anchor(kind.key, path)))
    return out


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _data(a: asm.Assessment) -> dict[str, object]:
    return {k: d.data if d else None for k, d in a.docs.items()}


def history(path: Path) -> History:
    """Git revisions of the folder, then the working tree when it differs from the last commit; or a folder of
    snapshots. problems name every version skipped (with its commit) and a shallow clone's missing history."""
    if not path.is_dir():
        raise PiaError(f"{path} が見つかりません。")
    if asm.is_assessment(path):
        h = git_versions(path)
        current = Version("作業中", asm.load(path))
        if not h.versions or _data(h.versions[-1].assessment) != _data(current.assessment):
            h.versions.append(current)
    else:
        h = History(snapshot_versions(path))
        if not h.versions:
            raise PiaError(f"{path} は評価書フォルダでも、評価書の版を並べたフォルダでもありません。")
    for v in h.versions:
        a = v.assessment
        h.problems += [f for f in a.load_findings if f.rule_id.startswith("PIA61")]
        if not v.readable:
            where = f"コミット {v.name[:10]}" if len(v.name) == 40 else f"版「{v.name}」"
            h.problems.append(_note(a.folder, "PIA614",
                                    f"{where} の評価書は読めない（YAML の誤りなど）ため、変更履歴では飛ばしました。",
                                    "前後の版との差分から別添3 の行を作ります。"))
    seen: set[tuple[str, str]] = set()  # a submodule kept for 50 commits is one warning
    h.problems = [p for p in h.problems if (p.file, p.rule_id) not in seen and not seen.add((p.file, p.rule_id))]  # type: ignore[func-returns-value]
    return h


def versions_of(path: Path) -> list[Version]:
    return history(path).versions


def derived_rows(folder: Path) -> tuple[dict[str, list[dict[str, object]]], list[Finding]]:
    """The 変更箇所 rows the folder's version history gives each document (by kind id: full / focused / basic), and
    the problems with that history. A folder outside git has none of either."""
    if not in_git(folder):
        return {}, []
    h = history(folder)
    present = family.present(h.versions[-1].assessment) if h.versions else []
    return {k.id: [r.betten3() for r in history_rows(h, k)] for k in present}, h.problems






def history_of(folder: Path | None) -> tuple[dict[str, list[dict[str, Any]]], list[Any]]:
    """(derived 変更箇所 rows by kind id, warnings); a PiaError naming the problems when the rows would be incomplete."""
    from pia.base.errors import PiaError
    from pia.base.findings import ERROR
    from pia.history.versions import derived_rows

    if folder is None:
        return {}, []
    derived, problems = derived_rows(folder)
    errors = [p for p in problems if p.severity == ERROR]
    if errors:
        raise PiaError("変更箇所（別添3）のうちバージョン履歴から作る行が不完全になるため、出力しません。\n" +
                       "\n".join(f"  [{p.rule_id}] {p.file}: {p.message}{' ' + p.hint if p.hint else ''}" for p in errors))
    return derived, problems
