"""Figures of 別添1: image files inside the assessment folder, checked before anything embeds them.

Only PNG, JPEG and SVG, recognised by their bytes (not their names); never a path that leaves the folder
(absolute, `..`, or a link pointing out); at most MAX_BYTES and MAX_PIXELS.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from pia.base import fsread

MAX_BYTES = 5_000_000
MAX_PIXELS = 40_000_000  # about 8,000 × 5,000: far more than an A4 page needs
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
    if not isinstance(rel, str) or not rel.strip():
        raise FigureError("図のファイル名が書かれていません。")
    rel = rel.strip()
    if _outside(rel):
        raise FigureError(f"図「{rel}」は評価書フォルダの外を指しています。評価書フォルダの中のファイルを、フォルダからの相対パスで指定してください。")
    try:
        data = fsread.Root(folder).read(rel, MAX_BYTES)
    except fsread.Refusal as r:
        raise FigureError(_MESSAGES.get(r.rule_id, "図「{rel}」を読めません（{why}）。").format(rel=rel, why=r.message)) from None
    mime = sniff(data)
    if mime is None:
        raise FigureError(f"図「{rel}」は PNG・JPEG・SVG のいずれでもありません。これらの形式で保存し直してください。")
    width = height = None
    if mime != "image/svg+xml":
        width, height = _pixels(data, rel)
    return Figure(rel, mime, data, width, height)


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
