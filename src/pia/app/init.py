"""`pia init`: set up a repository of assessments that works without a copy of pia.

Everything a colleague's editor, pre-commit and CI need lives inside the repository: the schemas are vendored
into .pia/schemas/ (so every `$schema` reference resolves there), and pia itself is installed as a package at the
version that ran `pia init` (PIA_PACKAGE overrides it: an internal index, a wheel, a git URL).
"""
from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pia import DISTRIBUTION, __version__
from pia.base import fsread, fswrite
from pia.base.errors import PiaError
from pia.base.resources import schemas_dir
from pia.document import assessment as asm

VENDORED = Path(".pia") / "schemas"
ASSESSMENTS = "assessments"


def hook_files() -> str:
    """The files a pre-commit hook is given: those of an assessment folder (pia check maps each to its folder),
    as the kinds of forms.json lay them out."""
    singles, dirs = asm.folder_files()
    names = sorted({n.removesuffix(".yaml") for _, n, _ in singles}) + [f"({'|'.join(sorted({d for _, d in dirs}))})/[^/]+"]
    return rf"^{ASSESSMENTS}/[^/]+/({'|'.join(names)})\.ya?ml$"


def editor_schemas() -> dict[str, list[str]]:
    """Which schema the editor gives each file of an assessments repository (and of its council sheets)."""
    singles, dirs = asm.folder_files()
    out = {key: [f"{ASSESSMENTS}/*/{name}"] for key, name, _ in singles}
    out.update({key: [f"{ASSESSMENTS}/*/{d}/*.yaml"] for key, d in dirs})
    return {**out, "council": ["councils/*/council.yaml"]}


def package_spec() -> str:
    return f"{DISTRIBUTION}=={__version__}"


def vscode_settings(schemas: str) -> str:
    """.vscode/settings.json: the YAML extension maps each kind of file to its schema under `schemas`."""
    doc = {"yaml.schemas": {f"./{schemas}/{name}.schema.json": globs for name, globs in editor_schemas().items()},
           "yaml.validate": True, "yaml.hover": True, "yaml.completion": True, "files.encoding": "utf8",
           "[yaml]": {"editor.insertSpaces": True, "editor.tabSize": 2, "editor.autoIndent": "full"}}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def hook(extra: str = "") -> str:
    """The pre-commit hook, as pia's .pre-commit-hooks.yaml offers it and as `pia init` writes it locally."""
    return (f"- id: pia-check\n"
            f"  name: pia check（変更した評価書の検査）\n"
            f"  description: 変更したファイルを含む評価書フォルダごとに pia check を行います。\n"
            f"  entry: pia check\n"
            f"  language: python\n{extra}"
            f"  files: {hook_files()}\n"
            f"  require_serial: true\n")


PRE_COMMIT_SETUP = "`pip install pre-commit` で pre-commit を入れ、リポジトリの最上位で `pre-commit install` を実行します。"


def pre_commit_entry() -> str:
    """pia's entry of `repos:` (unindented): the hook, run locally with pia installed at this version."""
    body = hook(f'  additional_dependencies: ["{package_spec()}"]\n')
    return "- repo: local\n  hooks:\n" + "".join(f"    {line}\n" for line in body.splitlines())


def _indent(text: str, n: int) -> str:
    return "".join(" " * n + line + "\n" for line in text.splitlines())


def pre_commit_config() -> str:
    return ("# pre-commit の設定（pia init が作成）: コミットのたびに、変更した評価書を検査します。\n"
            f"# 使い始めるには: {PRE_COMMIT_SETUP}\n"
            f"# pia は PyPI の {DISTRIBUTION} を入れます。PyPI 以外から入れるときは additional_dependencies を書き換えてください\n"
            "# （例: wheel のパスや URL）。\n"
            "repos:\n" + _indent(pre_commit_entry(), 2))


def _github_setup(why_history: str) -> str:
    """The steps every pia workflow starts with: the whole history, Python, pia."""
    return f"""    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0   # {why_history}
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: pia を入れる
        run: python -m pip install "${{{{ vars.PIA_PACKAGE || '{package_spec()}' }}}}\""""


def github_workflow() -> str:
    return f"""# 評価書（assessments/）を変更するプルリクエストで pia ci を実行し、検査結果を注釈に、変更の要約をジョブの要約に出します。
# pia は pip で {package_spec()}（PyPI の {DISTRIBUTION}）を入れます。社内の索引・wheel・git から入れるときは、リポジトリの変数
# PIA_PACKAGE を設定してください。
name: pia
on:
  pull_request:
    paths: ["assessments/**"]
jobs:
  pia:
    runs-on: ubuntu-latest
    timeout-minutes: 15
{_github_setup("base との差分と変更履歴（別添3）に全履歴が必要")}
      - name: pia ci
        run: pia ci --base "origin/${{{{ github.base_ref }}}}" --format github
"""


def gitlab_template() -> str:
    return f"""# GitLab CI の雛形: .gitlab-ci.yml から include するか（include: local: ci/pia.gitlab-ci.yml）、内容を貼り付けて使います。
# マージリクエストで評価書（assessments/）が変わったとき、Code Quality レポートと変更の要約（成果物）を作ります。
# pia は pip で PIA_PACKAGE（既定: PyPI の {DISTRIBUTION}）を入れます。社内の索引・wheel から入れるときは、CI/CD 変数 PIA_PACKAGE
# を設定してください。
.pia-setup:  # 二つのジョブに共通の準備（extends で使います）
  image: python:3.12-slim
  variables:
    GIT_DEPTH: "0"
    PIA_PACKAGE: "{package_spec()}"
  before_script:
    - apt-get update -qq && apt-get install -y -qq git >/dev/null
    - pip install -q "$PIA_PACKAGE"

pia:
  extends: .pia-setup
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
      changes: ["assessments/**/*"]
  script:
    - git fetch -q origin "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    - pia ci --base "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME" --format gitlab --gitlab-report gl-code-quality-report.json --summary pia-summary.md
  artifacts:
    when: always
    expose_as: "pia の要約"
    paths: [pia-summary.md]
    reports:
      codequality: gl-code-quality-report.json

# 定期実行（CI/CD → Schedules で週1回などを設定）: 全評価書の期限を確認し、期限超過があれば失敗します。
pia-status:
  extends: .pia-setup
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
  script:
    - pia status assessments --format html --output pia-status.html
    - pia status assessments --within 60 --strict
  artifacts:
    when: always
    expose_as: "pia の期限一覧"
    paths: [pia-status.html]
"""


def github_status_workflow() -> str:
    return f"""# 毎週月曜の朝（日本時間 9時）に全評価書の期限を確認します（pia status）。期限を過ぎたものがあればジョブが失敗し、通知されます。
# 状況の一覧（HTML）と住民向けの公開サイト（pia site）は成果物として保存します。
name: pia status
on:
  schedule:
    - cron: "0 0 * * 1"
  workflow_dispatch:
jobs:
  status:
    runs-on: ubuntu-latest
    timeout-minutes: 60
{_github_setup("公開サイトの変更履歴（別添3）に全履歴が必要")}
      - name: フォント（公開サイトの PDF）
        run: sudo apt-get install -y -qq fonts-noto-cjk >/dev/null
      - name: 期限の一覧
        run: pia status assessments --format html --output status/index.html
      - name: 公開サイト
        run: pia site assessments --out site
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: pia-status
          path: |
            status/
            site/
      - name: 期限超過があれば失敗にする
        run: pia status assessments --within 60 --strict >> "$GITHUB_STEP_SUMMARY"
"""


GITLAB_INCLUDE = "include:\n  - local: ci/pia.gitlab-ci.yml\n"
README = """# .pia/

pia（特定個人情報保護評価書の検査・出力ツール）の設定です。`pia init` が作成しました。

- `schemas/`: 評価書の YAML のスキーマ（エディタの補完・説明と検査に使います）。pia を新しい版にしたら
  `pia init --upgrade` で更新してください。手で編集しないでください。
- `version`: スキーマを写した pia の版。
"""


@dataclass
class Left:
    """A file of the user's that pia shares and left unchanged: why, and exactly what to add or change there."""
    path: Path
    why: str
    todo: str


@dataclass
class Outcome:
    written: list[Path]
    unchanged: list[Path]
    skipped: list[Path]  # pia's own files with other content, kept (without --force)
    deleted: list[Path] = field(default_factory=list)
    merged: list[Path] = field(default_factory=list)  # the user's files pia added its part to
    left: list[Left] = field(default_factory=list)  # the user's files pia could not safely add its part to
    in_git: bool = True  # False: the folder is no git repository yet (pre-commit install needs one)


def _schemas() -> dict[str, str]:
    return for_editor({p.name: p.read_text(encoding="utf-8") for p in sorted(schemas_dir().glob("*.schema.json"))})


_NOT_OBJECT = ["string", "number", "boolean", "array", "null"]


def for_editor(texts: dict[str, str]) -> dict[str, str]:
    """The schemas (file name -> text) as the editor's YAML extension (yaml-language-server) should read them: what
    they accept is unchanged, but its completion offers only what staff write. Keys an object must have go under
    `allOf`, or if/then in an entry of a list (for `required` the server offers a candidate named after the parent's
    title, or `object(…)`, with every key; for `allOf` in a list's entry, an English `- (array item) …`);
    a multiple-choice item's options become `examples` of an if/then/else, and an entry of a list of objects says
    "object" without `type` (else it offers English `- (array item) …` candidates); 「—」 is offered where 該当なし
    may be written."""
    docs = {name: json.loads(text) for name, text in texts.items()}
    entries: set[int] = set()  # the nodes that describe an entry of a list of objects, by identity

    def find_entries(node: object, name: str) -> None:
        if isinstance(node, list):
            for n in node:
                find_entries(n, name)
        elif isinstance(node, dict):
            items = node.get("items")
            if isinstance(items, dict):
                target: object = items
                if "$ref" in items:
                    file, _, pointer = items["$ref"].partition("#")
                    target = docs.get(file or name)
                    for part in filter(None, pointer.split("/")):
                        target = target.get(part) if isinstance(target, dict) else None
                if isinstance(target, dict) and target.get("type") == "object":
                    entries.add(id(target))
            for v in node.values():
                find_entries(v, name)

    for name, doc in docs.items():
        find_entries(doc, name)
    return {name: json.dumps(_for_editor(doc, entries), ensure_ascii=False, indent=2) + "\n" for name, doc in docs.items()}


def _for_editor(node: object, entries: set[int]) -> object:
    if isinstance(node, list):
        return [_for_editor(n, entries) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _for_editor(v, entries) for k, v in node.items() if not (k == "required" and "properties" in node)}
    if node.get("required") and "properties" in node:  # required, in a form the server makes no candidate of
        if id(node) in entries and "if" not in out:
            out.update({"if": {"type": "object"}, "then": {"required": node["required"]}})
        else:
            out["allOf"] = [*out.get("allOf", []), {"required": node["required"]}]
    if id(node) in entries:  # the same as type object
        out = {"not": {"type": _NOT_OBJECT}, **{k: v for k, v in out.items() if k != "type"}}
    items = out.get("items")
    if isinstance(items, dict) and isinstance(items.get("anyOf"), list) and "enum" in items["anyOf"][0]:
        options, *objects = items["anyOf"]
        out["items"] = {"examples": options["enum"], "if": {"not": {"type": "object"}}, "then": options,
                        "else": objects[0] if len(objects) == 1 else {"anyOf": objects}}
    if node.get("x-pia-dash"):
        out["examples"] = ["—"]
    return out  # (a ○ item offers 「○」 from the schema itself: its first accepted value)


def plan(ci: str) -> dict[Path, str]:
    files: dict[Path, str] = {Path(ASSESSMENTS) / ".gitkeep": "",
                              Path(".pia") / "README.md": README,
                              Path(".pia") / "version": __version__ + "\n",
                              Path(".vscode") / "settings.json": vscode_settings(VENDORED.as_posix()),
                              Path(".pre-commit-config.yaml"): pre_commit_config()}
    files.update({VENDORED / name: text for name, text in _schemas().items()})
    if ci == "github":
        files[Path(".github") / "workflows" / "pia.yml"] = github_workflow()
        files[Path(".github") / "workflows" / "pia-status.yml"] = github_status_workflow()
    elif ci == "gitlab":
        files[Path("ci") / "pia.gitlab-ci.yml"] = gitlab_template()
        files[Path(".gitlab-ci.yml")] = GITLAB_INCLUDE
    return files


def _current(root: Path, rel: Path) -> bytes | None:
    """The bytes of a file pia would write (None when there is none), read without following a link: a link on the
    way or in its place (.pia/schemas to another folder, a dangling .vscode/settings.json) is refused, naming it."""
    path = root
    for part in rel.parts:
        path = path / part
        if os.path.islink(path):
            raise PiaError(f"{path} はシンボリックリンクです。pia はリンクを通して書き込みも削除もしません。"
                           "リンクを削除するか、実際のファイル・フォルダに置き換えてから、もう一度実行してください。")
    if not os.path.lexists(path):
        return None
    if os.path.isdir(path):
        raise PiaError(f"{path} はファイルではありません。別の場所で pia init を実行してください。")
    try:
        return fsread.Root(root).read(rel.as_posix(), 16 * 1024 * 1024)
    except fsread.Refusal as r:
        raise PiaError(f"{r.message} {r.hint}".strip()) from None


def _write(root: Path, files: dict[Path, str], force: bool, delete: list[Path] | None = None) -> Outcome:
    """Every file pia init writes, and those it deletes, in one change: all or nothing, never through a link. A file
    the user shares with pia (SHARED) only ever gets pia's part added, whatever force says."""
    out = Outcome([], [], [])
    changes: dict[str, bytes] = {}
    for rel, text in files.items():
        data = text.encode("utf-8")
        now = _current(root, rel)
        if now is not None and now != data and rel in SHARED:
            merged = _merge(rel, now)
            if isinstance(merged, Left):
                out.left.append(merged)
            elif merged == now:
                out.unchanged.append(rel)
            else:
                changes[rel.as_posix()] = merged
                out.merged.append(rel)
            continue
        if now is not None:
            if now == data:
                out.unchanged.append(rel)
                continue
            if not force:
                out.skipped.append(rel)
                continue
        changes[rel.as_posix()] = data
        out.written.append(rel)
    for rel in delete or []:
        _current(root, rel)  # refuses a link in its place
    out.deleted = list(delete or [])
    if changes or out.deleted:
        fswrite.commit(root, changes, [rel.as_posix() for rel in out.deleted])
    return out


# ---- the files pia shares with the user: pia adds its part, checked by reading the result back -------------------

class _Manual(Exception):
    """pia cannot add its part safely: why, and what to do when it is not simply adding pia's part."""

    def __init__(self, why: str, todo: str = ""):
        super().__init__(why)
        self.why, self.todo = why, todo


def _merge(rel: Path, now: bytes) -> bytes | Left:
    merge, todo = SHARED[rel]
    try:
        text = now.decode("utf-8")
    except UnicodeDecodeError:
        return Left(rel, "UTF-8 で読めません", todo())
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    try:
        return (bom + merge(text[len(bom):])).encode("utf-8")
    except _Manual as m:
        return Left(rel, m.why, m.todo or todo())


def _lines(text: str) -> list[str]:
    """The lines of text, each with its line break: only \\n breaks a line here (the result is parsed back anyway)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def _append_entry(text: str, key: str, entry: str) -> str:
    """text with entry (a block list's entry, unindented) added after the last entry of the top-level list `key:`,
    or, without that key, `key:` and entry appended at the end. "" when the list is not laid out simply (flow
    style, the key twice). The caller parses the result: the layout read here is only where to write."""
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = _lines(text)
    heads = [i for i, line in enumerate(lines) if re.fullmatch(rf"{key}:[ \t]*(#.*)?\r?\n?", line)]

    def block(indent: int) -> str:
        return "".join(" " * indent + line + nl for line in entry.splitlines())

    if not heads:
        if any(re.match(rf"{key}\s*:", line) for line in lines):
            return ""
        return text + (nl if text and not text.endswith("\n") else "") + f"{key}:{nl}" + block(2)
    if len(heads) > 1:
        return ""
    indent, last = None, heads[0]
    for i in range(heads[0] + 1, len(lines)):
        line = lines[i].strip()
        if not line or line.startswith("#"):
            continue
        col, dash = len(lines[i]) - len(lines[i].lstrip(" ")), re.match(r"-(\s|$)", line)
        if indent is None:
            if col == 0 and not dash:
                break  # `key:` with nothing under it
            if not dash:
                return ""
            indent = col
        if col < indent or (col == indent and not dash):
            break
        last = i
    head = "".join(lines[:last + 1])
    return head + ("" if head.endswith("\n") else nl) + block(2 if indent is None else indent) + "".join(lines[last + 1:])


NODES = 100_000  # a file larger than this, its aliases expanded, is not merged (comparing it would cost as much)


def _load(text: str) -> dict:
    """The YAML mapping text holds ({} for an empty file); _Manual when it is none or too large to compare."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        raise _Manual("YAML として読めません") from None
    if data is None:
        data = {}
    todo, n = [data], 0
    while todo:  # aliases expanded, with a bound: a file of aliases is refused, not compared for ever
        n += 1
        x = todo.pop()
        if n > NODES:
            raise _Manual("大きすぎて、加えた結果を確かめられません")
        if isinstance(x, dict):
            todo += [*x.keys(), *x.values()]
        elif isinstance(x, list):
            todo += x
    if not isinstance(data, dict):
        raise _Manual("最上位が「キー: 値」の形ではありません")
    return data


def _add_entry(text: str, key: str, entry: str, data: dict) -> str:
    """text with entry added to its list `key:`, when reading the result back gives exactly the old data plus it."""
    new = _append_entry(text, key, entry)
    expected = {**data, key: [*(data.get(key) or []), *yaml.safe_load(entry)]}
    try:
        if new and _load(new) == expected:
            return new
    except _Manual:
        pass
    raise _Manual(f"{key}: の一覧の書き方（[ … ] の形など）から、加えた結果を確かめられません")


def _merge_pre_commit(text: str) -> str:
    data = _load(text)
    repos = data.get("repos")
    if repos is not None and not isinstance(repos, list):
        raise _Manual("repos: が一覧ではありません")
    ours = yaml.safe_load(pre_commit_entry())[0]
    for repo in repos or []:
        for h in (repo.get("hooks") or []) if isinstance(repo, dict) else []:
            if isinstance(h, dict) and h.get("id") == "pia-check":
                differ = _hook_differences(repo, h, ours)
                if differ:
                    raise _Manual("pia のフック（pia-check）がこの版の pia のものと違います",
                                  "pia-check の次の行を直してください（今 → この版の pia）:\n" + differ)
                return text
    note = (f"# pia init が追加: コミットのたびに、変更した評価書を検査します（pia は PyPI の {DISTRIBUTION} から入れます。"
            "ほかから入れるときは additional_dependencies を書き換えてください）\n")
    return _add_entry(text, "repos", note + pre_commit_entry(), data)


def _hook_differences(repo: dict, theirs: dict, ours: dict) -> str:
    """The lines of the user's pia hook that differ from this pia's; a pin the user replaced (a wheel, a URL,
    as the comment pia writes invites) is theirs to keep."""
    def shown(v: object) -> str:
        return "（なし）" if v is None else json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v

    if repo.get("repo") != "local":  # pia's repository, at a tag
        rev = f"v{__version__}"
        return "" if repo.get("rev") == rev else f"  rev: {shown(repo.get('rev'))} → {rev}\n"
    out = ""
    for key, value in ours["hooks"][0].items():
        mine = theirs.get(key)
        if key in ("name", "description"):  # what the user calls it is theirs
            continue
        if key == "additional_dependencies" and not any(re.match(rf"{DISTRIBUTION}\s*==", str(d)) for d in mine or []):
            continue
        if mine != value:
            out += f"  {key}: {shown(mine)} → {shown(value)}\n"
    return out


def _pre_commit_todo() -> str:
    return "repos: の一覧の最後に次を加えてください:\n" + _indent(pre_commit_entry(), 2)


PIA_INCLUDE = "ci/pia.gitlab-ci.yml"


def _merge_gitlab(text: str) -> str:
    data = _load(text)
    include = data.get("include")
    entries = include if isinstance(include, list) else [] if include is None else [include]
    named = [e if isinstance(e, str) else e.get("local") if isinstance(e, dict) else None for e in entries]
    if any(isinstance(n, str) and n.lstrip("/") == PIA_INCLUDE for n in named):
        return text
    if include is not None and not isinstance(include, list):
        raise _Manual("include: が一覧ではありません",
                      f"include: を一覧（「- 」で始まる行）にして、次の行を加えてください:\n  - local: {PIA_INCLUDE}\n")
    return _add_entry(text, "include", f"- local: {PIA_INCLUDE}\n", data)


def _gitlab_todo() -> str:
    return "次を加えてください（include: がすでにあれば、その一覧に「- local: …」の行を）:\n" + _indent(GITLAB_INCLUDE, 2)


def _merge_settings(text: str) -> str:
    def unique(pairs: list[tuple[str, object]]) -> dict:
        if len({k for k, _ in pairs}) < len(pairs):
            raise ValueError("a key twice")  # rewriting would drop one of them
        return dict(pairs)

    try:
        doc = json.loads(text, object_pairs_hook=unique)
    except (ValueError, RecursionError):
        raise _Manual("JSON として読めません（コメント・末尾のカンマ・同じキーの重複など。VS Code は読めても、pia はそのまま書き換えられません）") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("yaml.schemas", {}), dict):
        raise _Manual("最上位か yaml.schemas が JSON のオブジェクト（{ … }）ではありません")
    new = dict(doc)
    for key, value in json.loads(vscode_settings(VENDORED.as_posix())).items():
        if key == "yaml.schemas":  # pia's schemas are pia's: their entries follow this pia; the others stay
            new[key] = {**doc.get(key, {}), **value}
        elif key not in new:  # a setting the user chose stays theirs
            new[key] = value
    if new == doc:
        return text
    indent = re.search(r"\n([ \t]+)\S", text)  # the file's own indentation kept (the layout of compact arrays is not)
    return json.dumps(new, ensure_ascii=False, indent=indent.group(1) if indent else 2) + "\n"


def _settings_todo() -> str:
    schemas = json.loads(vscode_settings(VENDORED.as_posix()))["yaml.schemas"]
    return ("\"yaml.schemas\" に次の対応を加えてください:\n"
            + _indent(json.dumps(schemas, ensure_ascii=False, indent=2)[1:-1].strip("\n"), 0))


SHARED: dict[Path, tuple[Callable[[str], str], Callable[[], str]]] = {
    Path(".vscode") / "settings.json": (_merge_settings, _settings_todo),
    Path(".pre-commit-config.yaml"): (_merge_pre_commit, _pre_commit_todo),
    Path(".gitlab-ci.yml"): (_merge_gitlab, _gitlab_todo),
}


def init(root: Path, ci: str = "github", force: bool = False) -> Outcome:
    if root.exists() and not root.is_dir():
        raise PiaError(f"{root} はフォルダではありません。")
    top = fsread.repository(root, resolve=True)
    if top is not None and top != root.resolve():  # GitHub and pre-commit read these files at the top only
        raise PiaError(f"{root} は git のリポジトリ {top} の中のフォルダです。GitHub はリポジトリの最上位の .github/workflows だけを、"
                       "pre-commit は最上位の .pre-commit-config.yaml だけを読み、フックの対象（assessments/）も最上位からのパスです。"
                       f"何も書いていません。リポジトリの最上位で実行してください: pia init {shlex.quote(str(top))}")
    out = _write(root, plan(ci), force)
    out.in_git = top is not None
    return out


def upgrade(root: Path) -> Outcome:
    """Refresh the vendored schemas (and drop those pia no longer has) after installing another pia."""
    target = root / VENDORED
    _current(root, VENDORED / "_")  # a linked .pia or .pia/schemas is refused before anything is listed
    if not target.is_dir():
        raise PiaError(f"{target} がありません。先に `pia init {root}` を実行してください。")
    files = {VENDORED / name: text for name, text in _schemas().items()}
    files[Path(".pia") / "version"] = __version__ + "\n"
    old = [VENDORED / p.name for p in sorted(target.iterdir()) if p.name.endswith(".schema.json") and p.name not in _schemas()]
    return _write(root, files, force=True, delete=old)


def schema_ref(yaml_file: Path, name: str) -> tuple[str, bool]:
    """The `$schema` reference for a new YAML file, relative to it: to the nearest vendored schemas (`pia init`)
    or the schemas of the pia checkout it lies in (True); else to the installed pia's (False: breaks for others)."""
    folder = yaml_file.parent.resolve()
    for parent in (folder, *folder.parents):
        for candidate in (parent / VENDORED, parent / "schemas"):
            if (candidate / f"{name}.schema.json").is_file() and (candidate / "assessment.schema.json").is_file():
                return _relative(candidate / f"{name}.schema.json", folder), True
    return _relative(schemas_dir() / f"{name}.schema.json", folder), False


def _relative(target: Path, start: Path) -> str:
    try:
        return Path(os.path.relpath(target.resolve(), start)).as_posix()
    except ValueError:  # another drive on Windows
        return target.resolve().as_uri()

