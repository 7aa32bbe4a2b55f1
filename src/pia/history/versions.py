"""Versions of an assessment: a folder, a git revision of a folder (`REV:PATH`), or a folder of dated snapshots."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from pia import assessment as asm
from pia import dates
from pia.errors import PiaError
from pia.history.classify import REVISION_DATE, REVISIONS, Row, classify, revision
from pia.history.diff import diff


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


def history_rows(versions: list[Version]) -> list[Row]:
    """Diff each dated version to the next. A commit that records no new 変更日 folds into the next dated one."""
    rows: list[Row] = []
    if not versions:
        return rows
    base = versions[0]
    for v in versions[1:]:
        d = v.date
        if d is None or d == base.date:
            continue
        if base.date is None:  # history before the first recorded 改訂 is the pre-pia 別添3, kept as data
            base = v
            continue
        parsed = dates.parse(d)
        rows += classify(diff(base.assessment, v.assessment), v.assessment, dates.to_era(parsed) if parsed else d)
        base = v
    return rows


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
