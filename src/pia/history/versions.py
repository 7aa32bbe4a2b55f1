"""Versions of an assessment: a folder, a git revision of a folder (`REV:PATH`), or a folder of dated snapshots."""
from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pia import assessment as asm
from pia import dates
from pia.errors import PiaError
from pia.findings import ERROR, WARNING, Finding
from pia.history.classify import REVISION_DATE, REVISIONS, Row, classify, revision
from pia.history.diff import diff
from pia.items import dig, item
from pia.validate import anchor


def _git(cwd: Path, *args: str) -> bytes:
    try:
        r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise PiaError("git が見つかりません。git をインストールしてください。") from None
    if r.returncode != 0:
        raise PiaError(f"git {' '.join(args[:2])} に失敗しました: {r.stderr.decode(errors='replace').strip()[:200]}")
    return r.stdout


def _toplevel(path: Path) -> Path:
    start = path if path.is_dir() else path.parent
    return Path(_git(start if start.exists() else Path.cwd(), "rev-parse", "--show-toplevel").decode().strip())


def _cat(top: Path, objects: list[str]) -> list[bytes]:
    """Contents of many git objects through one `git cat-file --batch` process."""
    if not objects:
        return []
    out = _git_input(top, "\n".join(objects).encode() + b"\n", "cat-file", "--batch")
    result, pos = [], 0
    for _ in objects:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        result.append(out[header_end + 1: header_end + 1 + size])
        pos = header_end + 1 + size + 1
    return result


def _git_input(cwd: Path, data: bytes, *args: str) -> bytes:
    r = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, check=False)
    if r.returncode != 0:
        raise PiaError(f"git {' '.join(args[:2])} に失敗しました: {r.stderr.decode(errors='replace').strip()[:200]}")
    return r.stdout


def at_revision(rev: str, folder: Path, repo: Path | None = None) -> asm.Assessment:
    """The assessment folder as it was at a git revision (read with `git ls-tree`/`git show`, nothing checked out)."""
    top = repo or _toplevel(folder if folder.exists() else Path.cwd())
    rel = (folder.resolve().relative_to(top) if folder.is_absolute() or folder.exists() else folder).as_posix()
    entries = [e for e in _git(top, "ls-tree", "-r", "-z", rev, "--", rel + "/").split(b"\0") if e]
    blobs = []  # (path, object id) of the folder's files at that revision
    for e in entries:
        meta, _, name = e.partition(b"\t")
        blobs.append((name.decode(), meta.split()[2].decode()))
    texts = dict(zip((n[len(rel) + 1:] for n, _ in blobs), _cat(top, [o for _, o in blobs])))
    if not texts:
        raise PiaError(f"{rev} の時点に評価書フォルダ {rel} がありません。")
    return asm.from_texts(rel, texts)  # shown as the repository path, so annotations point at real files


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

    @property
    def date(self) -> str | None:
        rev = revision(self.assessment)
        return str(REVISION_DATE.of(rev, REVISIONS)) if rev else None


def git_versions(folder: Path) -> list[Version]:
    top = _toplevel(folder)
    rel = folder.resolve().relative_to(top).as_posix()
    revs = _git(top, "log", "--format=%H", "--reverse", "--", rel).decode().split()
    return [Version(r, at_revision(r, folder.resolve(), top)) for r in revs]


def snapshot_versions(folder: Path) -> list[Version]:
    subs = sorted(p for p in folder.iterdir() if (p / asm.ASSESSMENT).is_file())
    return [Version(p.name, asm.load(p)) for p in subs]


@dataclass
class Revision:
    """One revision: every change between the last version of the previous 改訂 entry and the last version
    that carries this one, whatever order the commits came in."""
    date: str
    base: Version
    end: Version
    rows: list[Row]


def revisions(versions: list[Version]) -> list[Revision]:
    """Versions grouped by the latest 改訂 entry they carry. The first dated revision is the baseline: history
    before it is the pre-pia 別添3, kept as data."""
    last: dict[dt.date, Version] = {}
    for v in versions:
        d = dates.parse(v.date) if v.date else None
        if d is not None:
            last[d] = v  # a later commit of the same revision extends it (a ※ change committed after its 変更日)
    out: list[Revision] = []
    ordered = sorted(last)
    for prev, d in zip(ordered, ordered[1:]):
        base, end = last[prev], last[d]
        out.append(Revision(dates.to_era(d), base, end, classify(diff(base.assessment, end.assessment), end.assessment, dates.to_era(d))))
    return out


def history_rows(versions: list[Version]) -> list[Row]:
    return [r for rev in revisions(versions) for r in rev.rows]


PUBLISHED, CONSULTED, REVIEWED, SUBMITTED = item("表紙-公表日"), item("VI-2-②"), item("VI-3-①"), item("VI-4-①")
BODY = item("表紙-評価実施機関の区分")


def _procedure_dates(a: asm.Assessment) -> list[tuple[str | int, ...]]:
    """The items a re-assessment must date anew: 公表日 first, the 意見聴取 period, and 第三者点検 (地方公共団体等) or
    the submission to the PPC (行政機関等)."""
    national = BODY.meaning(BODY.get(a.meta)) == "national"
    return [PUBLISHED.at(), CONSULTED.at(), (SUBMITTED if national else REVIEWED).at()]


def revision_findings(revs: list[Revision]) -> list[Finding]:
    """A revision holding a 重要な変更 is re-assessed before the change (ppc-rules CH-2): its procedure dates and
    公表日 must be new. Published anew (a new 公表日) with a procedure date missing or unchanged: an error
    (PIA630). Not yet published: what is still to do, as warnings (PIA631); the procedure may be under way."""
    out: list[Finding] = []
    for rev in revs:
        if not any(r.important for r in rev.rows):
            continue
        new, old = rev.end.assessment, rev.base.assessment
        doc = new.docs.get("assessment")
        if doc is None:
            continue
        published, *procedure = _procedure_dates(new)
        pv = dig(new.meta, published)
        republished = not _blank(pv) and pv != dig(old.meta, published)
        for path in procedure + ([] if republished else [published]):
            nv, ov = dig(new.meta, path), dig(old.meta, path)
            if not (_blank(nv) or nv == ov):
                continue
            line, col = doc.locate(path)
            what = "まだ記載されていません" if _blank(nv) else f"前回の改訂のまま（{nv}）です"
            if republished:
                out.append(Finding(doc.file, line, col, "PIA630", ERROR, new.label("assessment", path),
                                   f"{rev.date}の改訂は重要な変更を含み（事前）、公表日を{pv}としていますが、再評価の日付が{what}。",
                                   "再評価の手続（意見聴取、第三者点検又は委員会への提出）を終えてから公表し、その日付を記載してください。"
                                   "重要な変更に当たらない変更なら、改訂の「例外」に理由を記載してください。", anchor=anchor("assessment", path)))
            else:
                out.append(Finding(doc.file, line, col, "PIA631", WARNING, new.label("assessment", path),
                                   f"{rev.date}の改訂は重要な変更を含む（事前）ため再評価が必要です。この日付は{what}。",
                                   "再評価の手続を行い、その日付を記載してから公表してください。", anchor=anchor("assessment", path)))
    return out


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _data(a: asm.Assessment) -> dict[str, object]:
    return {k: d.data if d else None for k, d in a.docs.items()}


def versions_of(path: Path) -> list[Version]:
    """Git revisions of the folder, then the working tree when it differs from the last commit."""
    if not path.is_dir():
        raise PiaError(f"{path} が見つかりません。")
    if (path / asm.ASSESSMENT).is_file():
        versions = git_versions(path)
        current = Version("作業中", asm.load(path))
        if not versions or _data(versions[-1].assessment) != _data(current.assessment):
            versions.append(current)
        return versions
    snaps = snapshot_versions(path)
    if not snaps:
        raise PiaError(f"{path} は評価書フォルダでも、評価書の版を並べたフォルダでもありません。")
    return snaps
