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
import os
import re
import unicodedata
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from pia.document import assessment as asm
from pia.base import dates
from pia.base import fsread, fswrite
from pia.document import prescan
from pia.form import schema as sch
from pia.base.errors import PiaError
from pia.form.items import item
from pia.document.loader import MAX_BYTES, _Resolver
from pia.document.values import DASH, dash_variant

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


def is_date_item(root: sch.Schema, name: str, path: tuple[Any, ...]) -> bool:
    """A date the author writes now: a date item, or a text item that holds dates (x-pia-dated: 保有開始日, the
    意見聴取 period). The 別添3 rows kept from before pia stay as the original wrote them."""
    node = root.node_at(name, path)
    if not node or path[:1] == item("表紙-変更箇所の記録").path:
        return False
    return sch.kind(node) == "date" or bool(node.get("x-pia-dated")) or path[-1:] == item("改訂-変更日").path[-1:]


def _is_count(root: sch.Schema, name: str, path: tuple[Any, ...]) -> bool:
    node = root.node_at(name, path)
    if node is not None:
        return sch.kind(node) == "count"
    parent = root.node_at(name, path[:-2]) if len(path) >= 2 and isinstance(path[-2], int) else None
    if parent is None or sch.kind(parent) != "multi":
        return False
    return path[-1] in sch.count_options(parent)


def value_edits(text: str, schema_name: str, wanted: set[str] | None = None) -> list[Edit]:
    """Edits of dates, counts, options written in another notation and 該当なし written with another dash, inside
    their values' spans (empty when the text does not parse); `wanted` limits them to those fixes (VALUE_FIXES)."""
    wanted = set(VALUE_FIXES) if wanted is None else wanted
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
        plain = node.style in (None, "") and "\n" not in text[start:end]
        if plain and NOTATION_FIX in wanted and (option := _notation(root, schema_name, path, node.value)):
            out.append((start, end, option))
        elif plain and DASH_FIX in wanted and dash_variant(root.node_at(schema_name, path), node.value):
            out.append((start, end, DASH))
        elif is_date_item(root, schema_name, path):
            if DATE_FIX in wanted:
                out += date_edits(text[start:end], start)
        elif COUNT_FIX in wanted and _is_count(root, schema_name, path) and node.style in (None, "") and "\n" not in text[start:end]:
            n = count_fix(node.value)
            if n is not None:
                out.append((start, end, str(n)))
    return out


def _notation(root: sch.Schema, name: str, path: tuple[Any, ...], value: str) -> str | None:
    """The official option a value only writes differently (３０万人以上, a trailing 全角 space, 半角 brackets)."""
    node = root.node_at(name, path)
    if node is not None and sch.kind(node) in ("choice", "selected", ""):
        opts = sch.options(node)
    elif len(path) >= 2 and isinstance(path[-1], int) and sch.kind(root.node_at(name, path[:-1]) or {}) == "multi":
        owner = root.node_at(name, path[:-1]) or {}
        opts = sch.options(owner)
        split = sch.bracketed_option(value, owner) if value not in opts else None
        if split and split[1]:  # 「他部署（市民課）」 as the form prints it: the option and its text, as YAML writes them
            return f"{split[0]}: {split[1]}"
    else:
        return None
    if not opts or value in opts:
        return None
    return sch.closest_option(value, opts)


def apply(text: str, edits: list[Edit]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


# What `pia fix` rewrites, by the finding it repairs: 字下げのタブ・全角スペース、全角「：」、日付、件数. A fix applies
# to a document when the registry says that finding's rule covers the document's kind (基礎・重点・全項目). The
# blanking of a continuation line (PIA053) is the parser's, never a fix: it would delete what was written.
LINE_FIXES = frozenset({"PIA050", "PIA051", "PIA052", "PIA057", "PIA058", "PIA059"})
DATE_FIX, COUNT_FIX, NOTATION_FIX, DASH_FIX = "PIA054", "PIA055", "PIA011", "PIA504"
VALUE_FIXES = (NOTATION_FIX, DASH_FIX, DATE_FIX, COUNT_FIX)
FIXES = LINE_FIXES | set(VALUE_FIXES)  # every finding whose hint says 「pia fix --write で直せます」


def _kinds_of(schema_name: str) -> set[str]:
    """The kinds (basic / focused / full) a YAML file of that schema belongs to (systems.yaml serves two)."""
    from pia.form import kinds

    out = {k.id for k in kinds.kinds().values() if schema_name in (k.key, k.file_schema)}
    return out or {k.id for k in kinds.kinds().values() if k.file_schema}  # systems: every detailed form


def _applies(rule_id: str, schema_name: str) -> bool:
    from pia.analysis.catalog import spec

    return spec(rule_id).applies_to(_kinds_of(schema_name))


def fixed_text(text: str, schema_name: str) -> str:
    """Every fix of one file's text, unchecked (`fix_path` keeps only those that add no finding)."""
    lines = _line_fixes(text, schema_name)
    repaired = "\n".join(lines.get(i, line) for i, line in enumerate(text.split("\n"), 1)) if lines else text
    return apply(repaired, value_edits(repaired, schema_name, _wanted(schema_name)))


def _wanted(schema_name: str) -> set[str]:
    return {r for r in VALUE_FIXES if _applies(r, schema_name)}


def _line_fixes(text: str, schema_name: str) -> dict[int, str]:
    """Line number -> the repaired line, for the lines whose every mistake pia fix may repair (never a blanked line)."""
    rules = frozenset(r for r in LINE_FIXES if _applies(r, schema_name))
    mistakes = prescan.mistakes(text)
    refused = {m.line for m in mistakes if m.rule not in rules}  # PIA053 blanks a continuation: never a fix
    cr = {i for i, line in enumerate(text.split("\n"), 1) if line.endswith("\r")}
    return {m.line: m.fixed + ("\r" if m.line in cr else "") for m in mistakes if m.fixed is not None and m.line not in refused}


class _Checker:
    """The folder's findings before any fix, and whether a changed text adds one (a fix is kept only if not)."""

    def __init__(self, name: str, texts: dict[str, str]):
        self.name = name
        self.texts = dict(texts)
        self.before, self.loaded, self.rules_ran = self._check(self.texts)
        self.keys = {self._key(f) for f in self.before}

    def _check(self, texts: dict[str, str]) -> tuple[list[Any], set[str], bool]:
        from pia.analysis.check import check_assessment

        a = asm.from_texts(self.name, {rel: t.encode("utf-8") for rel, t in texts.items()})
        loaded = {d.file for _, _, d in a.documents()}
        r = check_assessment(a)
        return [f for f in r.findings if not f.suppressed], loaded, r.rules_ran

    @staticmethod
    def _key(f: Any) -> tuple[str, str, int]:
        return f.file, f.rule_id, f.line

    def added(self, rel: str, text: str) -> list[Any]:
        """The findings `text` for `rel` would add. A file that did not load before counts only for its loading
        (what follows was hidden), and the rules only if they ran before."""
        from pia.analysis.catalog import spec
        from pia.base.registry import Stage

        found, loaded, _ = self._check({**self.texts, rel: text})
        return [f for f in found if self._key(f) not in self.keys
                and (f.file in self.loaded or f.file not in loaded)
                and (self.rules_ran or spec(f.rule_id).stage != Stage.RULE)]

    def keep(self, rel: str, text: str) -> None:
        """Take the fixed text as the new state the next fixes are measured against."""
        if self.texts.get(rel) != text:
            self.texts[rel] = text
            self.before, self.loaded, self.rules_ran = self._check(self.texts)
            self.keys = {self._key(f) for f in self.before}


def _settle(check: _Checker, rel: str, base: str, units: list[Any], make: Callable[[list[Any]], str],
            notes: list[str], shown: str) -> str:
    """The text with every unit (a repaired line, an edited value) that adds no finding: all at once when that
    adds none, else each half in turn (down to single units); each unit dropped is noted with what it would add."""
    def settle(todo: list[Any], kept: list[Any]) -> list[Any]:
        if not todo:
            return kept
        added = check.added(rel, make(kept + todo))
        if not added:
            return kept + todo
        if len(todo) == 1:
            u, f = todo[0], added[0]
            what = f"「{base[u[0]:u[1]]}」→「{u[2]}」の修正" if len(u) == 3 else "この行の修正"
            notes.append(f"{shown}:{_unit_line(base, u)}: {what}は、新たな検査結果が出るため行いません"
                         f"（[{f.rule_id}] {f.message}）。手で確かめてください。\n")
            return kept
        half = len(todo) // 2
        return settle(todo[half:], settle(todo[:half], kept))

    return make(settle(units, [])) if units else base


def _unit_line(base: str, u: Any) -> int:
    return u[0] if isinstance(u[0], int) and len(u) == 2 else base.count("\n", 0, u[0]) + 1


def _fixed(check: _Checker, rel: str, text: str, schema_name: str, notes: list[str], shown: str) -> str:
    line_units = sorted(_line_fixes(text, schema_name).items())
    original = text.split("\n")

    def with_lines(units: list[tuple[int, str]]) -> str:
        new = dict(units)
        return "\n".join(new.get(i, line) for i, line in enumerate(original, 1))

    repaired = _settle(check, rel, text, line_units, with_lines, notes, shown)
    check.keep(rel, repaired)
    edits = value_edits(repaired, schema_name, _wanted(schema_name))
    fixed = _settle(check, rel, repaired, edits, lambda units: apply(repaired, units), notes, shown)
    check.keep(rel, fixed)
    return fixed


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
    # everything named like a document, so that what cannot be fixed (a FIFO, a dangling link) is named, not skipped
    out = [(path / rel, key) for rel, key in singles.items() if os.path.lexists(path / rel)]
    for dirname, key in dirs.items():
        if (path / dirname).is_dir():
            out += [(p, key) for p in sorted((path / dirname).iterdir())
                    if p.suffix in (".yaml", ".yml") and (p.is_symlink() or not p.is_dir())]
    return path, out


def fix_path(path: Path, write: bool, out: Callable[[str], None]) -> bool:
    """Show (or, with write, apply) the fixes of every YAML file under path. True when something changes.
    Each fix is checked against the whole folder first and dropped, with a note, if it would add a finding.
    Files are read and replaced through fsread: a link leading out of the folder is neither shown nor written."""
    changed = False
    folder, targets = _targets(path)
    root = fsread.Root(folder)
    writes: dict[str, bytes] = {}
    shown: list[Path] = []
    texts: dict[str, str] = {}
    for p, _ in _targets(folder)[1]:  # the whole folder, for the check
        try:
            texts[p.relative_to(folder).as_posix()] = root.read(p.relative_to(folder).as_posix(), MAX_BYTES).decode("utf-8")
        except (fsread.Refusal, UnicodeDecodeError):
            continue
    check: _Checker | None = None
    notes: list[str] = []
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
        # a BOM is set aside (the parser's positions do not count it) and put back; line endings are kept as read
        bom = "\ufeff" if text.startswith("\ufeff") else ""
        if fixed_text(text[len(bom):], name) == text[len(bom):]:
            continue
        check = check or _Checker(folder.name, texts)
        new = bom + _fixed(check, rel, text[len(bom):], name, notes, str(p))
        if new == text:
            continue
        changed = True
        if write:
            writes[root.real_rel(rel)] = new.encode("utf-8")
            shown.append(p)
        else:
            out("".join(difflib.unified_diff(text.splitlines(keepends=True), new.splitlines(keepends=True),
                                             f"{p}（現在）", f"{p}（修正後）")))
    if writes:  # every file fixed, or none (the real files: a link inside the folder is followed, never out of it)
        fswrite.commit(root.real, writes, create=False)
        for p in shown:
            out(f"{p} を直しました。\n")
    for note in notes:
        out(note)
    if not changed:
        out("直す箇所はありません。\n")
    elif not write:
        out("上の修正を適用するには --write を付けて実行してください。\n")
    return changed
