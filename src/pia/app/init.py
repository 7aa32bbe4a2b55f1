"""`pia init`: set up a repository of assessments that works without a copy of pia.

Everything a colleague's editor, pre-commit and CI need lives inside the repository: the schemas are vendored
into .pia/schemas/ (so every `$schema` reference resolves there), and pia itself is installed as a package at the
version that ran `pia init` (PIA_PACKAGE overrides it: an internal index, a wheel, a git URL).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

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


def pre_commit_config() -> str:
    body = hook(f'  additional_dependencies: ["{package_spec()}"]\n')
    return ("# pre-commit の設定（pia init が作成）: コミットのたびに、変更した評価書を検査します。\n"
            f"# 使い始めるには: {PRE_COMMIT_SETUP}\n"
            f"# pia は PyPI の {DISTRIBUTION} を入れます。PyPI 以外から入れるときは additional_dependencies を書き換えてください\n"
            "# （例: wheel のパスや URL）。\n"
            "repos:\n  - repo: local\n    hooks:\n" + "".join(f"      {line}\n" for line in body.splitlines()))


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
class Outcome:
    written: list[Path]
    unchanged: list[Path]
    skipped: list[Path]  # existing files with other content, kept (without --force)
    deleted: list[Path] = field(default_factory=list)


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
    """Every file pia init writes, and those it deletes, in one change: all or nothing, never through a link."""
    out = Outcome([], [], [])
    changes: dict[str, bytes] = {}
    for rel, text in files.items():
        data = text.encode("utf-8")
        now = _current(root, rel)
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


def init(root: Path, ci: str = "github", force: bool = False) -> Outcome:
    if root.exists() and not root.is_dir():
        raise PiaError(f"{root} はフォルダではありません。")
    return _write(root, plan(ci), force)


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

