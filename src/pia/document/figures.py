"""Figures of 別添1: image files inside the assessment folder, checked before anything embeds them.

Only PNG, JPEG and SVG, recognised by their bytes (not their names); never a path that leaves the folder
(absolute, `..`, or a link pointing out); at most MAX_BYTES and MAX_PIXELS each, an SVG measured by pia.document.svg
(elements, nesting, what <use> expands to), and all the figures of one document together within Budget's limits
(count, bytes, pixels, SVG elements drawn): the check (PIA107) and every render count them in the same order.
"""
from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pia.base import fsread
from pia.document import svg

MAX_BYTES = 5_000_000
MAX_PIXELS = 40_000_000  # about 8,000 × 5,000: far more than an A4 page needs
# All the figures of one document (docs/security.md has the cost measured at each limit).
MAX_COUNT = 30
MAX_TOTAL_BYTES = 15_000_000  # the HTML embeds each citation as base64: about 20 MB of HTML at the limit
MAX_TOTAL_PIXELS = 100_000_000
MAX_TOTAL_DRAWN = svg.MAX_DRAWN  # the costliest to lay out: one such SVG per document
TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/svg+xml": "SVG"}
_SVG = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]", re.S)


_MESSAGES = {
    fsread.BROKEN_LINK: "図のファイル「{rel}」が見つかりません。ファイル名と保存場所を確認してください。",
    fsread.OUTSIDE: "図「{rel}」は評価書フォルダの外のファイル（リンク先）を指しています。ファイルそのものを評価書フォルダに置いてください。",
    fsread.SPECIAL: "図「{rel}」は通常のファイルではありません。",
    fsread.NOT_A_FILE: "図「{rel}」は通常のファイルではありません。",
    fsread.TOO_LARGE: "図「{rel}」が大きすぎます（上限 " + f"{MAX_BYTES:,}" + " バイト）。解像度を下げて保存し直してください。",
}


class FigureError(Exception):
    """Why a figure cannot be used, in Japanese, for the finding and the rendered placeholder."""


@dataclass(frozen=True)
class Figure:
    name: str
    mime: str
    data: bytes
    width: int | None = None
    height: int | None = None
    pixels: int = 0  # decoded pixels (a PNG/JPEG, or the images an SVG embeds)
    drawn: int = 0  # SVG elements drawn once references are expanded

    @property
    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if _SVG.match(data.removeprefix(b"\xef\xbb\xbf")[:4096]):
        return "image/svg+xml"
    return None


def _outside(rel: str) -> bool:
    p = Path(rel)
    return p.is_absolute() or ".." in p.parts or rel.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", rel))


def read(folder: Path, rel: object) -> Figure:
    """The figure's bytes, read through fsread (inside the folder, a regular file, never blocking, at most MAX_BYTES)."""
    return _figure(rel, _bytes(folder, rel))


def state(folder: Path, rel: object) -> str:
    """What the figure's file holds now: the hash of its bytes, or why it cannot be read (as Budget.read_from
    records it: a render that read the same states prints the same figures)."""
    try:
        return hashlib.sha256(_bytes(folder, rel)).hexdigest()
    except FigureError as e:
        return "!" + str(e)


def _bytes(folder: Path, rel: object) -> bytes:
    if not isinstance(rel, str) or not rel.strip():
        raise FigureError("図のファイル名が書かれていません。")
    rel = rel.strip()
    if _outside(rel):
        raise FigureError(f"図「{rel}」は評価書フォルダの外を指しています。評価書フォルダの中のファイルを、フォルダからの相対パスで指定してください。")
    try:
        return fsread.Root(folder).read(rel, MAX_BYTES)
    except fsread.Refusal as r:
        raise FigureError(_MESSAGES.get(r.rule_id, "図「{rel}」を読めません（{why}）。").format(rel=rel, why=r.message)) from None


def _figure(rel: object, data: bytes) -> Figure:
    assert isinstance(rel, str)
    rel = rel.strip()
    mime = sniff(data)
    if mime is None:
        raise FigureError(f"図「{rel}」は PNG・JPEG・SVG のいずれでもありません。これらの形式で保存し直してください。")
    if mime != "image/svg+xml":
        width, height = _pixels(data, rel)
        return Figure(rel, mime, data, width, height, width * height)
    try:
        m = svg.measure(data)
    except svg.SvgError as e:
        raise FigureError(f"図「{rel}」の SVG は掲載できません。{e}。図を作ったソフトで PNG として書き出してください。") from None
    pixels = 0
    for inner in m.images:  # PNG/JPEG inside the SVG: the limits of a figure of its own
        if sniff(inner) not in ("image/png", "image/jpeg"):
            raise FigureError(f"図「{rel}」の SVG に埋め込まれた画像が PNG・JPEG ではありません。図を作ったソフトで PNG として書き出してください。")
        w, h = _pixels(inner, rel)
        pixels += w * h
    if pixels > MAX_PIXELS:
        raise FigureError(f"図「{rel}」の SVG に埋め込まれた画像の画素数が多すぎます（合計 {pixels:,} 画素）。{MAX_PIXELS:,} 画素以下にしてください。")
    return Figure(rel, mime, data, pixels=pixels, drawn=m.drawn)


class Budget:
    """The figures of one document, read in the order they are printed: each within its own limits, and all of
    them together within MAX_COUNT, MAX_TOTAL_BYTES, MAX_TOTAL_PIXELS and MAX_TOTAL_DRAWN. A figure cited twice
    counts twice (the HTML embeds it twice). The same key (an entry's place in the document) is read only once."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = self.bytes = self.pixels = self.drawn = 0
        self.done: dict[object, Figure | FigureError] = {}
        self.read_from: list[tuple[object, str]] = []  # (name, state) of each file read: what the document printed

    def read(self, rel: object, key: object) -> Figure:
        if key not in self.done:
            try:
                data = _bytes(self.folder, rel)
            except FigureError as e:
                self.read_from.append((rel, "!" + str(e)))
                self.done[key] = e
            else:
                self.read_from.append((rel, hashlib.sha256(data).hexdigest()))
                try:
                    self.done[key] = self._charge(_figure(rel, data))
                except FigureError as e:
                    self.done[key] = e
        got = self.done[key]
        if isinstance(got, FigureError):
            raise got
        return got

    def _charge(self, fig: Figure) -> Figure:
        total = "この評価書の図の合計が上限を超えます（"
        fix = "）。図の数を減らすか、解像度を下げて保存し直してください。"
        if self.count + 1 > MAX_COUNT:
            raise FigureError(f"{total}{MAX_COUNT} 個まで{fix}")
        if self.bytes + len(fig.data) > MAX_TOTAL_BYTES:
            raise FigureError(f"{total}合計 {MAX_TOTAL_BYTES:,} バイトまで。図「{fig.name}」で {self.bytes + len(fig.data):,} バイト{fix}")
        if self.pixels + fig.pixels > MAX_TOTAL_PIXELS:
            raise FigureError(f"{total}合計 {MAX_TOTAL_PIXELS:,} 画素まで。図「{fig.name}」で {self.pixels + fig.pixels:,} 画素{fix}")
        if self.drawn + fig.drawn > MAX_TOTAL_DRAWN:
            raise FigureError(f"{total}SVG の要素は合計 {MAX_TOTAL_DRAWN:,} 個まで。図「{fig.name}」で {self.drawn + fig.drawn:,} 個{fix}")
        self.count += 1
        self.bytes += len(fig.data)
        self.pixels += fig.pixels
        self.drawn += fig.drawn
        return fig


def _pixels(data: bytes, rel: str) -> tuple[int, int]:
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
    except Exception:  # Pillow raises many kinds for broken files
        raise FigureError(f"図「{rel}」を画像として読めません（ファイルが壊れているおそれがあります）。") from None
    if w * h > MAX_PIXELS:
        raise FigureError(f"図「{rel}」の画素数が多すぎます（{w}×{h}）。{MAX_PIXELS:,} 画素以下にしてください。")
    return w, h
