"""Versions of an assessment: a folder, a git revision of a folder (`REV:PATH`), or a folder of dated snapshots.

The git history of a folder is read in one pass (docs/history.md, docs/performance.md): one `git log` names the
commits that touch the folder (and, after a `git mv` of the folder, those of its old name), one `git cat-file
--batch` process reads their trees and blobs, and each file is parsed once per blob id. Each version is reduced to
a stamp (its 変更日 per document, whether it was readable) and dropped; the few versions the 変更箇所 rows compare
are read again when the rows are made. The stamps of the committed history are kept per process, keyed by the last
commit that touched the folder, so `pia serve`, `pia import` and `pia site` read the history once.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import subprocess
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from pia.base import dates
from pia.base.errors import PiaError
from pia.base.findings import ERROR, WARNING, Finding
from pia.base.registry import static
from pia.document import assessment as asm
from pia.document import family
from pia.document.loader import Budget, Document, load_text
from pia.document.reuse import Reuse
from pia.document.validate import anchor
from pia.form import kinds, layout
from pia.form.items import Item, item
from pia.history import store
from pia.history.classify import Row, classify, document_date, reassessed, record, revision, revision_date
from pia.history.diff import Change, diff


FETCH_HINT = ("全履歴を取得してください: git fetch --unshallow（GitHub Actions では actions/checkout に fetch-depth: 0、"
              "GitLab CI では変数 GIT_DEPTH: \"0\"）。")
CORRUPT_HINT = "リポジトリが壊れている可能性があります。git fsck で確認し、壊れていないクローンから取得し直してください。"
MAX_RENAMES = 50  # a folder renamed more often than this is followed this far (each rename costs one git diff)


def git(cwd: Path, *args: str, data: bytes | None = None) -> bytes:
    """git with its output; a PiaError (Japanese) when git is missing or fails. Callers pass revisions only after
    `--end-of-options` and paths only after `--`, so no value can become an option; pathspecs are literal
    (`--literal-pathspecs`), so a folder named `k*` or `juki[旧]` never matches another folder."""
    try:
        r = subprocess.run(["git", "--literal-pathspecs", "-c", "core.quotepath=off", *args], cwd=cwd, input=data,
                           capture_output=True, check=False)
    except FileNotFoundError:
        raise PiaError("git が見つかりません。git をインストールしてください。") from None
    if r.returncode != 0:
        err = r.stderr.decode(errors="replace").strip()
        damaged = any(w in err for w in ("corrupt", "unable to unpack", "bad object", "unable to read", "inflate"))
        raise PiaError(f"git {_command(args)} に失敗しました: {err.splitlines()[-1][:200] if err else ''}"
                       + ("\n" + CORRUPT_HINT if damaged else ""))
    return r.stdout


def _command(args: tuple[str, ...]) -> str:
    """The git command of args, without the settings before it (`-c name=value`)."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] == "-c" else 1
    return args[i] if i < len(args) else ""


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


def head(top: Path) -> str | None:
    """The commit HEAD names; None before the first commit. A HEAD naming a commit git cannot read (a damaged
    repository) is a PiaError, never an empty history."""
    named = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=top, capture_output=True, check=False)
    if named.returncode != 0 or not named.stdout.strip():
        return None  # no commit yet
    try:
        return commit(top, "HEAD")
    except PiaError:
        raise PiaError(f"HEAD のコミット {named.stdout.decode(errors='replace').strip()[:10]} を git から読めません。"
                       + CORRUPT_HINT) from None


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


# ---- objects: one `git cat-file --batch` process -------------------------------------------------------------

TREE_ENTRIES = 200_000  # tree entries kept parsed (a folder's unchanged subfolders are read once)


class Objects:
    """Trees and blobs of one repository, read one after another through one `git cat-file --batch` process. Only
    object ids are written to it, so no name can be misread. A missing object is None (a partial clone); an object
    git cannot read (a damaged repository) is a PiaError."""

    def __init__(self, top: Path):
        self.top = top
        self._err = tempfile.TemporaryFile()
        self._p = _cat_file(top, self._err)
        self._trees: OrderedDict[str, list[tuple[str, bytes, str]]] = OrderedDict()
        self._tree_entries = 0

    def __enter__(self) -> Objects:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._p.poll() is None:
            try:
                self._p.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass
            self._p.wait()
        self._p.stdout.close()  # type: ignore[union-attr]
        self._err.close()

    def read(self, oid: str) -> tuple[str, bytes] | None:
        """(type, content) of an object, or None when the repository does not have it."""
        try:
            self._p.stdin.write(oid.encode("ascii") + b"\n")  # type: ignore[union-attr]
            self._p.stdin.flush()  # type: ignore[union-attr]
        except (OSError, ValueError):
            raise _failed(self._p, self._err, oid) from None
        got = _answer(self._p, self._err, oid)
        return (got[1], got[2]) if got else None

    def many(self, names: list[str]) -> Iterator[tuple[str, str, bytes] | None]:
        """The answers to many requests (object ids, or `<commit>:<path>`), in order, as (id, type, content) or None:
        a second process, written by a thread while this one reads, so a long history costs no round trip per
        object (and `read` stays usable meanwhile)."""
        if not names:
            return
        with tempfile.TemporaryFile() as err:
            p = _cat_file(self.top, err)

            def feed() -> None:
                try:
                    for n in names:
                        p.stdin.write(os.fsencode(n) + b"\n")  # type: ignore[union-attr]
                    p.stdin.close()  # type: ignore[union-attr]
                except (OSError, ValueError):
                    pass  # the process failed: the reader says so
            writer = threading.Thread(target=feed, daemon=True)
            writer.start()
            try:
                for n in names:
                    yield _answer(p, err, n)
            finally:
                if p.poll() is None:
                    p.kill()
                writer.join()
                p.wait()
                p.stdout.close()  # type: ignore[union-attr]

    def blob(self, oid: str) -> bytes | None:
        got = self.read(oid)
        return got[1] if got and got[0] == "blob" else None

    def tree(self, oid: str) -> list[tuple[str, bytes, str]]:
        """(mode, raw name, id) of a tree's entries."""
        if oid in self._trees:
            self._trees.move_to_end(oid)
            return self._trees[oid]
        got = self.read(oid)
        if got is None or got[0] != "tree":
            raise PiaError(f"git のツリー {oid[:10]} を読めません。" + CORRUPT_HINT)
        return self._keep(oid, got[1])

    def _keep(self, oid: str, data: bytes) -> list[tuple[str, bytes, str]]:
        n, pos, out = len(oid) // 2, 0, []
        while pos < len(data):
            sp = data.index(b" ", pos)
            nul = data.index(b"\0", sp)
            out.append((data[pos:sp].decode(), data[sp + 1:nul], data[nul + 1:nul + 1 + n].hex()))
            pos = nul + 1 + n
        self._trees[oid] = out
        self._tree_entries += len(out)
        while self._tree_entries > TREE_ENTRIES and len(self._trees) > 1:
            self._tree_entries -= len(self._trees.popitem(last=False)[1])
        return out

    def folder_trees(self, commits: list[tuple[str, str, str]]) -> list[str | None]:
        """The id of the folder's tree at each (commit, root tree, folder path), read with its subfolders in a few
        streams (one request per commit, then one per new subfolder); None where the folder is absent."""
        names = [root if not path else f"{sha}:{path}" for sha, root, path in commits]
        safe = [n for n in names if "\n" not in n]  # a path with a line break cannot be asked in one line
        got = dict(zip(safe, self.many(safe)))
        out: list[str | None] = []
        for n, (_, root, path) in zip(names, commits):
            if n in got:
                r = got[n]
                if r is None or r[1] != "tree":
                    out.append(None)
                    continue
                if r[0] not in self._trees:
                    self._keep(r[0], r[2])
                out.append(r[0])
            else:
                out.append(self.subtree(root, path))
        todo = [o for o in dict.fromkeys(out) if o]
        while todo:  # subfolders not read yet, level by level
            new = list(dict.fromkeys(o for t in todo for mode, _, o in self._trees.get(t, []) if mode == "40000" and o not in self._trees))
            for o, r in zip(new, self.many(new)):
                if r is not None and r[1] == "tree":
                    self._keep(o, r[2])
            todo = new
        return out

    def commit_tree(self, sha: str) -> str:
        got = self.read(sha)
        if got is None or got[0] != "commit" or not got[1].startswith(b"tree "):
            raise PiaError(f"コミット {sha[:10]} を git から読めません。" + CORRUPT_HINT)
        return got[1][5:got[1].index(b"\n")].decode()

    def subtree(self, root: str, rel: str) -> str | None:
        """The id of the folder rel under the tree root; None when there is no such folder."""
        oid = root
        for part in (p for p in rel.split("/") if p):
            oid = next((o for mode, name, o in self.tree(oid) if mode == "40000" and name == os.fsencode(part)), None)  # type: ignore[assignment]
            if oid is None:
                return None
        return oid

    def files(self, tree: str, rel: str, sha: str) -> tuple[list[tuple[str, str]], list[Finding]]:
        """(path under the folder, blob id) of every file under the folder's tree, and warnings for entries skipped:
        gitlinks (submodules), symbolic links and names that are not UTF-8 (as `git ls-tree -r` lists them)."""
        blobs: list[tuple[str, str]] = []
        skipped: list[Finding] = []

        def walk(oid: str, prefix: str) -> None:
            for mode, raw, o in self.tree(oid):
                try:
                    name = raw.decode("utf-8")
                except UnicodeDecodeError:
                    shown = _join(rel, prefix + raw.decode("utf-8", "backslashreplace"))
                    skipped.append(_note(shown, "PIA613", f"コミット {sha[:10]} のファイル名 {shown} が UTF-8 ではないため読み飛ばしました。",
                                         "ファイル名を半角英数字に付け直してください。"))
                    continue
                if mode == "40000":
                    walk(o, prefix + name + "/")
                elif mode in ("160000", "120000"):
                    shown = _join(rel, prefix + name)
                    what = "サブモジュール（gitlink）" if mode == "160000" else "シンボリックリンク"
                    skipped.append(_note(shown, "PIA610", f"コミット {sha[:10]} の {shown} は{what}のため読み飛ばしました。",
                                         "評価書フォルダには YAML ファイルだけを置いてください。"))
                else:
                    blobs.append((prefix + name, o))

        walk(tree, "")
        return blobs, skipped


def _cat_file(top: Path, err: Any) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(["git", "cat-file", "--batch"], cwd=top, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
    except FileNotFoundError:
        raise PiaError("git が見つかりません。git をインストールしてください。") from None


def _failed(p: subprocess.Popen[bytes], err: Any, name: str) -> PiaError:
    if p.poll() is None:
        p.kill()
    p.wait()
    err.seek(0)
    why = err.read().decode(errors="replace").strip().splitlines()
    return PiaError(f"git のオブジェクト {name[:10]} を読めません（{(why[-1] if why else '不明な理由')[:200]}）。" + CORRUPT_HINT)


def _answer(p: subprocess.Popen[bytes], err: Any, name: str) -> tuple[str, str, bytes] | None:
    """One answer of `git cat-file --batch`: (id, type, content), or None for a name git does not have."""
    try:
        header = p.stdout.readline()  # type: ignore[union-attr]
    except (OSError, ValueError):
        raise _failed(p, err, name) from None
    if not header:
        raise _failed(p, err, name)
    parts = header.split()
    if len(parts) != 3:  # "<name> missing", "<name> ambiguous"
        return None
    size = int(parts[2])
    data = p.stdout.read(size + 1)  # type: ignore[union-attr]
    if len(data) != size + 1:
        raise _failed(p, err, name)
    return parts[0].decode(), parts[1].decode(), data[:size]


def _join(rel: str, name: str) -> str:
    return f"{rel}/{name}" if rel else name


# ---- parsed files, once per blob ----------------------------------------------------------------------------

DOC_CACHE_BYTES = 4 * 1024 * 1024  # YAML kept parsed (by the size of its text): a few versions of the largest folder
_DOCS = Reuse(DOC_CACHE_BYTES)  # by blob id and file name (positions and findings name the file)


def _load_blob(objs: Objects, oid: str, shown: str, budget: Budget, shared: bool = True) -> tuple[Document | None, list[Finding]] | None:
    """A file of a version, parsed once per blob id (and file name: positions and findings name the file). The
    result is what `load_text` gives with this budget: a cached parse is reused only when the budget left would
    not have changed it. None when git does not have the blob. shared=False: a parse of its own, for a version
    that will be checked (validation normalises values in place)."""
    if not shared:
        raw = objs.blob(oid)
        return None if raw is None else load_text(shown, raw, budget)
    hit = _DOCS.cached(shown, oid, budget)
    if hit is not None:
        return hit
    raw = objs.blob(oid)
    if raw is None:
        return None
    return _DOCS.load_text(shown, raw, budget, oid)


def _assemble(objs: Objects, rel: str, tree: str, sha: str,
              listing: tuple[list[tuple[str, str]], list[Finding]] | None = None, shared: bool = True) -> asm.Assessment:
    """The folder as it was at a commit, from its tree: what `assessment.from_texts` gives for the same files.
    Entries git cannot give as files are findings of the result (PIA610, PIA611, PIA613), not failures."""
    blobs, skipped = listing or objs.files(tree, rel, sha)
    a = asm.Assessment(rel)  # shown as the repository path, so annotations point at real files
    budget = Budget()
    missing = []
    for name, oid in sorted((n, o) for n, o in blobs if asm.doc_key(n)):
        got = _load_blob(objs, oid, _join(rel, name), budget, shared)
        if got is None:
            missing.append(name)
            continue
        a.docs[asm.doc_key(name)], found = got  # type: ignore[index]
        a.load_findings += found
    a.load_findings += skipped
    a.load_findings += [_note(_join(rel, n), "PIA611", f"コミット {sha[:10]} の {_join(rel, n)} を git から読めません（オブジェクトがないか、壊れています）。",
                              "部分クローンや壊れたリポジトリでないか確認してください（git fsck）。" + FETCH_HINT) for n in missing]
    return a


CHUNK = 512  # commits read per stream (their folder trees, then their new blobs)


def _walk(objs: Objects, commits: list[tuple[str, str, str]], prev: str | None = None) -> Iterator[tuple[str, str, str, asm.Assessment]]:
    """(commit, folder path, folder tree, assessment) of each commit whose folder differs from the one before,
    oldest first. Trees and blobs come in streams; each blob is parsed once, as it arrives, and each version is
    assembled as soon as its last new blob has arrived, then left to the caller (none is kept here). prev: the
    folder's tree before the first of them."""
    for start in range(0, len(commits), CHUNK):
        chunk = commits[start:start + CHUNK]
        todo = []
        for (sha, _, path), tree in zip(chunk, objs.folder_trees(chunk)):
            if tree is None or tree == prev:  # the folder removed at this commit, or renamed unchanged
                continue
            prev = tree
            todo.append((sha, path, tree, objs.files(tree, path, sha)))
        wanted: dict[tuple[str, str], int] = {}  # (blob, shown) -> its place in the stream
        ready: list[int] = []  # per version: the place of the last blob it waits for
        for sha, path, tree, (blobs, _) in todo:
            last = -1
            for name, oid in blobs:
                key = (oid, _join(path, name))
                if asm.doc_key(name) and not _DOCS.has(key[1], key[0]):
                    last = max(last, wanted.setdefault(key, len(wanted)))
            ready.append(last)
        order = list(wanted)
        stream = objs.many([oid for oid, _ in order])
        k = 0
        for (sha, path, tree, listing), last in zip(todo, ready):
            while k <= last:
                got = next(stream)
                if got is not None and got[1] == "blob":
                    _DOCS.load_text(order[k][1], got[2], Budget(), order[k][0])  # kept for the versions that use it
                k += 1
            yield sha, path, tree, _assemble(objs, path, tree, sha, listing)
        for _ in stream:  # none left; closes the stream
            pass


def tree_blobs(top: Path, sha: str, rel: str) -> tuple[list[tuple[str, str]], list[Finding]]:
    """(path under rel, blob id) of the files under rel at commit sha, and warnings for entries skipped."""
    with Objects(top) as objs:
        tree = objs.subtree(objs.commit_tree(sha), rel)
        return objs.files(tree, rel, sha) if tree else ([], [])


def cat(top: Path, objects: list[str]) -> list[bytes | None]:
    """Contents of many git blobs through one `git cat-file --batch` process; None for an object git cannot read."""
    if not objects:
        return []
    with Objects(top) as objs:
        return [objs.blob(o) for o in objects]


def _note(file: str, rule: str, message: str, hint: str = "") -> Finding:
    return Finding(file, 1, 1, rule, static(rule).severity, "", message, hint)


def _rel(folder: Path, top: Path) -> str:
    if folder.is_absolute() or folder.exists():
        return folder.resolve().relative_to(top.resolve()).as_posix().strip(".")
    return folder.as_posix().strip("/")


def at_revision_files(rev: str, folder: Path, names: list[str]) -> tuple[dict[str, bytes | None], str]:
    """Named files of a folder at a revision (None: absent or unreadable), and the commit's id."""
    top = toplevel(folder if folder.exists() else Path.cwd())
    sha = commit(top, rev)
    rel = _rel(folder, top)
    with Objects(top) as objs:
        tree = objs.subtree(objs.commit_tree(sha), rel)
        blobs = dict(objs.files(tree, rel, sha)[0]) if tree else {}
        return {n: objs.blob(blobs[n]) if n in blobs else None for n in names}, sha


def at_revision(rev: str, folder: Path, repo: Path | None = None) -> asm.Assessment:
    """The assessment folder as it was at a git revision (read from git's objects, nothing checked out). Entries
    git cannot give as files are findings of the result, not failures."""
    top = repo or toplevel(folder if folder.exists() else Path.cwd())
    sha = commit(top, rev)
    rel = _rel(folder, top)
    with Objects(top) as objs:
        tree = objs.subtree(objs.commit_tree(sha), rel)
        a = _assemble(objs, rel, tree, sha, shared=False) if tree else None  # checked by pia ci: its own documents
    if a is None or not a.docs and not any(f.rule_id == "PIA611" for f in a.load_findings):
        raise PiaError(f"{rev} の時点に評価書フォルダ {rel} がありません。")
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


# ---- versions and their stamps ------------------------------------------------------------------------------

Key = tuple[int, dt.date]  # how a version is grouped for one document: (1, its latest 変更日), or (0, -) published before any 改訂
Observer = Callable[[asm.Assessment], Any]  # a fact of each version a caller keeps (the site's editions)


class Version:
    """One version of the folder. A version read from git is read again when its assessment is asked for (and not
    kept), so that a long history costs the memory of a few versions."""

    def __init__(self, name: str, assessment: asm.Assessment | None = None, load: Callable[[], asm.Assessment] | None = None):
        self.name = name
        self._assessment = assessment
        self._load = load

    @property
    def assessment(self) -> asm.Assessment:
        return self._assessment if self._assessment is not None else self._load()  # type: ignore[misc]

    def dated(self, kind: kinds.Kind) -> dt.date | None:
        """The 変更日 this version carries for one document: the latest entry of the document's own 改訂 and, for a
        基礎項目評価書 that prints facts the main document holds, of the main document's 改訂 too. None when the
        document is not in this version."""
        return _dated(self.assessment, kind)

    @property
    def readable(self) -> bool:
        """Every document loaded: a version that did not is never diffed (it would read as "all added")."""
        return _readable(self.assessment)


def _dated(a: asm.Assessment, kind: kinds.Kind) -> dt.date | None:
    return document_date(a, kind) if kind.key in a.docs else None


def _published(a: asm.Assessment, kind: kinds.Kind) -> dt.date | None:
    """The document's 公表日 (the 基礎 printed with a main document falls back to the main document's)."""
    own = dates.parse(layout.meta_item(kind.id, "published").get(family.data(a, kind)))
    main = family.main_kind(a)
    if own is None and main is not None and main is not kind:
        return dates.parse(layout.meta_item(main.id, "published").get(family.data(a, main)))
    return own


def _key(a: asm.Assessment, kind: kinds.Kind) -> Key | None:
    """The edition a version belongs to for one document: its latest 変更日; before the document records any 改訂,
    its publication (a 公表日 and no (案): the first publication is an edition, so its first 改訂 has 変更箇所 rows);
    None for a version with neither (a draft), which is not compared."""
    if kind.key not in a.docs:
        return None
    d = _dated(a, kind)
    if d is not None:
        return (1, d)
    published = _published(a, kind) is not None and not kinds.is_draft(family.data(a, kind))
    return (0, dt.date.min) if published else None  # one baseline: the last published state before any 改訂


def _readable(a: asm.Assessment) -> bool:
    return bool(a.docs) and all(d is not None for d in a.docs.values()) and \
        not any(f.severity == ERROR and f.rule_id in LOAD_BLOCKING for f in a.load_findings)


# Findings that mean a version's text was not read as written (so a diff against it would be wrong).
LOAD_BLOCKING = {"PIA611"}


@dataclass
class Stamp:
    """What the history keeps of one version: enough to group it, and where to read it again."""
    name: str  # a commit id, 作業中, or a snapshot folder's name
    readable: bool
    keys: dict[str, Key]  # kind name -> edition key
    kinds: tuple[str, ...]  # the documents present (kind names, least detailed first)
    seen: dict[str, Any] = field(default_factory=dict)  # observers' facts
    where: tuple[str, str] | None = None  # (folder path in the repository, folder tree id) of a git version


def _stamp(name: str, a: asm.Assessment, observers: dict[str, Observer], where: tuple[str, str] | None = None) -> Stamp:
    readable = _readable(a)
    kinds = family.present(a)
    keys = {k.id: key for k in kinds if readable and (key := _key(a, k)) is not None}
    return Stamp(name, readable, keys, tuple(k.id for k in kinds),
                 {n: fn(a) for n, fn in observers.items()} if readable else {}, where)


@dataclass
class Revision:
    """One revision: every change between the last version of the previous 改訂 entry and the last version
    that carries this one, whatever order the commits came in."""
    date: str
    base: Version
    end: Version
    rows: list[Row]


_ROWS: OrderedDict[tuple[Any, ...], list[Row]] = OrderedDict()  # rows between two commits, kept per process
ROWS = 1024


class History:
    """The versions of a folder, as stamps, and the problems that make its rows incomplete or that were skipped."""

    def __init__(self, stamps: list[Stamp], problems: list[Finding], load: Callable[[Stamp], asm.Assessment],
                 kept: dict[int, asm.Assessment] | None = None):
        self.stamps = stamps
        self.problems = problems
        self._load = load
        self._kept = kept or {}  # versions not read from git (snapshots, the working tree), by index: kept as loaded
        self._pairs: dict[tuple[int, int, str], list[Row]] = {}
        self._recent: OrderedDict[int, asm.Assessment] = OrderedDict()

    @property
    def complete(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)

    def version(self, i: int) -> Version:
        s = self.stamps[i]
        kept = self._kept.get(i)
        return Version(s.name, kept) if kept is not None else Version(s.name, load=lambda: self._read(i))

    def _read(self, i: int) -> asm.Assessment:
        """A version read again from git; the last few are kept (a revision's end is the next one's base)."""
        if i not in self._recent:
            self._recent[i] = self._load(self.stamps[i])
            while len(self._recent) > 4:
                self._recent.popitem(last=False)
        self._recent.move_to_end(i)
        return self._recent[i]

    @property
    def versions(self) -> list[Version]:
        return [self.version(i) for i in range(len(self.stamps))]

    def main_kind(self, upto: int | None = None) -> kinds.Kind | None:
        readable = [s for s in self.stamps[: None if upto is None else upto + 1] if s.readable]
        return kinds.kinds()[readable[-1].kinds[-1]] if readable and readable[-1].kinds else None

    def present(self, upto: int | None = None) -> list[kinds.Kind]:
        """The documents of the last version (up to upto)."""
        stamps = self.stamps[: None if upto is None else upto + 1]
        return [kinds.kinds()[n] for n in stamps[-1].kinds] if stamps else []

    def revisions(self, kind: kinds.Kind | None = None, upto: int | None = None) -> list[Revision]:
        """Versions (up to index upto) grouped by the edition they carry for one document (the folder's main
        document unless kind is given); each revision's rows are the changes of the document as it prints."""
        kind = kind or self.main_kind(upto)
        if kind is None:
            return []
        last: dict[Key, int] = {}
        for i, s in enumerate(self.stamps[: None if upto is None else upto + 1]):
            k = s.keys.get(kind.id)
            if s.readable and k is not None:
                last[k] = i  # a later commit of the same revision extends it (a ※ change committed after its 変更日)
        ordered = sorted(last)
        out: list[Revision] = []
        for prev, k in zip(ordered, ordered[1:]):
            i, j = last[prev], last[k]
            date = dates.to_era(k[1])
            pair = (i, j, kind.id)
            base, end = self.version(i), self.version(j)
            a, b = self.stamps[i].where, self.stamps[j].where
            shared = (a, b, kind.id, date) if a and b else None  # two commits: their folder trees name the content
            if pair not in self._pairs and shared in _ROWS:
                self._pairs[pair] = _ROWS[shared]
            if pair not in self._pairs:
                old = base.assessment
                new = end.assessment
                self._pairs[pair] = classify(document_changes(old, new, kind), new, kind, date)
                if shared:
                    _ROWS[shared] = self._pairs[pair]
                    while len(_ROWS) > ROWS:
                        _ROWS.popitem(last=False)
            out.append(Revision(date, base, end, self._pairs[pair]))
        return out

    def rows(self, kind: kinds.Kind | None = None, upto: int | None = None) -> list[Row]:
        return [r for rev in self.revisions(kind, upto) for r in rev.rows]


def _of(versions: list[Version] | History) -> History:
    if isinstance(versions, History):
        return versions
    kept = {i: v.assessment for i, v in enumerate(versions)}
    return History([_stamp(v.name, kept[i], {}) for i, v in enumerate(versions)], [], _never, kept)


def _never(s: Stamp) -> asm.Assessment:
    raise AssertionError(f"version {s.name} is kept")


def revisions(versions: list[Version] | History, kind: kinds.Kind | None = None) -> list[Revision]:
    """Versions grouped by the latest 改訂 entry they carry for one document (the folder's main document unless
    kind is given). Before the document records any 改訂, a version is grouped by its 公表日: the published state
    is the baseline of the first 改訂. When the first recorded state already carries 改訂 entries, the first dated
    revision is the baseline: history before it is the pre-pia 変更箇所, kept as data. A version that could not be
    read is skipped (see history()). Each revision's rows are the changes of the document as it prints (a fact
    written once and printed by the 基礎 too appears in both documents)."""
    return _of(versions).revisions(kind)


def document_changes(old: asm.Assessment, new: asm.Assessment, kind: kinds.Kind) -> list[Change]:
    """The changes one document prints in its 変更箇所: the difference of the document as rendered (the 基礎's view
    takes the facts the main document holds), labelled as that document's form labels them."""
    return diff(family.render_view(old, kind), family.render_view(new, kind), kind)


def history_rows(versions: list[Version] | History, kind: kinds.Kind | None = None, upto: int | None = None) -> list[Row]:
    return _of(versions).rows(kind, upto)


# ---- the git history of a folder ---------------------------------------------------------------------------

def _log(top: Path, start: str, rel: str) -> list[tuple[str, str, list[str]]]:
    """(commit, root tree, parents) of the commits from start that touch rel, newest first."""
    out = git(top, "-c", "log.follow=false", "-c", "log.showSignature=false", "log", "--format=%H %T %P",
              "--end-of-options", start, "--", rel or ".").decode()
    return [(p[0], p[1], p[2:]) for line in out.splitlines() if (p := line.split())]


def _renamed_from(top: Path, parent: str, sha: str, rel: str) -> str | None:
    """The folder that commit sha renamed to rel (`git mv`), judged from the renames git detects in it: the old
    folder of the main file (assessment.yaml, juten.yaml, kiso.yaml), else of most renamed files."""
    out = git(top, "diff", "--no-ext-diff", "--name-status", "-z", "-M", "--diff-filter=R", "--end-of-options",
              parent, sha, "--").decode("utf-8", "replace").split("\0")
    votes: dict[str, int] = {}
    for i in range(0, len(out) - 2, 3):
        old, new = out[i + 1], out[i + 2]
        prefix = rel + "/" if rel else ""
        if not new.startswith(prefix) or not old.endswith("/" + new[len(prefix):]):
            continue
        folder = old[: -len(new[len(prefix):]) - 1]
        votes[folder] = votes.get(folder, 0) + (1000 if new[len(prefix):] in asm.main_files() else 1)
    return max(sorted(votes), key=lambda f: votes[f]) if votes else None


def _commits(top: Path, objs: Objects, rel: str) -> list[tuple[str, str, str]]:
    """(commit, root tree, folder path) of every commit that touched the folder, oldest first, following renames
    of the folder: when the oldest commit of a name created the folder by renaming another, that folder's
    commits come before."""
    segments: list[list[tuple[str, str, str]]] = []
    start, path, seen = "HEAD", rel, {rel}
    for _ in range(MAX_RENAMES + 1):
        log = _log(top, start, path)
        if not log:
            break
        segments.append([(sha, tree, path) for sha, tree, _ in log])
        sha, tree, parents = log[-1]
        if not parents or objs.subtree(tree, path) is None:
            break
        parent = parents[0]
        if objs.subtree(objs.commit_tree(parent), path) is not None:
            break  # the folder was there before: its history starts here
        old = _renamed_from(top, parent, sha, path)
        if old is None or old in seen:
            break
        start, path = parent, old
        seen.add(old)
    return [c for seg in reversed(segments) for c in reversed(seg)]


_SUMMARIES: OrderedDict[tuple[Any, ...], tuple[list[Stamp], list[Finding], frozenset[str]]] = OrderedDict()
SUMMARIES = 16  # folders whose committed history a process keeps (pia serve, pia site)


def _git_history(folder: Path, observers: dict[str, Observer]) -> tuple[list[Stamp], list[Finding], Callable[[Stamp], asm.Assessment]]:
    """The stamps of the folder's commits, oldest first, the problems met, and how to read a version again. The
    committed history is a function of the last commit that touched the folder: it is kept per process and on disk
    (pia.history.store), and a later last commit that descends from the stored one costs only the new commits."""
    top = toplevel(folder)
    rel = folder.resolve().relative_to(top.resolve()).as_posix().strip(".")

    def load(s: Stamp) -> asm.Assessment:
        assert s.where is not None
        with Objects(top) as objs:
            return _assemble(objs, s.where[0], s.where[1], s.name)

    if head(top) is None:
        return [], [], load
    newest = _log_newest(top, rel)
    shallow = is_shallow(top)
    key = (str(top.resolve()), rel, newest, shallow)
    cached = _SUMMARIES.get(key)
    if cached is not None and set(observers) <= cached[2]:
        _SUMMARIES.move_to_end(key)
        return cached[0], cached[1], load
    wanted = {n: store.observer_digest(fn) for n, fn in observers.items()}
    git_dir = _git_dir(top)
    stored = _stored(store.read(git_dir, rel), wanted) if git_dir else None
    if stored is not None and stored[0] == newest and stored[1] == shallow:
        stamps, problems = stored[2], stored[3]
    else:
        stamps, problems = [], []
        commits = _newer(top, stored[0], newest, rel) if stored and not shallow and not stored[1] and newest else None
        if commits is not None:  # the stored history, then the commits since
            stamps, problems = stored[2], [p for p in stored[3] if p.rule_id != "PIA612"]  # type: ignore[index]
            prev = stamps[-1].where[1] if stamps and stamps[-1].where else None
        else:
            with Objects(top) as objs:
                commits, prev = (_commits(top, objs, rel) if newest else []), None
        more, found = _stamps(top, commits, prev, observers)
        stamps += more
        problems += found
        if shallow:
            oldest = stamps[0].name[:10] if stamps else "HEAD"
            problems.append(_note(rel, "PIA612",
                                  f"このリポジトリは浅いクローン（shallow clone）のため、コミット {oldest} より前の履歴がありません。"
                                  "バージョン履歴から作る別添3 の行が欠けます。", FETCH_HINT))
        if git_dir:
            store.write(git_dir, rel, {"newest": newest, "shallow": shallow, "observers": wanted,
                                       "stamps": [_stamp_json(s) for s in stamps],
                                       "problems": [store.finding_to_json(p) for p in problems]})
    _SUMMARIES[key] = (stamps, problems, frozenset(observers))
    while len(_SUMMARIES) > SUMMARIES:
        _SUMMARIES.popitem(last=False)
    return stamps, problems, load


PARALLEL_FROM = 2000  # commits from which a first read of the history is shared among the machine's cores
WORKERS = "PIA_HISTORY_WORKERS"  # at most this many processes for it (1: one process)


def _stamps(top: Path, commits: list[tuple[str, str, str]], prev: str | None,
            observers: dict[str, Observer]) -> tuple[list[Stamp], list[Finding]]:
    """The stamps of the commits (those whose folder differs from the one before), and the problems met. A long
    history is cut into consecutive parts read by one process per core (each its own git cat-file), so that its
    first read takes the time of a part; the parts are joined in order."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    asked = os.environ.get(WORKERS, "")
    parts = min(int(asked) if asked.isdigit() else cores, 4, len(commits) // (PARALLEL_FROM // 2))
    if parts < 2 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _stamp_part(top, commits, prev, observers)  # a server's threads are not forked
    size = -(-len(commits) // parts)
    jobs = [(top, commits[i:i + size], prev if i == 0 else None, observers) for i in range(0, len(commits), size)]
    with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
        done = pool.starmap(_stamp_part, jobs)
    stamps: list[Stamp] = []
    problems: list[Finding] = []
    for part, found in done:
        if part and stamps and part[0].where == stamps[-1].where:
            part = part[1:]  # unchanged across the cut: the part before has it
        stamps += part
        problems += found
    return stamps, problems


def _stamp_part(top: Path, commits: list[tuple[str, str, str]], prev: str | None,
                observers: dict[str, Observer]) -> tuple[list[Stamp], list[Finding]]:
    stamps: list[Stamp] = []
    problems: list[Finding] = []
    with Objects(top) as objs:
        for sha, path, tree, a in _walk(objs, commits, prev):
            problems += [f for f in a.load_findings if f.rule_id.startswith("PIA61")]
            stamps.append(_stamp(sha, a, observers, (path, tree)))
    return stamps, problems


def _git_dir(top: Path) -> Path | None:
    try:
        out = git(top, "rev-parse", "--git-common-dir").decode(errors="surrogateescape").strip()
    except PiaError:
        return None
    p = Path(out)
    return p if p.is_absolute() else top / p


def _stored(entry: dict[str, Any] | None, wanted: dict[str, str]) -> tuple[str, bool, list[Stamp], list[Finding]] | None:
    """(last commit, shallow, stamps, problems) of a stored history that has the observers' facts; None otherwise
    (an entry that does not read as expected is ignored, never trusted in part)."""
    if entry is None:
        return None
    try:
        if any(entry["observers"].get(n) != d for n, d in wanted.items()):
            return None
        stamps = [_stamp_from(s) for s in entry["stamps"]]
        problems = [store.finding_from_json(p) for p in entry["problems"]]
        return str(entry["newest"]), bool(entry["shallow"]), stamps, problems
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None


def _stamp_json(s: Stamp) -> dict[str, Any]:
    return {"name": s.name, "readable": s.readable, "keys": {k: store.key_to_json(v) for k, v in s.keys.items()},
            "kinds": list(s.kinds), "seen": s.seen, "where": list(s.where) if s.where else None}


def _stamp_from(d: dict[str, Any]) -> Stamp:
    where = d["where"]
    return Stamp(str(d["name"]), bool(d["readable"]), {str(k): store.key_from_json(v) for k, v in d["keys"].items()},
                 tuple(str(k) for k in d["kinds"] if k in kinds.kinds()), dict(d["seen"]),
                 (str(where[0]), str(where[1])) if where else None)


def _newer(top: Path, old: str, new: str, rel: str) -> list[tuple[str, str, str]] | None:
    """The commits after old up to new that touch the folder, oldest first, when new descends from old along a
    line (no merge among them, so the stored order stays the order a full walk gives); None otherwise."""
    if not old:
        return None
    r = subprocess.run(["git", "merge-base", "--is-ancestor", "--end-of-options", old, new], cwd=top, capture_output=True, check=False)
    if r.returncode != 0:
        return None
    log = _log(top, f"{old}..{new}", rel)
    if any(len(parents) > 1 for _, _, parents in log):
        return None
    return [(sha, tree, rel) for sha, tree, _ in reversed(log)]


def _log_newest(top: Path, rel: str) -> str:
    """The last commit that touched the folder ("" when none): the committed history is a function of it."""
    out = git(top, "-c", "log.follow=false", "-c", "log.showSignature=false", "log", "-1", "--format=%H",
              "--end-of-options", "HEAD", "--", rel or ".")
    return out.decode().strip()


def git_versions(folder: Path) -> History:
    stamps, problems, load = _git_history(folder, {})
    return History(list(stamps), list(problems), load)


def snapshot_versions(folder: Path) -> list[Version]:
    subs = sorted(p for p in folder.iterdir() if asm.is_assessment(p))
    return [Version(p.name, asm.load(p)) for p in subs]


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
                out.append(Finding(doc.file, line, col, "PIA630", ERROR, family.label(new, kind.key, path),
                                   f"{rev.date}の改訂は重要な変更を含み（事前）、公表日を{pv}としていますが、再評価の日付が{what}。",
                                   "再評価の手続（意見聴取、第三者点検又は委員会への提出）を終えてから公表し、その日付を記載してください。"
                                   "重要な変更に当たらない変更なら、改訂の「例外」に理由を記載してください。", anchor=anchor(kind.key, path)))
            else:
                out.append(Finding(doc.file, line, col, "PIA631", WARNING, family.label(new, kind.key, path),
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
        out.append(Finding(doc.file, line, col, "PIA632", ERROR, family.label(new, kind.key, path),
                           f"{dates.to_era(revision_date(rev_new, kind))}の改訂の再評価を"
                           f"{dates.to_era(when)}に実施済みとしていますが、前回の公表日（{dates.to_era(before)}）より前です。",
                           "この改訂のために行った再評価（前回の公表の後）の日付を記載してください。", anchor=anchor(kind.key, path)))
    if after is not None and after != before and when > after:
        out.append(Finding(doc.file, line, col, "PIA632", ERROR, family.label(new, kind.key, path),
                           f"再評価を{dates.to_era(when)}に実施済みとしていますが、新しい公表日（{dates.to_era(after)}）より後です。",
                           "再評価を終えてから公表します。再評価の日付と公表日を確認してください。", anchor=anchor(kind.key, path)))
    return out


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _data(a: asm.Assessment) -> dict[str, object]:
    return {k: d.data if d else None for k, d in a.docs.items()}


def history(path: Path, observers: dict[str, Observer] | None = None, reuse: Reuse | None = None) -> History:
    """Git revisions of the folder, then the working tree when it differs from the last commit; or a folder of
    snapshots. problems name every version skipped (with its commit) and a shallow clone's missing history.
    observers: facts computed from every readable version and kept in its stamp's `seen` (by name). reuse: the
    cache the working tree is loaded through (pia serve)."""
    observers = observers or {}
    if not path.is_dir():
        raise PiaError(f"{path} が見つかりません。")
    if asm.is_assessment(path):
        stamps, problems, load = _git_history(path, observers)
        stamps, problems = list(stamps), list(problems)
        current = asm.load(path, reuse)
        kept: dict[int, asm.Assessment] = {}
        if not stamps or _data(load(stamps[-1])) != _data(current):
            kept[len(stamps)] = current
            stamps.append(_stamp(WORKING, current, observers))
            problems += [f for f in current.load_findings if f.rule_id.startswith("PIA61")]
        h = History(stamps, problems, load, kept)
    else:
        snaps = snapshot_versions(path)
        if not snaps:
            raise PiaError(f"{path} は評価書フォルダでも、評価書の版を並べたフォルダでもありません。")
        kept = {i: v.assessment for i, v in enumerate(snaps)}
        h = History([_stamp(v.name, v.assessment, observers) for v in snaps],
                    [f for v in snaps for f in v.assessment.load_findings if f.rule_id.startswith("PIA61")], _never, kept)
    for i, s in enumerate(h.stamps):
        if not s.readable:
            where = f"コミット {s.name[:10]}" if s.where else f"版「{s.name}」"
            shown = s.where[0] if s.where else h._kept[i].folder
            h.problems.append(_note(shown, "PIA614", f"{where} の評価書は読めない（YAML の誤りなど）ため、変更履歴では飛ばしました。",
                                    "前後の版との差分から別添3 の行を作ります。"))
    seen: set[tuple[str, str]] = set()  # a submodule kept for 50 commits is one warning
    h.problems = [p for p in h.problems if (p.file, p.rule_id) not in seen and not seen.add((p.file, p.rule_id))]  # type: ignore[func-returns-value]
    return h


WORKING = "作業中"


def versions_of(path: Path) -> list[Version]:
    return history(path).versions


def derived_rows(folder: Path, reuse: Reuse | None = None) -> tuple[dict[str, list[dict[str, object]]], list[Finding]]:
    """The 変更箇所 rows the folder's version history gives each document (by kind id: full / focused / basic), and
    the problems with that history. A folder outside git has none of either."""
    if not in_git(folder):
        return {}, []
    h = history(folder, reuse=reuse)
    return {k.id: [r.betten3() for r in h.rows(k)] for k in h.present()}, h.problems


def history_of(folder: Path | None, reuse: Reuse | None = None) -> tuple[dict[str, list[dict[str, Any]]], list[Any]]:
    """(derived 変更箇所 rows by kind id, warnings); a PiaError naming the problems when the rows would be incomplete."""
    if folder is None:
        return {}, []
    derived, problems = derived_rows(folder, reuse)
    errors = [p for p in problems if p.severity == ERROR]
    if errors:
        raise PiaError("変更箇所（別添3）のうちバージョン履歴から作る行が不完全になるため、出力しません。\n" +
                       "\n".join(f"  [{p.rule_id}] {p.file}: {p.message}{' ' + p.hint if p.hint else ''}" for p in errors))
    return derived, problems
