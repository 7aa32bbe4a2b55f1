"""Reading files inside one folder only, with size limits, never blocking. Every reader of user files uses this.

    root = fsread.Root(folder)               # the folder nothing may leave
    for e in root.listdir("files"):          # entries in name order, each with .refused (a Refusal) or None
        ...
    data = root.read("files/juki.yaml", limit=2_000_000)   # bytes, or raises Refusal

A Refusal carries a finding id (PIA020-PIA024), a Japanese message and hint naming the entry: a symbolic link
leaving the folder (a symlinked `files/` too), a dangling or looping link, a FIFO, device or socket, a folder named
like a file, a name that is not UTF-8, a file larger than the limit, an unreadable file. The file type is checked
with stat before opening and again with fstat on the open descriptor (opened O_NONBLOCK | O_NOFOLLOW), so a FIFO is
never waited on and a file swapped for a link in between is not followed.
"""
from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

OUTSIDE, SPECIAL, BROKEN_LINK, NOT_A_FILE, UNREADABLE, BAD_NAME, TOO_LARGE = (
    "PIA020", "PIA021", "PIA022", "PIA023", "PIA024", "PIA025", "PIA005")


class Refusal(Exception):
    def __init__(self, rule_id: str, message: str, hint: str = ""):
        super().__init__(message)
        self.rule_id, self.message, self.hint = rule_id, message, hint


@dataclass(frozen=True)
class Entry:
    rel: str  # path relative to the root, '/'-separated
    path: Path  # the path as listed (not resolved)
    is_dir: bool
    refused: Refusal | None = None


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "名前付きパイプ（FIFO）"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "デバイスファイル"
    if stat.S_ISSOCK(mode):
        return "ソケット"
    if stat.S_ISDIR(mode):
        return "フォルダ"
    return "通常のファイルでないもの"


_REASONS = {errno.EPERM: "操作が許可されていません", errno.ENOENT: "見つかりません", errno.ELOOP: "シンボリックリンクが循環しています",
            errno.EISDIR: "フォルダです", errno.ENOTDIR: "途中がフォルダではありません",
            errno.ENOSPC: "ディスクの空き容量が足りません", errno.EROFS: "読み取り専用の場所です",
            errno.EIO: "入出力エラーです", errno.ENAMETOOLONG: "名前が長すぎます",
            errno.EDQUOT: "ディスク容量の割り当てを超えています", errno.EEXIST: "同じ名前のものがあります",
            errno.EFBIG: "ファイルの大きさの上限を超えました", errno.EADDRINUSE: "ほかのプログラムが使っています",
            errno.EADDRNOTAVAIL: "このパソコンでは使えない番号です", errno.EMFILE: "開いているファイルが多すぎます",
            errno.ENFILE: "開いているファイルが多すぎます", errno.ENOMEM: "メモリが足りません",
            errno.EBUSY: "ほかのプログラムが使用中です", errno.ETXTBSY: "ほかのプログラムが使用中です",
            errno.EXDEV: "別のドライブをまたいでいます", errno.ENOTEMPTY: "フォルダが空ではありません",
            errno.EINVAL: "名前又は値が正しくありません", errno.EAGAIN: "一時的に使えません",
            errno.EINTR: "中断されました", errno.ENXIO: "相手のないパイプ又はデバイスです",
            errno.EMLINK: "リンクが多すぎます", errno.ENODEV: "デバイスがありません",
            errno.ETIMEDOUT: "時間切れです", errno.ECONNREFUSED: "接続を拒否されました"}
_HINTS = {errno.EACCES: "ファイル・フォルダの権限を確認するか、権限のある場所を指定してください。",
          errno.EPERM: "ファイル・フォルダの権限を確認するか、権限のある場所を指定してください。",
          errno.ENOSPC: "不要なファイルを削除して空きを作ってから、もう一度実行してください。",
          errno.EDQUOT: "不要なファイルを削除して空きを作ってから、もう一度実行してください。",
          errno.EROFS: "書き込める場所を指定してください。",
          errno.EFBIG: "ファイルの大きさの上限（ulimit -f）を確認してください。",
          errno.EADDRINUSE: "--port で別の番号を指定するか、そのポートを使っているプログラムを終了してください。",
          errno.EMFILE: "ほかのプログラムを終了してから、もう一度実行してください。",
          errno.ENOMEM: "ほかのプログラムを終了してから、もう一度実行してください。",
          errno.EBUSY: "そのファイルを開いているプログラム（Excel など）を閉じてから、もう一度実行してください。",
          errno.ETXTBSY: "そのファイルを開いているプログラム（Excel など）を閉じてから、もう一度実行してください。",
          errno.ENAMETOOLONG: "短い名前・浅い場所を指定してください。",
          errno.EIO: "ディスク又はネットワークドライブの状態を確認してください。"}


def os_reason(e: OSError, writing: bool | None = False) -> str:
    """The OS error in Japanese (the cause, not the English strerror). writing: True when writing, False when reading,
    None when it is not known which (the permission is then named without a direction)."""
    if e.errno == errno.EACCES:
        return {True: "書き込みの権限がありません", False: "読み取りの権限がありません"}.get(writing, "権限がありません")  # type: ignore[arg-type]
    if e.errno in _REASONS:
        return _REASONS[e.errno]
    return f"OS のエラー {errno.errorcode[e.errno]}" if e.errno in errno.errorcode else "OS のエラー"


def os_hint(e: OSError, writing: bool | None = False) -> str:
    """What to do about an OS error, one sentence in Japanese ("" when there is nothing general to say)."""
    if e.errno in _HINTS:
        return _HINTS[e.errno]
    return "書き込める場所と空き容量を確認してください。" if writing else ""


class Root:
    """A folder and everything under it; nothing outside it is ever opened."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.real = Path(os.path.realpath(folder))

    def _resolve(self, rel: str) -> Path:
        """The real path of rel, refused when it leaves the root, dangles or loops."""
        p = self.folder / rel
        try:
            real = Path(os.path.realpath(p, strict=True))
        except RuntimeError:  # Python < 3.13 loop report
            raise Refusal(BROKEN_LINK, f"{rel} はシンボリックリンクが循環しています。", "リンクを削除してください。") from None
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise Refusal(BROKEN_LINK, f"{rel} はシンボリックリンクが循環しています。", "リンクを削除してください。") from None
            if os.path.islink(p):
                raise Refusal(BROKEN_LINK, f"{rel} はリンク先のないシンボリックリンクです。", "リンクを削除するか、ファイルを置いてください。") from None
            if e.errno == errno.ENOENT:
                raise Refusal(BROKEN_LINK, f"{rel} が見つかりません。", "ファイル名と保存場所を確認してください。") from None
            raise Refusal(UNREADABLE, f"{rel} を読めません（{os_reason(e)}）。", "ファイルの権限を確認してください。") from None
        if real != self.real and self.real not in real.parents:
            raise Refusal(OUTSIDE, f"{rel} は評価書フォルダの外を指すシンボリックリンクです。pia は読みません。",
                          "リンクを削除し、内容をファイルとして評価書フォルダに置いてください。")
        return real

    def check_file(self, rel: str) -> Path:
        """The real path of a regular file inside the root, or a Refusal naming rel."""
        if not _utf8(rel):
            raise Refusal(BAD_NAME, f"ファイル名 {ascii_name(rel)} が UTF-8 ではありません（Shift_JIS などの名前です）。pia は読みません。",
                          "ファイル名を半角英数字に付け直してください。")
        real = self._resolve(rel)
        try:
            st = os.stat(real)
        except OSError as e:
            raise Refusal(UNREADABLE, f"{rel} を読めません（{os_reason(e)}）。", "ファイルの権限を確認してください。") from None
        if stat.S_ISDIR(st.st_mode):
            raise Refusal(NOT_A_FILE, f"{rel} はファイルではなくフォルダです。", "フォルダの名前から .yaml を外してください。")
        if not stat.S_ISREG(st.st_mode):
            raise Refusal(SPECIAL, f"{rel} は{_kind(st.st_mode)}です。pia は通常のファイルだけを読みます。", "このファイルを削除してください。")
        return real

    def read(self, rel: str, limit: int) -> bytes:
        """At most limit bytes of a regular file inside the root; a Refusal when larger, or not such a file."""
        real = self.check_file(rel)
        try:
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError as e:
            raise Refusal(UNREADABLE, f"{rel} を読めません（{os_reason(e)}）。", "ファイルの権限を確認してください。") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):  # swapped after the check
                raise Refusal(SPECIAL, f"{rel} は{_kind(st.st_mode)}です。pia は通常のファイルだけを読みます。", "このファイルを削除してください。")
            if st.st_size > limit:
                raise Refusal(TOO_LARGE, f"{rel} が大きすぎます（{st.st_size:,} バイト、上限 {limit:,} バイト）。",
                              "誤って別のファイルを置いていないか確認してください。")
            chunks, total = [], 0
            while total <= limit:
                b = os.read(fd, min(1 << 20, limit + 1 - total))
                if not b:
                    break
                chunks.append(b)
                total += len(b)
            if total > limit:  # grew while read
                raise Refusal(TOO_LARGE, f"{rel} が大きすぎます（上限 {limit:,} バイト）。", "誤って別のファイルを置いていないか確認してください。")
            return b"".join(chunks)
        except OSError as e:
            raise Refusal(UNREADABLE, f"{rel} を読めません（{os_reason(e)}）。", "ファイルの権限を確認してください。") from None
        finally:
            os.close(fd)

    def real_rel(self, rel: str) -> str:
        """The path, relative to the root's real folder, of the regular file rel names (links inside followed)."""
        return self.check_file(rel).relative_to(self.real).as_posix()

    def listdir(self, rel: str = "") -> list[Entry]:
        """Entries of a folder inside the root, in name order, each refused or not. A folder that is itself
        refused (a symlinked `files/` leading out, say) raises its Refusal."""
        if rel:
            real = self._resolve(rel)
            if not os.path.isdir(real):
                raise Refusal(NOT_A_FILE, f"{rel} はフォルダではありません。", "")
        else:
            real = self.real
        try:
            names = sorted(os.listdir(real))
        except OSError as e:
            raise Refusal(UNREADABLE, f"{rel or '.'} の中を読めません（{os_reason(e)}）。", "フォルダの権限を確認してください。") from None
        out = []
        for name in names:
            sub = f"{rel}/{name}" if rel else name
            p = self.folder / sub
            try:
                self.check_file(sub)
                out.append(Entry(sub, p, False))
            except Refusal as r:
                out.append(Entry(sub, p, r.rule_id == NOT_A_FILE, r))
        return out


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:  # undecodable bytes arrive as lone surrogates
        return False


def ascii_name(name: str) -> str:
    """A file name that may hold undecodable bytes, printable as is."""
    return os.fsencode(name).decode("utf-8", "backslashreplace") if not _utf8(name) else name


def repository(path: Path, resolve: bool = False) -> Path | None:
    """The git work tree path lies in: the nearest folder with a .git folder or file (a worktree's, a submodule's),
    found by the path's name, or with resolve by where its links lead; None outside git. No git is run."""
    p = path.resolve() if resolve else Path(os.path.abspath(path))
    return next((d for d in (p, *p.parents) if os.path.lexists(d / ".git")), None)
