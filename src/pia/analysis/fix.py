"""`pia fix`: rewrite what staff type into the form's official style, touching nothing else, in every document of
the folder (全項目・重点・基礎; each fix where its finding's rule covers the document's kind).

- Lines the pre-parse scan can repair (全角 spaces or tabs as indentation, 「：」 after an item name).
- Dates in date items written in Western, 全角 or abbreviated style (2025/4/1, 2025-04-01, 令和７年３月１日,
  R7.4.1) -> 令和7年4月1日.
- Counts written with 全角 digits or 「件」 (「３」「3件」) -> 3.

Values are edited inside their own text span, found from the parser's positions; comments, quoting, key order and
every other byte stay as they were (the file is never re-dumped). A file with nothing to fix is left byte-identical.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from pia.document import assessment as asm
from pia.base import dates
from pia.base import fsread
from pia.document import prescan
from pia.form import schema as sch
from pia.base.errors import PiaError
from pia.form.items import item
from pia.document.loader import MAX_BYTES, _Resolver

_D = "[0-9０-９]"
_DATE = re.compile(
    rf"(?P<era>令和|平成|昭和|[RHSＲＨＳ])\s*(?P<ey>元|{_D}{{1,2}})\s*[年.．]\s*(?P<em>{_D}{{1,2}})\s*[月.．]\s*(?P<ed>{_D}{{1,2}})\s*日?"
    rf"|(?P<y>{_D}{{4}})\s*(?P<s1>[-/／－年])\s*(?P<m>{_D}{{1,2}})\s*[-/／－月]\s*(?P<d>{_D}{{1,2}})\s*日?")
_COUNT = re.compile(r"(\d+)\s*件?")

Edit = tuple[int, int, str]  # start, end (character offsets in the file), replacement


def _date_of(m: re.Match[str]) -> dt.date | None:
    t = unicodedata.normalize("NFKC", m.group())
    return (dates.find_dates(t) or [None])[0]


def date_edits(text: str, offset: int = 0) -> Iterator[Edit]:
    """Each date in text not written the official way (令和7年4月1日), with its official form."""
    for m in _DATE.finditer(text):
        d = _date_of(m)
        if d is None:
            continue
        official = dates.to_era(d)
        written = m.group().rstrip()
        if not _same_era_style(written, official):
            yield offset + m.start(), offset + m.start() + len(written), official


def _same_era_style(written: str, official: str) -> bool:
    """Written in the official style already (令和1年 for 元年 reads the same and is left as written)."""
    return written == official or re.sub(r"(?<=\D)1(?=年)", "元", written) == official


def count_fix(value: str) -> int | None:
    m = _COUNT.fullmatch(unicodedata.normalize("NFKC", value).strip().replace(",", ""))
    return int(m.group(1)) if m and value.strip() != m.group(1) else None


def _walk(node: yaml.Node, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], yaml.ScalarNode]]:
    if isinstance(node, yaml.ScalarNode):
        yield path, node
    elif isinstance(node, yaml.SequenceNode):
        for i, entry in enumerate(node.value):
            yield from _walk(entry, path + (i,))
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                yield from _walk(v, path + (k.value,))


# Text items that hold dates the form prints as dates: the 意見聴取 period (令和5年8月25日(金)～令和5年9月24日(日)).
DATED_TEXTS = {"VI-2-②", "重点-V-2-②"}


def is_date_item(root: sch.Schema, name: str, path: tuple[Any, ...]) -> bool:
    """A date the author writes now (the 別添3 rows kept from before pia stay as the original wrote them)."""
    node = root.node_at(name, path)
    if not node or path[:1] == item("表紙-変更箇所の記録").path:
        return False
    return sch.kind(node) == "date" or sch.code(node) in DATED_TEXTS or path[-1:] == item("改訂-変更日").path[-1:]


def _is_count(root: sch.Schema, name: str, path: tuple[Any, ...]) -> bool:
    node = root.node_at(name, path)
    if node is not None:
        return sch.kind(node) == "count"
    parent = root.node_at(name, path[:-2]) if len(path) >= 2 and isinstance(path[-2], int) else None
    if parent is None or sch.kind(parent) != "multi":
        return False
    return path[-1] in sch.count_options(parent)


def value_edits(text: str, schema_name: str, wanted: set[str] | None = None) -> list[Edit]:
    """Edits of dates and counts inside their values' spans (empty when the text does not parse); `wanted`
    limits them to those fixes (DATE_FIX, COUNT_FIX)."""
    wanted = {DATE_FIX, COUNT_FIX} if wanted is None else wanted
    try:
        tree = yaml.compose(text, Loader=_Resolver)
    except yaml.YAMLError:
        return []
    if tree is None:
        return []
    root = sch.load()
    out: list[Edit] = []
    for path, node in _walk(tree, ()):
        if not path or not isinstance(node.value, str) or not node.value:
            continue
        start, end = node.start_mark.index, node.end_mark.index
        if is_date_item(root, schema_name, path):
            if DATE_FIX in wanted:
                out += date_edits(text[start:end], start)
        elif COUNT_FIX in wanted and _is_count(root, schema_name, path) and node.style in (None, "") and "\n" not in text[start:end]:
            n = count_fix(node.value)
            if n is not None:
                out.append((start, end, str(n)))
    return out


def apply(text: str, edits: list[Edit]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


# What `pia fix` rewrites, by the finding it repairs: 字下げのタブ・全角スペース、全角「：」、日付、件数. A fix applies
# to a document when the registry says that finding's rule covers the document's kind (基礎・重点・全項目). The
# blanking of a continuation line (PIA053) is the parser's, never a fix: it would delete what was written.
LINE_FIXES = frozenset({"PIA050", "PIA051", "PIA052"})
DATE_FIX, COUNT_FIX = "PIA054", "PIA055"


def _kinds_of(schema_name: str) -> set[str]:
    """The kinds (basic / focused / full) a YAML file of that schema belongs to (systems.yaml serves two)."""
    from pia.form import kinds

    out = {k.id for k in kinds.kinds().values() if schema_name in (k.key, k.file_schema)}
    return out or {k.id for k in kinds.kinds().values() if k.file_schema}  # systems: every detailed form


def _applies(rule_id: str, schema_name: str) -> bool:
    from pia.analysis.catalog import spec

    return spec(rule_id).applies_to(_kinds_of(schema_name))


def fixed_text(text: str, schema_name: str) -> str:
    repaired = prescan.repair(text, frozenset(r for r in LINE_FIXES if _applies(r, schema_name)))
    wanted = {r for r in (DATE_FIX, COUNT_FIX) if _applies(r, schema_name)}
    return apply(repaired, value_edits(repaired, schema_name, wanted))


def _targets(path: Path) -> tuple[Path, list[tuple[Path, str]]]:
    """The assessment folder and its YAML files (path, schema name) to fix: every document of the 事務
    (assessment.yaml, systems.yaml, files/, kiso.yaml, juten.yaml, juten/)."""
    files, per_file = asm.folder_files()
    singles = {name: key for key, name, _ in files}
    dirs = {name: key for key, name in per_file}
    if path.is_file():
        folder = path.parent.parent if path.parent.name in dirs else path.parent
        name = dirs.get(path.parent.name) if path.parent.name in dirs else singles.get(path.name)
        if name is None or not asm.is_assessment(folder) or path.suffix not in (".yaml", ".yml"):
            raise PiaError(f"{path} は評価書の YAML ではありません（{'、'.join(singles)}、"
                           f"{'、'.join(d + '/*.yaml' for d in dirs)} を指定してください）。")
        return folder, [(path, name)]
    if not asm.is_assessment(path):
        raise PiaError(f"{path} は評価書フォルダではありません（{'、'.join(asm.main_files())} のどれもありません）。")
    out = [(path / rel, key) for rel, key in singles.items() if (path / rel).is_file()]
    for dirname, key in dirs.items():
        if (path / dirname).is_dir():
            out += [(p, key) for p in sorted((path / dirname).iterdir()) if p.suffix in (".yaml", ".yml") and p.is_file()]
    return path, out


def fix_path(path: Path, write: bool, out: Callable[[str], None]) -> bool:
    """Show (or, with write, apply) the fixes of every YAML file under path. True when something changes.
    Files are read and replaced through fsread: a link leading out of the folder is neither shown nor written."""
    changed = False
    folder, targets = _targets(path)
    root = fsread.Root(folder)
    for p, name in targets:
        rel = p.relative_to(folder).as_posix()
        try:
            raw = root.read(rel, MAX_BYTES)
        except fsread.Refusal as r:
            out(f"{p}: {r.message}直しません。\n")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            out(f"{p}: UTF-8 ではないため直せません（pia check で確認してください）。\n")
            continue
        # keep the BOM and line endings: edits work on the text as read
        new = fixed_text(text, name)
        if new == text:
            continue
        changed = True
        if write:
            root.replace(rel, new.encode("utf-8"))
            out(f"{p} を直しました。\n")
        else:
            out("".join(difflib.unified_diff(text.splitlines(keepends=True), new.splitlines(keepends=True),
                                             f"{p}（現在）", f"{p}（修正後）")))
    if not changed:
        out("直す箇所はありません。\n")
    elif not write:
        out("上の修正を適用するには --write を付けて実行してください。\n")
    return changed
