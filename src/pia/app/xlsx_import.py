"""Excel both ways: the workbook `pia render --format xlsx` writes can be edited in Excel or LibreOffice and read back.

The writer binds every value cell to its item (`Binder.bind`): the cell is unlocked (labels stay protected), a
selection gets a dropdown of the official options, and a hidden sheet records (sheet, cell, document, item path,
kind, the value as written). Reading back compares each bound cell with the value written there, so only what a
person changed is taken, and applies those values to the YAML with a round-trip YAML library (comments, order and
ids are kept). Anything else that changed, and any value that is not one the item accepts, is refused as a finding.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import unicodedata
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pia.document import assessment as asm
from pia.form import kinds as form_kinds
from pia.document import family
from pia.form import schema as sch
from pia.form.items import item
from pia.base import dates
from pia.base.errors import PiaError
from pia.base.findings import ERROR, Finding
from pia.output.xlsx_map import Binding, MAP_COLUMNS, MAP_SHEET, cell_text


# ---- reading back --------------------------------------------------------------------------------------------

@dataclass
class Result:
    folder: Path
    texts: dict[str, str] = field(default_factory=dict)  # relative file -> new YAML text (changed files only)
    findings: list[Finding] = field(default_factory=list)
    old: asm.Assessment | None = None
    new: asm.Assessment | None = None
    originals: dict[str, bytes] = field(default_factory=dict)  # relative file -> the YAML before the import


def added_findings(result: Result) -> list[Finding]:
    """What the check reports on the YAML the import would write that it did not report before: each change is
    checked before it is written (an error blocks writing unless forced; a warning is shown)."""
    from dataclasses import replace

    from pia.analysis.check import check_assessment

    name = Path(result.folder).name
    new = {**result.originals, **{rel: t.encode("utf-8") for rel, t in result.texts.items()}}

    def found(texts: dict[str, bytes]) -> list[Finding]:
        return [f for f in check_assessment(asm.from_texts(name, texts)).findings if not f.suppressed]

    before = {(f.file, f.rule_id, f.item_path) for f in found(result.originals)}
    prefix = name + "/"
    return [replace(f, file=str(result.folder / f.file[len(prefix):]) if f.file.startswith(prefix) else f.file)
            for f in found(new) if (f.file, f.rule_id, f.item_path) not in before]


def _bindings(wb: Any) -> list[Binding]:
    if MAP_SHEET not in wb.sheetnames:
        raise PiaError("この Excel には pia の対応表がありません。`pia render --format xlsx` で書き出した Excel を指定してください。")
    by_row: dict[int, list[Any]] = {}
    for (r, c), v in wb[MAP_SHEET]._cells.items():  # only cells that exist (a far cell adds one row, not a million)
        if r >= 2 and c <= len(MAP_COLUMNS):
            by_row.setdefault(r, [None] * len(MAP_COLUMNS))[c - 1] = v.value
    out = []
    for _, (sheet, cell, doc, path, kind, written) in sorted(by_row.items()):
        if not sheet:
            continue
        try:
            p = tuple(json.loads(str(path)))
        except ValueError:
            raise PiaError("この Excel の pia の対応表が壊れています。もう一度 `pia render --format xlsx` で書き出してください。") from None
        out.append(Binding(str(sheet), str(cell), str(doc), p, str(kind), cell_text(written)))
    return out


def _finding(workbook: str, ws: str, coord: str, rule: str, label: str, message: str, hint: str = "") -> Finding:
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

    col, row = coordinate_from_string(coord)
    return Finding(workbook, row, column_index_from_string(col), rule, ERROR, f"{ws}!{coord} {label}".strip(), message, hint)


def _rel(folder: Path, doc: Any) -> str:
    """The document's file, relative to its assessment folder (every kind of document knows its own file)."""
    return Path(os.path.relpath(doc.file, folder)).as_posix()


MAX_CELLS = 200_000  # cells and rows of all worksheets (the largest example's workbook has about 15,000 cells)
MAX_STRINGS = 200_000  # shared strings (Excel and LibreOffice keep each distinct text once)
MAX_COVERED = 200_000  # cells covered by merged ranges and hyperlink ranges (openpyxl makes an object for each)


class _Over(Exception):
    pass


def _area(ref: str) -> int:
    from openpyxl.utils.cell import range_boundaries

    try:
        c1, r1, c2, r2 = range_boundaries(ref)
    except (ValueError, TypeError):
        return 1
    return (abs((c2 or c1 or 1) - (c1 or 1)) + 1) * (abs((r2 or r1 or 1) - (r1 or 1)) + 1)


def _scan_parts(data: bytes, shown: str) -> None:
    """Count what openpyxl would make objects for, before it does: cells and rows, shared strings, and cells of
    merged or hyperlinked ranges, in every XML part, with expat (no tree kept) and stopping at the first limit
    passed. A workbook over a limit is refused with the count and the limit."""
    import zipfile
    from xml.parsers import expat

    counts = {"cells": 0, "strings": 0, "covered": 0}
    limits = {"cells": MAX_CELLS, "strings": MAX_STRINGS, "covered": MAX_COVERED}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local in ("c", "row"):
            key = "cells"
            counts[key] += 1
        elif local == "si":
            key = "strings"
            counts[key] += 1
        elif local in ("mergeCell", "hyperlink"):
            key = "covered"
            counts[key] += _area(attrs.get("ref", ""))
        else:
            return
        if counts[key] > limits[key]:
            raise _Over(key)

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if not info.filename.lower().endswith(".xml"):
                continue
            p = expat.ParserCreate(namespace_separator=" ")
            p.StartElementHandler = start
            try:
                with zf.open(info) as fh:
                    while chunk := fh.read(1 << 20):
                        p.Parse(chunk, False)
                    p.Parse(b"", True)
            except _Over as e:
                what = {"cells": "セルと行", "strings": "共有文字列", "covered": "結合・リンクの範囲のセル"}[str(e)]
                raise PiaError(f"{shown} は{what}が多すぎます（{counts[str(e)]:,} 個を超えています、上限 {limits[str(e)]:,} 個）。"
                               "pia が書き出した Excel に記入したものか確認してください。") from None
            except (expat.ExpatError, zipfile.BadZipFile, ValueError, EOFError):
                continue  # not XML: openpyxl says so when it reads the workbook


MAX_REPORTED = 100  # changed cells named one by one; a workbook with more is not an edited form
MAX_WORKBOOK = 20 * 1024 * 1024  # bytes of the .xlsx file
MAX_UNZIPPED = 200 * 1024 * 1024  # bytes of its parts once unzipped (a zip bomb stops here)


def _workbook_bytes(workbook: Path) -> bytes:
    """The workbook's bytes through fsread (a regular file, never a FIFO or device, at most MAX_WORKBOOK), refused
    when its unzipped parts would exceed MAX_UNZIPPED."""
    import zipfile

    from pia.base import fsread

    try:
        data = fsread.Root(workbook.parent).read(workbook.name, MAX_WORKBOOK)
    except fsread.Refusal as r:
        raise PiaError(r.message + (" " + r.hint if r.hint else "")) from None
    try:
        unzipped = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError):
        raise PiaError(f"{workbook} を Excel として読めません（zip 形式ではありません）。") from None
    if unzipped > MAX_UNZIPPED:
        raise PiaError(f"{workbook} は展開すると大きすぎます（{unzipped:,} バイト、上限 {MAX_UNZIPPED:,} バイト）。")
    _scan_parts(data, str(workbook))
    return data


def read(workbook: Path, folder: Path) -> Result:
    """What the edited workbook changes in the assessment folder (nothing is written here)."""
    from pia.document import yaml_edit
    from pia.portfolio.render import document_job
    from pia.history.versions import history_of

    try:
        edited = load_workbook(io.BytesIO(_workbook_bytes(workbook)))
    except PiaError:
        raise
    except Exception as e:  # openpyxl raises many kinds (zip, XML, key errors) for a file that is not a workbook
        raise PiaError(f"{workbook} を Excel として読めません（{type(e).__name__}）。") from None
    a = asm.load(folder)
    result = Result(folder, old=a)
    if any(f.is_error for f in a.load_findings) or family.main_kind(a) is None:
        raise PiaError(f"{folder} の YAML を読めないため、Excel の内容を戻せません。先に `pia check {folder}` で直してください。")
    theirs = _bindings(edited)
    kind = _kind_of(theirs)
    if kind not in family.present(a):
        raise PiaError(f"この Excel は{form_kinds.short_title(kind)}のものですが、{folder} に {kind.file} がありません。"
                       "評価書フォルダを確かめてください。")
    # the workbook `pia render` writes for this document now (with its 別添3 history and figures), to compare with
    derived = history_of(folder)[0]
    base = load_workbook(io.BytesIO(document_job(a, folder, kind, derived).make_workbook()))
    shown = str(workbook)
    ours = _bindings(base)
    if [(b.sheet, b.cell, b.doc, b.path, b.kind) for b in ours] != [(b.sheet, b.cell, b.doc, b.path, b.kind) for b in theirs]:
        result.findings.append(_finding(shown, MAP_SHEET, "A1", "PIA951", "",
                                        "この Excel は評価書の今の版から書き出したものではありません（項目の並びが違います）。",
                                        "今の評価書から `pia render --format xlsx` で書き出した Excel に記入し直してください。"))
        return result
    bound = {(b.sheet, b.cell) for b in ours}
    unbound = 0  # changed cells that are not values (the first MAX_REPORTED are named)
    for ws in base.worksheets:
        if ws.title == MAP_SHEET:
            continue
        if ws.title not in edited.sheetnames:
            result.findings.append(_finding(shown, ws.title, "A1", "PIA950", "", f"シート「{ws.title}」がありません。",
                                            "シートの名前を変えたり削除したりしないでください。"))
            continue
        other = edited[ws.title]
        mine, edits = ws._cells, other._cells  # only cells that exist in either (never max_row × max_column)
        for r, c in sorted(mine.keys() | edits.keys()):
            coord = f"{get_column_letter(c)}{r}"
            if (ws.title, coord) in bound:
                continue
            if cell_text(getattr(mine.get((r, c)), "value", None)) != cell_text(getattr(edits.get((r, c)), "value", None)):
                unbound += 1
                if unbound <= MAX_REPORTED:
                    result.findings.append(_finding(shown, ws.title, coord, "PIA950", "",
                                                    "項目の値ではないセル（項目名・見出し・追加された行など）が変わっています。この変更は評価書に戻せません。",
                                                    "項目の値のセル（白いセル）だけを変更してください。行や提供先などを増やすときは YAML で書きます。"))
    if unbound > MAX_REPORTED:
        result.findings.append(_finding(shown, MAP_SHEET, "A1", "PIA950", "",
                                        f"ほかにも項目の値ではないセルが {unbound - MAX_REPORTED:,} か所変わっています（最初の {MAX_REPORTED} か所だけを示しました）。",
                                        "今の評価書から `pia render --format xlsx` で書き出した Excel に記入し直してください。"))
    current = {(b.sheet, b.cell): b.written for b in ours}
    # a long text's cells (the first and its 「（続き）」 rows, bound one after another) are one value, compared and
    # taken whole; an item printed on two sheets (a file's name in Ⅱ and Ⅲ) is two
    units = [list(g) for _, g in groupby(theirs, key=lambda b: (b.sheet, b.doc, b.path, b.kind))]
    changes: dict[tuple[str, tuple[str | int, ...]], list[tuple[Binding, str]]] = {}
    for cells in units:
        texts = [_typed(edited[b.sheet][b.cell].value, b.written) if b.sheet in edited.sheetnames else b.written for b in cells]
        now, written = "".join(texts), "".join(b.written for b in cells)
        if now == written:
            continue  # not edited
        if "".join(current[(b.sheet, b.cell)] for b in cells) in (now, yaml_edit.as_written(now)):
            continue  # the YAML already holds this value (this workbook was imported before, say)
        b = next(b for b, t in zip(cells, texts) if t != b.written)  # the first edited cell, to name in a finding
        source = _printed_from(a, b)
        if source:
            result.findings.append(_finding(shown, b.sheet, b.cell, "PIA950", _label(a, b),
                                            f"この項目は{source}に書いた内容が印字される項目です。基礎項目評価書の Excel からは戻せません。",
                                            f"{source}（又はその Excel）で変更してください。事実は一度だけ書きます。"))
            continue
        if any(current[(c.sheet, c.cell)] != c.written for c in cells):
            result.findings.append(_finding(shown, b.sheet, b.cell, "PIA951", _label(a, b),
                                            "この項目は Excel を書き出した後に YAML でも変わっているため、どちらを採るか決められません。",
                                            "今の評価書から書き出し直した Excel に記入し直してください。"))
            continue
        key, value = (b.doc, b.path if b.kind not in ("tick", "tick-text") else b.path[:-1]), _unnumbered(a, cells[0], now)
        if b.kind not in ("tick", "tick-text") and key in changes:  # printed on two sheets (a file's name in Ⅱ and Ⅲ)
            other = changes[key][0][0]
            if changes[key][0][1] != value:
                result.findings.append(_finding(shown, b.sheet, b.cell, "PIA952", _label(a, b),
                                                f"この項目は {other.sheet}!{other.cell} にも印字されていて、そこでは違う値に変えられています。",
                                                "どちらか一方のセルだけを変更するか、同じ値にしてください。"))
            continue
        changes.setdefault(key, []).append((cells[0], value))
    if result.findings:
        return result
    _apply(a, changes, result, shown, edited)
    return result


def _typed(value: Any, written: str) -> str:
    """An edited cell's text as the YAML writes it: line breaks pasted from Windows (CRLF, CR) as LF, and a date
    Excel made of what was typed (a date cell) as the form writes dates (令和6年7月1日), not 2024-07-01 00:00:00."""
    if isinstance(value, dt.date):  # a datetime too
        return dates.to_era(value.date() if isinstance(value, dt.datetime) else value)
    text = cell_text(value)
    if text == written:
        return text  # as pia wrote it (a YAML's own CR stays)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _unnumbered(a: asm.Assessment, b: Binding, text: str) -> str:
    """A file's name as typed in the cell that prints it after the file's number (「(1)国保ファイル」, as pia wrote
    it, or full-width): the name alone, as the YAML holds it (the number is printed again from the file's place)."""
    schema, _, fid = b.doc.partition(":")
    names = form_kinds.per_file(schema)
    if not fid or names is None or b.path != item(names[1]).at():
        return text
    number = a.file_number(fid, schema)
    return text[len(number):] if unicodedata.normalize("NFKC", text[:len(number)]) == number else text


def _kind_of(bindings: list[Binding]) -> form_kinds.Kind:
    """The document a workbook was written for, from the documents its cells are bound to (kiso, juten, …)."""
    def kind(doc: str) -> form_kinds.Kind | None:
        base = doc.split(":", 1)[0]
        return form_kinds.by_key(base) or next((k for k in form_kinds.kinds().values() if k.file_schema == base), None)

    kinds = {kind(b.doc) for b in bindings if b.doc != "systems"}  # systems.yaml serves the 全項目 and the 重点
    if len(kinds) != 1 or None in kinds:
        raise PiaError("この Excel の pia の対応表が壊れています。もう一度 `pia render --format xlsx` で書き出してください。")
    kind = kinds.pop()
    assert kind is not None
    return kind


def _printed_from(a: asm.Assessment, b: Binding) -> str:
    """For a cell of a companion 基礎項目評価書 that prints a fact another document holds: where it is written (else "").
    The same words as the cell's note in the workbook (pia.output.xlsx)."""
    kiso = form_kinds.borrower()
    if kiso is None or b.doc != kiso.key:
        return ""
    return family.written_in(a, b.path) or ""


def _label(a: asm.Assessment, b: Binding) -> str:
    try:
        return family.label(a, b.doc, b.path)
    except Exception:  # a label is only for the message
        return ""


def _node(a: asm.Assessment, doc: str, path: tuple[str | int, ...]) -> sch.Node:
    node = sch.load().node_at(doc.split(":", 1)[0], path)
    if node is None:
        raise PiaError(f"対応表の項目 {doc} {list(path)} が様式にありません。もう一度書き出してください。")
    return node


def _value(a: asm.Assessment, doc: str, path: tuple[str | int, ...]) -> Any:
    d = a.docs.get(doc)
    v: Any = d.data if d else None
    for p in path:
        if isinstance(v, dict) and isinstance(p, str):
            v = v.get(p)
        elif isinstance(v, list) and isinstance(p, int) and p < len(v):
            v = v[p]
        else:
            return None
    return v


def _convert(a: asm.Assessment, b: Binding, text: str, shown: str) -> tuple[Any, Finding | None]:
    """The YAML value of an edited cell, or a finding saying why it cannot be one."""
    label = _label(a, b)
    if b.kind in ("tick", "flag"):
        ticked = sch.tick(text)  # ○, レ, ✓, ×, a blank…: read as the check reads the YAML
        if ticked is None:
            return None, _finding(shown, b.sheet, b.cell, "PIA952", label, f"「{text}」は○の欄に書けません。", "○ を選ぶか、空欄にしてください。")
        return ticked, None
    if text.strip() == "":
        return None, None
    if b.kind == "choice":
        opts = sch.options(_node(a, b.doc, b.path))
        if text not in opts:
            close = sch.closest_option(text, opts)
            if close:
                return close, None
            return None, _finding(shown, b.sheet, b.cell, "PIA952", label, f"「{text}」は様式の選択肢にありません。",
                                  "選択肢: " + " ".join(f"{i}) {o}" for i, o in enumerate(opts, 1)))
        return text, None
    if b.kind == "count" or (b.kind == "tick-text" and "integer" in sch.types(_tick_text_node(a, b)) and "string" not in sch.types(_tick_text_node(a, b))):
        t = text.strip().replace(",", "")
        if not t.isdigit():
            return None, _finding(shown, b.sheet, b.cell, "PIA952", label, f"「{text}」は件数として読めません。", "0 以上の整数を書いてください。")
        return int(t), None
    old = _value(a, b.doc, b.path)
    if isinstance(old, int) and not isinstance(old, bool) and text.strip().isdigit():
        return int(text.strip()), None
    return text, None


def _tick_text_node(a: asm.Assessment, b: Binding) -> sch.Node:
    multi = _node(a, b.doc, b.path[:-1])
    items = multi.get("items") or {}
    alts = items.get("anyOf") or [{}, {}]
    return (alts[1].get("properties") or {}).get(str(b.path[-1]), {}) if len(alts) > 1 else {}


def _multi(a: asm.Assessment, doc: str, path: tuple[str | int, ...], edits: list[tuple[Binding, Any]]) -> list[Any]:
    """The new list of a multiple-choice item: the ticked options in official order, texts kept or replaced."""
    node = _node(a, doc, path)
    current = _value(a, doc, path)
    entries: dict[str, Any] = {}
    for e in current if isinstance(current, list) else []:
        if isinstance(e, str):
            entries[e] = e
        elif isinstance(e, dict) and len(e) == 1:
            entries[next(iter(e))] = e
    for b, v in edits:
        opt = str(b.path[-1])
        if b.kind == "tick":
            if v and opt not in entries:
                entries[opt] = {opt: None} if opt in sch.text_options(node) else opt
            elif not v:
                entries.pop(opt, None)
    for b, v in edits:
        opt = str(b.path[-1])
        if b.kind == "tick-text":
            if v is None and opt in entries:
                entries[opt] = {opt: None}
            elif v is not None:
                entries[opt] = {opt: v}
    order = sch.options(node)
    return [entries[o] for o in sorted(entries, key=lambda o: order.index(o) if o in order else len(order))]


def _apply(a: asm.Assessment, changes: dict[tuple[str, tuple[str | int, ...]], list[tuple[Binding, str]]],
           result: Result, shown: str, edited: Any) -> None:
    from pia.document import yaml_edit

    new_values: dict[str, list[tuple[tuple[str | int, ...], Any]]] = {}
    for (doc, path), edits in changes.items():
        converted = []
        for b, text in edits:
            v, f = _convert(a, b, text, shown)
            if f:
                result.findings.append(f)
            converted.append((b, v))
        if any(b.kind in ("tick", "tick-text") for b, _ in converted):
            value: Any = _multi(a, doc, path, converted)
        else:  # one cell, or a long text's cells joined (read)
            value = converted[0][1]
            b = converted[0][0]
            if b.kind == "flag":  # written as the YAML wrote it: true/false, else ○ or a blank
                value = value if isinstance(_value(a, doc, path), bool) else (sch.TICK if value else None)
        new_values.setdefault(doc, []).append((path, value))
    if result.findings:
        return
    folder = result.folder
    rels = {key: _rel(folder, d) for key, d in a.docs.items() if d is not None}
    texts = {rel: (folder / rel).read_bytes() for rel in rels.values()}
    result.originals = dict(texts)
    for doc, values in new_values.items():
        rel = rels[doc]
        text = texts[rel].decode("utf-8")  # a BOM stays (set_values keeps it)
        new_text = yaml_edit.set_values(text, values, sch.load().document(doc.split(":", 1)[0]))
        if new_text != text:
            result.texts[rel] = new_text
            texts[rel] = new_text.encode("utf-8")
    result.new = asm.from_texts(Path(a.folder).name, texts)
