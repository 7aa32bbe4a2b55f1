"""Writing and deleting files inside one folder only: atomic, all or nothing, never through a link. Every file pia
writes or deletes goes through here, as every file it reads goes through fsread.

    fswrite.commit(folder, {"kiso.yaml": data, "files/a.yaml": data2}, delete=["old.yaml"])
    fswrite.copy_tree(src, dst, replace={"kiso.yaml": data})   # a new folder, links never followed

`commit` writes every file to a temporary file beside it (`.NAME.xxxx.tmp`, fsynced), and only when all are written
renames them over their names; when a rename fails, those done are undone (the old file was kept as a hard link),
so on any failure nothing changed. Paths are resolved component by component from the folder with O_NOFOLLOW
(directory descriptors), so a link anywhere below the folder (a linked `.pia/schemas`, a dangling
`.vscode/settings.json`) is refused with a message naming it, never written through. An existing file keeps its
permissions; a new one gets the umask's. Failures raise PiaError in Japanese with the cause and what to do.
"""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pia.base.errors import PiaError
from pia.base.fsread import os_hint, os_reason

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRFLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
# directory descriptors make every step refuse links; without them (Windows) paths are checked with lstat
_AT = {os.open, os.stat, os.rename, os.unlink, os.mkdir, os.link, os.rmdir} <= os.supports_dir_fd  # rename: replace too


def _umask() -> int:
    try:  # read without changing it (os.umask would race with threads)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _umask_mode() -> int:
    """The permissions of a new file, as the umask allows."""
    return 0o666 & ~_umask()


def _parts(rel: str | PurePosixPath | Path, shown: str) -> list[str]:
    parts = PurePosixPath(Path(rel).as_posix()).parts
    if not parts or PurePosixPath(Path(rel).as_posix()).is_absolute() or any(p in ("..", ".") for p in parts):
        raise PiaError(f"{shown} はフォルダの外を指すため、書き込みません。")
    return list(parts)


class _Dir:
    """An open folder: a descriptor opened without following links (or, without dir_fd support, a checked path)."""

    def __init__(self, fd: int | None, path: str):
        self.fd, self.path = fd, path

    def at(self, name: str) -> tuple[str, dict[str, int]]:
        return (name, {"dir_fd": self.fd}) if self.fd is not None else (os.path.join(self.path, name), {})

    def lstat(self, name: str) -> os.stat_result | None:
        p, kw = self.at(name)
        try:
            return os.stat(p, follow_symlinks=False, **kw)
        except FileNotFoundError:
            return None

    def sub(self, name: str) -> _Dir:
        p, kw = self.at(name)
        if self.fd is None:
            if os.path.islink(p) or not os.path.isdir(p):
                raise OSError(errno.ENOTDIR, "not a folder", p)
            return _Dir(None, p)
        return _Dir(os.open(p, _DIRFLAGS, **kw), os.path.join(self.path, name))

    def replace(self, src: str, dst: str) -> None:
        s, _ = self.at(src)
        d, _ = self.at(dst)
        os.replace(s, d, **({"src_dir_fd": self.fd, "dst_dir_fd": self.fd} if self.fd is not None else {}))

    def unlink(self, name: str) -> None:
        p, kw = self.at(name)
        os.unlink(p, **kw)

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1


def _link_refusal(shown: str) -> PiaError:
    return PiaError(f"{shown} はシンボリックリンクです。pia はリンクを通して書き込みも削除もしません。"
                    "リンクを削除するか、実際のファイル・フォルダに置き換えてから、もう一度実行してください。")


@dataclass
class _Op:
    rel: str
    shown: str
    parent: _Dir
    name: str
    data: bytes | None  # None: delete
    existed: bool = False
    mode: int = 0
    tmp: str = ""
    backup: str = ""
    done: bool = False


@dataclass
class _Session:
    root: Path
    dirs: dict[tuple[str, ...], _Dir] = field(default_factory=dict)
    made: list[tuple[_Dir, str]] = field(default_factory=list)  # folders created, to remove on failure

    def open_root(self, create: bool) -> _Dir:
        if create:
            os.makedirs(self.root, exist_ok=True)
        path = str(self.root)
        if not _AT:
            if not os.path.isdir(path):
                raise OSError(errno.ENOTDIR, "not a folder", path)
            return _Dir(None, path)
        # the folder itself is the caller's choice (it may be a link, as out/ often is); below it, nothing is
        return _Dir(os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC), path)

    def folder(self, parts: tuple[str, ...], shown: str, create: bool) -> _Dir:
        if parts in self.dirs:
            return self.dirs[parts]
        parent = self.folder(parts[:-1], shown, create)
        name = parts[-1]
        st = parent.lstat(name)
        where = str(self.root.joinpath(*parts))
        if st is None and create:
            p, kw = parent.at(name)
            os.mkdir(p, 0o777, **kw)
            self.made.append((parent, name))
        elif st is not None and stat.S_ISLNK(st.st_mode):
            raise _link_refusal(where)
        elif st is not None and not stat.S_ISDIR(st.st_mode):
            raise PiaError(f"{where} はフォルダではありません。pia が書き込む場所です。名前を変えるか移してから、もう一度実行してください。")
        try:
            d = parent.sub(name)
        except OSError as e:
            if e.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):  # swapped for a link after the check
                raise _link_refusal(where) from None
            raise
        self.dirs[parts] = d
        return d

    def close(self) -> None:
        for d in self.dirs.values():
            d.close()


def commit(root: Path, files: Mapping[str, bytes], delete: Iterable[str] = (), *, create: bool = True,
           mode: int | None = None, durable: bool = True) -> None:
    """Write files and delete `delete` (paths relative to root, '/'-separated), all or nothing.
    durable=False: nothing is synced to disk (a cache, whose entries are checked when read: after a crash, an entry
    may be lost or torn, never a user's file).

    A link at any step below root is refused (PiaError naming it); so is a name that is a folder or a FIFO.
    Deleting a file that is not there is no error. With create, missing folders (root too) are made. A file
    replaced keeps its permissions, a new one gets the umask's (mode, when given, is used for both)."""
    root = Path(root)
    ops: list[_Op] = []
    s = _Session(root)
    where = str(root)  # what is being written when something fails
    try:
        try:
            s.dirs[()] = s.open_root(create)
            for rel, data in [*files.items(), *((r, None) for r in delete)]:
                where = str(root / rel)
                parts = _parts(rel, where)
                try:
                    parent = s.folder(tuple(parts[:-1]), where, create and data is not None)
                except FileNotFoundError:
                    if data is None:
                        continue  # deleting from a folder that is not there: nothing to delete
                    raise
                ops.append(_prepare(parent, parts[-1], rel, where, data, mode))
            for op in ops:  # every temporary written and synced before any name changes
                where = op.shown
                _stage(op, durable)
            for op in ops:
                where = op.shown
                _swap(op)
        except BaseException as e:
            _undo(ops, s)
            if isinstance(e, OSError):
                raise PiaError(f"{where} に書き込めません（{os_reason(e, writing=True)}）。何も変更していません。"
                               f"{os_hint(e, writing=True)}") from None
            raise
        for op in ops:  # done: the old files kept for undo go
            if op.backup:
                with contextlib.suppress(OSError):
                    op.parent.unlink(op.backup)
        for d in {id(op.parent): op.parent for op in ops}.values() if durable else ():
            if d.fd is not None:
                with contextlib.suppress(OSError):
                    os.fsync(d.fd)
    finally:
        s.close()


def _prepare(parent: _Dir, name: str, rel: str, shown: str, data: bytes | None, mode: int | None) -> _Op:
    op = _Op(rel, shown, parent, name, data)
    st = parent.lstat(name)
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise _link_refusal(shown)
        if stat.S_ISDIR(st.st_mode):
            raise PiaError(f"{shown} はフォルダです。pia はファイルとして書き込めません。名前を変えるか移してから、もう一度実行してください。")
        if not stat.S_ISREG(st.st_mode):
            raise PiaError(f"{shown} は通常のファイルではありません（名前付きパイプ・デバイスなど）。削除してから、もう一度実行してください。")
        op.existed = True
        op.mode = stat.S_IMODE(st.st_mode) if mode is None else mode
    else:
        op.mode = _umask_mode() if mode is None else mode
    return op


def _temp(parent: _Dir, name: str, suffix: str = "") -> tuple[str, int]:
    for _ in range(100):
        tmp = f".{name}.{secrets.token_hex(4)}{suffix}.tmp"
        p, kw = parent.at(tmp)
        try:
            return tmp, os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600, **kw)
        except FileExistsError:
            continue
    raise OSError(errno.EEXIST, "no temporary name", name)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view[:1 << 20])
        view = view[n:]


def _stage(op: _Op, durable: bool = True) -> None:
    if op.existed:  # keep the old file under another name (a hard link: no copy) until every rename is done
        op.backup = _keep(op.parent, op.name)
    if op.data is None:
        return
    op.tmp, fd = _temp(op.parent, op.name)
    try:
        _write_all(fd, op.data)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, op.mode)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    if not hasattr(os, "fchmod"):
        os.chmod(op.parent.at(op.tmp)[0], op.mode)


def _keep(parent: _Dir, name: str) -> str:
    for _ in range(100):
        backup = f".{name}.{secrets.token_hex(4)}-old.tmp"
        src, kw = parent.at(name)
        dst, _ = parent.at(backup)
        try:
            os.link(src, dst, **({"src_dir_fd": parent.fd, "dst_dir_fd": parent.fd} if parent.fd is not None else {}),
                    follow_symlinks=False)
            return backup
        except FileExistsError:
            continue
        except OSError:  # no hard links here (some network or FAT drives): keep a copy
            break
    src, kw = parent.at(name)
    fd = os.open(src, os.O_RDONLY | _NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, **kw)
    try:
        tmp, out = _temp(parent, name, "-old")
        try:
            while chunk := os.read(fd, 1 << 20):
                _write_all(out, chunk)
            os.fsync(out)
        finally:
            os.close(out)
        return tmp
    finally:
        os.close(fd)


def _swap(op: _Op) -> None:
    if op.data is None:
        if op.existed:
            op.parent.unlink(op.name)  # the backup still holds it until the end
    else:
        op.parent.replace(op.tmp, op.name)
        op.tmp = ""
    op.done = True


def _undo(ops: list[_Op], s: _Session) -> None:
    """Put back every name already changed, and remove temporaries and folders made (best effort, reverse order)."""
    for op in reversed(ops):
        with contextlib.suppress(OSError):
            if op.done and op.backup:
                op.parent.replace(op.backup, op.name)
                op.backup = ""
            elif op.done and not op.existed and op.data is not None:
                op.parent.unlink(op.name)
        for t in (op.tmp, op.backup):
            if t:
                with contextlib.suppress(OSError):
                    op.parent.unlink(t)
    for parent, name in reversed(s.made):
        p, kw = parent.at(name)
        with contextlib.suppress(OSError):
            os.rmdir(p, **kw)


def write(root: Path, rel: str, data: bytes, *, durable: bool = True) -> None:
    """One file (see commit)."""
    commit(root, {rel: data}, durable=durable)


# ---- copying a folder (import --out, migrate --out) ---------------------------------------------------------------

def copy_tree(src: Path, dst: Path, replace: Mapping[str, bytes] | None = None) -> None:
    """A new folder dst with src's files (those in `replace` with the bytes given), made beside dst under a
    temporary name and renamed when complete, so a failure leaves no half-made folder.

    Links are never followed: a link to something inside src is copied as a link (an absolute one made relative,
    so it points inside the copy); a link leading out of src, a dangling or looping link, a FIFO, device or socket
    is refused with a message naming it (nothing is made)."""
    src = Path(src)
    real = os.path.realpath(src)
    if not os.path.isdir(real):
        raise PiaError(f"{src} はフォルダではありません。")
    inside = os.path.realpath(Path(dst).parent if str(Path(dst).parent) else ".")
    if inside == real or inside.startswith(real.rstrip(os.sep) + os.sep):
        raise PiaError(f"{dst} は {src} の中です。コピー先にはフォルダの外を指定してください。")
    left = dict(replace or {})

    def fill(tmp: Path) -> None:
        _copy_dir(Path(real), "", tmp, src, left)
        if left:
            raise PiaError(f"{src / next(iter(left))} がコピー元にありません。")
        os.chmod(tmp, stat.S_IMODE(os.stat(real).st_mode))

    _new_folder(Path(dst), fill)


def new_folder(dst: Path, files: Mapping[str, bytes]) -> None:
    """A new folder dst holding files (paths relative to it, '/'-separated), all or nothing (see copy_tree)."""
    def fill(tmp: Path) -> None:
        for rel, data in files.items():
            parts = _parts(rel, str(dst / rel))
            target = tmp.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_new(target, data)
        os.chmod(tmp, 0o777 & ~_umask())

    _new_folder(Path(dst), fill)


def _new_folder(dst: Path, fill: Callable[[Path], None]) -> None:
    """Make dst complete under a temporary name beside it (fill writes into it), then rename it to dst."""
    if os.path.lexists(dst):
        raise PiaError(f"{dst} はすでにあります。上書きしないため、新しいフォルダを指定してください。")
    parent = dst.parent if str(dst.parent) else Path(".")
    tmp = parent / f".{dst.name}.{secrets.token_hex(4)}.tmp"
    try:
        try:
            parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(tmp, 0o700)
            fill(tmp)
            if os.path.lexists(dst):
                raise PiaError(f"{dst} はすでにあります。上書きしないため、新しいフォルダを指定してください。")
            os.rename(tmp, dst)
        except OSError as e:
            where = os.fsdecode(e.filename) if e.filename else str(dst)
            raise PiaError(f"{dst} を作れません（{where}: {os_reason(e, writing=True)}）。何も作っていません。"
                           f"{os_hint(e, writing=True)}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # rmtree never follows links
        raise


def _copy_dir(real_root: Path, rel: str, out: Path, shown_root: Path, replace: dict[str, bytes]) -> None:
    from pia.base.fsread import ascii_name

    here = real_root / rel if rel else real_root
    with os.scandir(here) as it:
        entries = sorted(it, key=lambda e: e.name)
    for e in entries:
        sub = f"{rel}/{e.name}" if rel else e.name
        shown = ascii_name(str(shown_root / sub))
        st = e.stat(follow_symlinks=False)
        target = out / e.name
        if stat.S_ISLNK(st.st_mode) and sub in replace:  # a linked document, migrated: the copy holds the new text
            _write_new(target, replace.pop(sub))
        elif stat.S_ISLNK(st.st_mode):
            os.symlink(_inside_link(real_root, sub, shown), target)
        elif stat.S_ISDIR(st.st_mode):
            os.mkdir(target, 0o700)
            _copy_dir(real_root, sub, target, shown_root, replace)
            os.chmod(target, stat.S_IMODE(st.st_mode) | stat.S_IWUSR | stat.S_IXUSR)
        elif stat.S_ISREG(st.st_mode):
            data = replace.pop(sub, None)
            _copy_file(here / e.name, target, stat.S_IMODE(st.st_mode), data, shown)
        else:
            raise PiaError(f"{shown} は名前付きパイプ（FIFO）・デバイスなど通常のファイルではないため、コピーしません。"
                           "削除してから、もう一度実行してください。")


def _inside_link(real_root: Path, sub: str, shown: str) -> str:
    """The text of a link to copy: relative, and only when it resolves inside the folder."""
    path = real_root / sub
    try:
        target = os.path.realpath(path, strict=True)
    except (OSError, RuntimeError):
        raise PiaError(f"{shown} はリンク先のない（又は循環する）シンボリックリンクです。コピーしません。"
                       "リンクを削除してから、もう一度実行してください。") from None
    root = str(real_root)
    if target != root and not target.startswith(root.rstrip(os.sep) + os.sep):
        raise PiaError(f"{shown} はフォルダの外を指すシンボリックリンクです。リンク先の内容はコピーしません。"
                       "リンクを削除し、内容をファイルとしてフォルダに置いてから、もう一度実行してください。")
    return os.path.relpath(target, os.path.dirname(path))


def _write_new(dst: Path, data: bytes) -> None:
    out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, _umask_mode())
    try:
        _write_all(out, data)
        os.fsync(out)
    finally:
        os.close(out)


def _copy_file(src: Path, dst: Path, mode: int, data: bytes | None, shown: str) -> None:
    fd = os.open(src, os.O_RDONLY | _NOFOLLOW | os.O_NONBLOCK | _CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped after the listing
            raise PiaError(f"{shown} は通常のファイルではないため、コピーしません。")
        out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
        try:
            if data is not None:
                _write_all(out, data)
            else:
                while chunk := os.read(fd, 1 << 20):
                    _write_all(out, chunk)
            os.fsync(out)
            if hasattr(os, "fchmod"):
                os.fchmod(out, mode)
        finally:
            os.close(out)
    finally:
        os.close(fd)
