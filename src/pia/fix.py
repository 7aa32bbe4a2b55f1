"""`pia fix`: rewrite what staff type into the form's official style, touching nothing else.

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

from pia import dates, fsread, prescan, schema as sch
from pia.assessment import ASSESSMENT, FILES, SYSTEMS
from pia.errors import PiaError
from pia.items import item
from pia.loader import MAX_BYTES, _Resolver

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
        for i, item in enumerate(node.value):
            yield from _walk(item, path + (i,))
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                yield from _walk(v, path + (k.value,))


# Text items that hold dates the form prints as dates: the 意見聴取 period (令和5年8月25日(金)～令和5年9月24日(日)).
DATED_TEXTS = {"VI-2-②"}


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


def value_edits(text: str, schema_name: str) -> list[Edit]:
    """Edits of dates and counts inside their values' spans (empty when the text does not parse)."""
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
            out += date_edits(text[start:end], start)
        elif _is_count(root, schema_name, path) and node.style in (None, "") and "\n" not in text[start:end]:
            n = count_fix(node.value)
            if n is not None:
                out.append((start, end, str(n)))
    return out


def apply(text: str, edits: list[Edit]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def fixed_text(text: str, schema_name: str) -> str:
    repaired = prescan.repair(text)
    return apply(repaired, value_edits(repaired, schema_name))


def _targets(path: Path) -> tuple[Path, list[tuple[Path, str]]]:
    """The assessment folder and its YAML files (path, schema name) to fix."""
    if path.is_file():
        folder = path.parent.parent if path.parent.name == FILES else path.parent
        name = "file" if path.parent.name == FILES else {ASSESSMENT: "assessment", SYSTEMS: "systems"}.get(path.name)
        if name is None or not (folder / ASSESSMENT).is_file():
            raise PiaError(f"{path} は評価書の YAML ではありません（assessment.yaml、systems.yaml、files/*.yaml を指定してください）。")
        return folder, [(path, name)]
    if not (path / ASSESSMENT).is_file():
        raise PiaError(f"{path} は評価書フォルダではありません（{ASSESSMENT} がありません）。")
    out = [(path / ASSESSMENT, "assessment")]
    if (path / SYSTEMS).is_file():
        out.append((path / SYSTEMS, "systems"))
    if (path / FILES).is_dir():
        out += [(p, "file") for p in sorted((path / FILES).iterdir()) if p.suffix in (".yaml", ".yml") and p.is_file()]
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
