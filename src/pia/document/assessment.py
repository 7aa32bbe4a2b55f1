"""An assessment folder: assessment.yaml, systems.yaml and files/<id>.yaml, loaded with positions."""
from __future__ import annotations

import os
from functools import cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from pia.base.errors import PiaError
from pia.base.findings import ERROR, Finding
from pia.base import fsread
from pia.form import kinds
from pia.form.items import item
from pia.document.loader import MAX_FILES, Budget, Document, load_file, load_text, refusal_finding, visible

if TYPE_CHECKING:
    from pia.document.reuse import Reuse

ASSESSMENT = "assessment.yaml"
SYSTEMS = "systems.yaml"
FILES = "files"


class Docs(dict):  # type: ignore[type-arg]
    """An assessment's documents by key, counting every change, so that what is derived from its keys (the order
    of the files) is kept until the next change instead of being worked out again for each finding."""

    changes = 0

    def __setitem__(self, key: Any, value: Any) -> None:
        self.changes += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self.changes += 1
        super().__delitem__(key)

    def __ior__(self, other: Any) -> Docs:
        self.changes += 1
        return super().__ior__(other)  # type: ignore[no-any-return]

    def clear(self) -> None:
        self.changes += 1
        super().clear()

    def pop(self, *args: Any) -> Any:
        self.changes += 1
        return super().pop(*args)

    def popitem(self) -> Any:
        self.changes += 1
        return super().popitem()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.changes += 1
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.changes += 1
        super().update(*args, **kwargs)


# file ids in order, kept with what they were derived from: (docs, its change count, I-3's list, a copy of it, the
# ids in order, each id's number from 1)
_Order = tuple[Any, int, Any, list[Any], list[str], dict[str, int]]


@dataclass
class Assessment:
    folder: str  # as shown to the user
    docs: dict[str, Document | None] = field(default_factory=Docs)  # "assessment", "systems", "file:<id>"
    load_findings: list[Finding] = field(default_factory=list)
    final: bool = False  # checked as the document to publish (pia check --final), not as a draft
    # pia serve's cache of loaded and validated files (by their bytes), which validation consults too
    reuse: Reuse | None = field(default=None, compare=False, repr=False)
    _order: dict[str, _Order] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.docs, Docs):
            self.docs = Docs(self.docs)

    @property
    def meta(self) -> dict[str, Any]:
        d = self.docs.get("assessment")
        return d.data if d and isinstance(d.data, dict) else {}

    @property
    def systems(self) -> list[dict[str, Any]]:
        d = self.docs.get("systems")
        val = item("I-システム").get(d.data) if d else None
        return [s for s in val if isinstance(s, dict)] if isinstance(val, list) else []

    def file_ids(self, schema: str = "file") -> list[str]:
        """Files in the order I-3 lists them; files it does not list follow in name order. schema: "file" for the
        全項目評価書's files/, "juten-file" for the 重点項目評価書's juten/ (listed in juten.yaml)."""
        return list(self._ordered(schema)[4])

    def _ordered(self, schema: str) -> _Order:
        """The file ids in order and each id's number, worked out again only when the documents or I-3's list
        changed: a label is asked for each finding, thousands of them with 1,000 files."""
        lister = item(_per_file(schema)[0])
        src = self.docs.get(lister.doc)
        listed = lister.get(src.data) if src else None
        docs = self.docs
        changes = docs.changes if isinstance(docs, Docs) else -1  # a plain dict set in its place: never kept
        kept = self._order.get(schema)
        if kept and kept[0] is docs and kept[1] == changes >= 0 and kept[2] is listed and \
                (not isinstance(listed, list) or kept[3] == listed):
            return kept
        prefix = schema + ":"
        present = [k[len(prefix):] for k in docs if k.startswith(prefix)]
        have = set(present)
        order = [i for i in listed if isinstance(i, str) and i in have] if isinstance(listed, list) else []
        shown = set(order)
        ids = order + sorted(i for i in present if i not in shown)
        kept = (docs, changes, listed, list(listed) if isinstance(listed, list) else [], ids,
                {f: n for n, f in enumerate(ids, 1)})
        self._order[schema] = kept
        return kept

    def files(self) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for fid in self.file_ids():
            d = self.docs.get("file:" + fid)
            if d is not None and isinstance(d.data, dict):
                out.append((fid, d.data))
        return out

    def file_name(self, fid: object, schema: str = "file") -> str:
        """The file's name as its own YAML states it; fid as written when no such file (an empty or numeric entry
        of I-3's list, say: the check reports it)."""
        if not isinstance(fid, str):
            return "" if fid is None else str(fid)
        d = self.docs.get(f"{schema}:{fid}")
        name = item(_per_file(schema)[1]).get(d.data) if d else None
        return str(name) if name else fid

    def file_number(self, fid: str, schema: str = "file") -> str:
        """「(n)」: the file's number as printed before its name."""
        return f"({self._ordered(schema)[5].get(fid, 0)})"

    def file_label(self, fid: str, schema: str = "file") -> str:
        return self.file_number(fid, schema) + self.file_name(fid, schema)

    def documents(self) -> Iterator[tuple[str, str, Document]]:
        """(doc key, schema name, document) for every document that loaded (the key before ":" is the schema)."""
        for key, doc in self.docs.items():
            if doc is not None:
                yield key, key.split(":", 1)[0], doc



def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _missing(file: str, what: str) -> Finding:
    return Finding(file, 1, 1, "PIA012", ERROR, "", f"{what} がありません。",
                   "pia new で作成した記載例を参考に、ファイルを作成してください。")


def _per_file(schema: str) -> tuple[str, str, str]:
    found = kinds.per_file(schema)
    if found is None:
        raise KeyError(f"{schema} is no per-file document of any kind (forms.json per_file)")
    return found


def main_files() -> tuple[str, ...]:
    """The file that makes a folder an assessment folder, one per kind (schemas/forms.json), most detailed first."""
    return tuple(k.file for k in reversed(kinds.ordered()))


def folder_files() -> tuple[list[tuple[str, str, bool]], list[tuple[str, str]]]:
    """(key, file name, whether the kind's own file) of the folder's single files, and (key, folder) of its per-file
    documents: keys are schema names, per-file keys "<schema>:<id>" (forms.json kinds: file, shared, files_dir)."""
    singles: list[tuple[str, str, bool]] = []
    dirs: list[tuple[str, str]] = []
    for k in reversed(kinds.ordered()):
        if k.key not in [s[0] for s in singles]:
            singles.append((k.key, k.file, True))
        for shared in k.shared:
            if shared not in [s[0] for s in singles]:
                singles.append((shared, f"{shared}.yaml", False))
        if k.file_schema and k.files_dir and (k.file_schema, k.files_dir) not in dirs:
            dirs.append((k.file_schema, k.files_dir))
    return singles, dirs


def _parser(a: Assessment) -> Any:
    """What parses a file's bytes: the assessment's reuse cache (pia serve), else the loader itself."""
    return a.reuse.load_text if a.reuse is not None else None


def load(folder: Path, reuse: Reuse | None = None) -> Assessment:
    """The folder's documents, read through fsread (nothing outside the folder, no FIFOs or devices, within the
    budget of one assessment). An entry pia will not read becomes a finding naming it. reuse: a cache kept between
    loads (pia serve), from which a file whose bytes did not change is taken instead of being parsed again."""
    if not folder.is_dir():
        raise PiaError(f"評価書フォルダ {folder} が見つかりません。")
    a = Assessment(_display(folder), reuse=reuse)
    root = fsread.Root(folder)
    budget = Budget()
    singles, dirs = folder_files()
    present = [k for k in kinds.ordered() if os.path.lexists(folder / k.file)]
    # every kind's own file is optional while the folder holds some kind; an empty folder misses the most detailed
    needed = {k.key for k in present} or {kinds.most_detailed().key}
    needed |= {s for k in (present or [kinds.most_detailed()]) for s in k.shared}
    for key, name, _ in singles:
        p = folder / name
        if os.path.lexists(p):
            a.docs[key], found = load_file(p, _display(p), root, budget, _parser(a))
            a.load_findings += found
        elif key in needed:
            a.docs[key] = None
            a.load_findings.append(_missing(_display(p), name))
    for key, dirname in dirs:
        if not _load_dir(a, folder, root, budget, key, dirname):
            break
    a.load_findings += _two_mains(present, lambda k: _display(folder / k.file))
    return a


def _two_mains(present: list[kinds.Kind], shown: Callable[[kinds.Kind], str]) -> list[Finding]:
    """A 重点 beside a 全項目: one 事務 files the 基礎 and one of them (forms.md §1). Two 事務 put in one folder, or a
    重点 left behind after moving to the 全項目; which is meant cannot be told, so nothing is checked until it is."""
    mains = [k for k in present if not k.borrows_facts]
    if len(mains) < 2:
        return []
    less, more = mains[0], mains[-1]
    named = "と".join(f"{kinds.short_title(k)}（{k.file}）" for k in mains)
    files = less.file + (f"、{less.files_dir}/" if less.files_dir else "")
    return [Finding(shown(less), 1, 1, "PIA027", ERROR, "",
                    f"このフォルダには{named}があります。一つの事務の評価書は、基礎項目評価書と、{kinds.short_title(less)}"
                    f"又は{kinds.short_title(more)}のどちらか一方です。",
                    f"別の事務の評価書なら、別のフォルダに分けてください。{kinds.short_title(more)}に移ったのなら、"
                    f"{kinds.short_title(less)}のファイル（{files}）を削除してください。")]


def _load_dir(a: Assessment, folder: Path, root: fsread.Root, budget: Budget, key: str, dirname: str) -> bool:
    """The per-file documents of one folder (files/ or juten/). False when the file budget ran out."""
    fdir = folder / dirname
    if not os.path.lexists(fdir):
        return True
    try:
        entries = root.listdir(dirname)
    except fsread.Refusal as r:
        a.load_findings.append(refusal_finding(_display(fdir), r))
        return True
    yaml_stems = {Path(e.rel).stem for e in entries if e.rel.endswith(".yaml")}
    for e in entries:
        if not e.rel.endswith((".yaml", ".yml")):
            continue
        shown = fsread.ascii_name(_display(e.path))
        if e.rel.endswith(".yml") and Path(e.rel).stem in yaml_stems:
            a.load_findings.append(_twin(shown))
            continue
        if e.refused is not None:
            a.load_findings.append(refusal_finding(shown, e.refused))
            continue
        budget.files -= 1
        if budget.files < 0:
            a.load_findings.append(Finding(_display(fdir), 1, 1, "PIA043", ERROR, "",
                                           f"{dirname}/ のファイルが多すぎます（上限 {MAX_FILES:,} 件）。残りは読みません。",
                                           "誤って大量のファイルを置いていないか確認してください。"))
            return False
        a.docs[f"{key}:" + Path(e.rel).stem], found = load_file(e.path, shown, root, budget, _parser(a))
        a.load_findings += found
    return True


def _twin(shown: str) -> Finding:
    """x.yml beside x.yaml: both would be the same document; the .yaml is read, the .yml reported (never silently)."""
    yaml = shown[:-4] + ".yaml"
    return Finding(shown, 1, 1, "PIA026", ERROR, "", f"{Path(yaml).name} と同じ名前の {Path(shown).name} があります。"
                   f"同じ評価書のファイルが二つあることになるため、{Path(yaml).name} だけを読み、{Path(shown).name} は読んでいません。",
                   f"どちらか一方にしてください（{Path(shown).name} が不要なら削除し、必要な記載は {Path(yaml).name} に移してください）。")


def doc_key(rel: str) -> str | None:
    """The key of the document a file of the folder holds, by its path in the folder; None for other files."""
    by_name, per_dir = _names()
    if rel in by_name:
        return by_name[rel]
    if rel.count("/") == 1 and rel.endswith((".yaml", ".yml")) and rel.split("/")[0] in per_dir:
        return per_dir[rel.split("/")[0]] + ":" + Path(rel).stem
    return None


@cache
def _names() -> tuple[dict[str, str], dict[str, str]]:
    singles, dirs = folder_files()  # read for every file of every version of a long history: once
    return {n: k for k, n, _ in singles}, {d: k for k, d in dirs}


def from_texts(name: str, texts: dict[str, bytes]) -> Assessment:
    """An assessment from file contents keyed by relative path (git revisions, tests)."""
    a = Assessment(name)
    budget = Budget()
    for rel, raw in sorted(texts.items()):
        key = doc_key(rel)
        if key is None:
            continue
        if rel.endswith(".yml") and rel[:-4] + ".yaml" in texts:
            a.load_findings.append(_twin(f"{name}/{rel}"))
            continue
        a.docs[key], found = load_text(f"{name}/{rel}", raw, budget)
        a.load_findings += found
    a.load_findings += _two_mains([k for k in kinds.ordered() if k.file in texts], lambda k: f"{name}/{k.file}")
    return a


def is_assessment(path: Path) -> bool:
    """A folder holding the main file of some document of the form family (assessment.yaml, juten.yaml, kiso.yaml)."""
    return any((path / m).is_file() for m in main_files())


def admit(folder: Path, within: Path | None = None) -> Path:
    """folder, when pia may read it as an assessment folder: its name is UTF-8 (pages, links, manifests and the
    terminal can show it), and it lies, links resolved, inside its repository (or within, the folder it was
    found in, outside git). Otherwise a PiaError naming it: a link leading out is never read or published."""
    name = Path(os.path.abspath(folder)).name
    if fsread.ascii_name(name) != name:
        raise PiaError(f"評価書フォルダの名前 {fsread.ascii_name(name)} が UTF-8 ではありません（Shift_JIS などの名前です）。pia は読みません。"
                       "フォルダの名前を付け直してください（半角英数字を勧めます）。")
    root = fsread.repository(folder) or within  # by name: a link leading out is never followed
    if root is not None:
        real, inside = Path(os.path.realpath(folder)), Path(os.path.realpath(root))
        if real != inside and inside not in real.parents:
            raise PiaError(f"評価書フォルダ {folder} は、リポジトリの外を指すシンボリックリンクです（又はその中にあります）。pia は読みも出力もしません。"
                           "リンクを削除し、評価書フォルダそのものをリポジトリに置いてください。")
    return folder


def display_name(name: str) -> str:
    """A folder or file name as a page shows it: control (tab and newline included), bidi and invisible characters
    as <U+XXXX>, bytes that are not UTF-8 as \\xNN. Text only: links encode the name itself (percent-encoding)."""
    return visible(fsread.ascii_name(name)).replace("\t", "<U+0009>").replace("\n", "<U+000A>")


def find_assessments(path: Path) -> list[Path]:
    """An assessment folder itself, or the assessment folders directly inside path (each admitted: see admit)."""
    if is_assessment(path):
        return [admit(path)]
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if any((p / m).is_file() for m in main_files()))
        if found:
            return [admit(p, path) for p in found]
    if path.is_file() and path.suffix in (".yaml", ".yml"):
        for parent in path.parents:
            if any((parent / m).is_file() for m in main_files()):
                return [admit(parent)]
    if not path.exists():
        raise PiaError(f"{path} が見つかりません。")
    raise PiaError(f"{path} は評価書フォルダではありません（{ASSESSMENT} がありません）。")
