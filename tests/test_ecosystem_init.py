"""`pia init` and `pia new` in a repository of assessments; the drop-in files pia ships are what init writes."""
from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from pia.app import init as init_mod
from pia.app.cli import main


def test_shipped_drop_in_files_are_the_generated_ones():
    assert (ROOT / ".github" / "workflows" / "pia.yml").read_text(encoding="utf-8") == init_mod.github_workflow()
    assert (ROOT / "ci" / "pia.gitlab-ci.yml").read_text(encoding="utf-8") == init_mod.gitlab_template()
    assert (ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8") == init_mod.vscode_settings("schemas")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks == yaml.safe_load(init_mod.hook())
    local = yaml.safe_load(init_mod.pre_commit_config())["repos"][0]["hooks"][0]
    assert {k: v for k, v in local.items() if k != "additional_dependencies"} == hooks[0]
    for f in (".github/workflows/pia.yml", "ci/pia.gitlab-ci.yml", "action.yml", ".pre-commit-hooks.yaml"):
        assert yaml.safe_load((ROOT / f).read_text(encoding="utf-8")), f
    # every template installs pia as a package at this version, never from the repository it runs in
    for text in (init_mod.github_workflow(), init_mod.gitlab_template(), init_mod.pre_commit_config()):
        assert init_mod.package_spec() in text and "-e ." not in text


def test_init_sets_up_a_repository_and_new_refers_inside_it(tmp_path: Path, capsys):
    assert main(["init", str(tmp_path), "--ci", "gitlab"]) == 0
    for rel in (".pia/schemas/assessment.schema.json", ".vscode/settings.json", ".pre-commit-config.yaml",
                ".gitlab-ci.yml", "ci/pia.gitlab-ci.yml", "assessments/.gitkeep"):
        assert (tmp_path / rel).is_file(), rel
    settings = json.loads((tmp_path / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert all((tmp_path / s).is_file() for s in settings["yaml.schemas"])
    capsys.readouterr()
    assert main(["new", "juki", "--dir", str(tmp_path / "assessments")]) == 0
    assert "注意" not in capsys.readouterr().err
    for f in (tmp_path / "assessments" / "juki").rglob("*.yaml"):
        ref = f.read_text(encoding="utf-8").splitlines()[0].split("$schema=")[1]
        target = (f.parent / ref).resolve()
        assert not Path(ref).is_absolute() and target.is_file(), (f, ref)
        assert target.parent == (tmp_path / ".pia" / "schemas").resolve()


def test_init_never_overwrites_without_force_and_upgrade_refreshes_schemas(tmp_path: Path, capsys):
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    workflow = tmp_path / ".github" / "workflows" / "pia.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: mine\n", encoding="utf-8")
    assert main(["init", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "pia.yml はすでにあり内容が違うため、上書きしませんでした" in err and "--force" in err
    assert "repos: の一覧の最後に次を加えてください:\n  - repo: local\n" in err  # a flow list is not edited: the block to add
    assert (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8") == "repos: []\n"
    assert workflow.read_text(encoding="utf-8") == "name: mine\n"
    vendored = tmp_path / ".pia" / "schemas" / "file.schema.json"
    vendored.write_text("{}", encoding="utf-8")
    (tmp_path / ".pia" / "schemas" / "gone.schema.json").write_text("{}", encoding="utf-8")
    assert main(["init", str(tmp_path), "--upgrade"]) == 0
    shipped = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "schemas").glob("*.schema.json")}
    assert vendored.read_text(encoding="utf-8") == init_mod.for_editor(shipped)["file.schema.json"]
    assert not (tmp_path / ".pia" / "schemas" / "gone.schema.json").exists()
    assert (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8") == "repos: []\n"
    # --force replaces pia's own files only, never one the user shares with pia
    assert main(["init", str(tmp_path), "--force"]) == 1
    assert (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8") == "repos: []\n"
    assert workflow.read_text(encoding="utf-8") == init_mod.github_workflow()


def _repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def test_init_adds_its_part_to_the_users_own_files_and_keeps_everything_else(tmp_path: Path, capsys):
    repo = _repo(tmp_path / "repo")
    gitlab = "stages: [test]\ntest:\n  script: [echo hi]\ninclude:\n  - local: other.yml\n\nvariables:\n  A: 1\n"
    pre_commit = ("repos:\r\n- repo: https://github.com/pre-commit/pre-commit-hooks\r\n  rev: v4.0.0\r\n  hooks:\r\n"
                  "  - id: trailing-whitespace\r\n# the next key\r\ndefault_stages: [pre-commit]\r\n")
    settings = '{\n    "editor.fontSize": 14,\n    "files.encoding": "sjis",\n    "yaml.schemas": {"mine.json": "x/*.yaml"}\n}\n'
    (repo / ".gitlab-ci.yml").write_text(gitlab, encoding="utf-8", newline="")
    (repo / ".pre-commit-config.yaml").write_text(pre_commit, encoding="utf-8", newline="")
    (repo / ".vscode").mkdir()
    (repo / ".vscode" / "settings.json").write_text(settings, encoding="utf-8")
    for force in ([], ["--force"]):
        assert main(["init", str(repo), "--ci", "gitlab", *force]) == 0
    out = capsys.readouterr().out
    assert out.count("pia の設定を加えました") == 3 and "次は `pia new" in out
    new = (repo / ".gitlab-ci.yml").read_text(encoding="utf-8")
    assert new.startswith(gitlab.split("\n\n")[0] + "\n  - local: ci/pia.gitlab-ci.yml\n\nvariables:")
    assert yaml.safe_load(new)["include"] == [{"local": "other.yml"}, {"local": "ci/pia.gitlab-ci.yml"}]
    new = (repo / ".pre-commit-config.yaml").read_bytes().decode("utf-8")
    assert new.startswith(pre_commit.split("# the next")[0]) and new.endswith("# the next key\r\ndefault_stages: [pre-commit]\r\n")
    assert "\n" not in new.replace("\r\n", "")  # the file's own line breaks
    data = yaml.safe_load(new)
    assert data["repos"][1] == yaml.safe_load(init_mod.pre_commit_config())["repos"][0] and data["default_stages"] == ["pre-commit"]
    doc = json.loads((repo / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    ours = json.loads(init_mod.vscode_settings(".pia/schemas"))
    assert doc["editor.fontSize"] == 14 and doc["files.encoding"] == "sjis"  # the user's choices stay
    assert doc["yaml.schemas"] == {"mine.json": "x/*.yaml", **ours["yaml.schemas"]} and doc["yaml.validate"] is True
    assert (repo / ".vscode" / "settings.json").read_text(encoding="utf-8").startswith('{\n    "editor.fontSize": 14,\n')
    assert main(["init", str(repo), "--ci", "gitlab"]) == 0 and "すべて最新です" in capsys.readouterr().out


@pytest.mark.parametrize("rel, text, says", [
    (".vscode/settings.json", '{\n  // mine\n  "editor.fontSize": 14,\n}\n', '"./.pia/schemas/kiso.schema.json": ['),
    (".vscode/settings.json", '{"a": 1, "a": 2}\n', "JSON として読めません"),
    (".pre-commit-config.yaml", "repos: [{repo: local, hooks: []}]\n", "repos: の一覧の最後に次を加えてください:\n  - repo: local\n"),
    (".pre-commit-config.yaml", "repos:\n  - repo: local\n    hooks: []\n    x: |+\n      kept\n\n", "repos: の一覧"),  # (x loses a line)
    (".pre-commit-config.yaml", ("repos:\n  - repo: local\n    hooks:\n      - id: pia-check\n        entry: pia check\n"
                                 "        language: python\n        additional_dependencies: [pia-hyoka==0.0.1]\n"),
     'additional_dependencies: ["pia-hyoka==0.0.1"] → ["pia-hyoka=='),
    (".pre-commit-config.yaml", "repos:\n  - repo: https://example.org/pia\n    rev: v0.0.1\n    hooks:\n      - id: pia-check\n",
     "rev: v0.0.1 → v"),
    (".gitlab-ci.yml", "include: other.yml\n", "include: を一覧"),
    (".gitlab-ci.yml", "test: [\n", "include:\n    - local: ci/pia.gitlab-ci.yml"),
])
def test_init_leaves_a_file_it_cannot_safely_add_to_and_says_exactly_what_to_add(tmp_path: Path, capsys, rel, text, says):
    repo = _repo(tmp_path / "repo")
    (repo / rel).parent.mkdir(exist_ok=True)
    (repo / rel).write_text(text, encoding="utf-8")
    for force in ([], ["--force"]):
        assert main(["init", str(repo), "--ci", "gitlab", *force]) == 1
        out, err = capsys.readouterr()
        assert (repo / rel).read_text(encoding="utf-8") == text
        assert "pia の設定を加えられませんでした（--force でも書き換えません）" in err and says in err, err
        assert "次は `pia new" in out


def test_init_accepts_the_users_own_pin_and_pias_hook_from_its_tag(tmp_path: Path, capsys):
    from pia import __version__

    repo = _repo(tmp_path / "repo")
    local = init_mod.pre_commit_config().replace(f'["pia-hyoka=={__version__}"]', '["./wheels/pia_hyoka.whl"]')
    for text in (local, f"repos:\n  - repo: https://example.org/pia\n    rev: v{__version__}\n    hooks:\n      - id: pia-check\n"):
        (repo / ".pre-commit-config.yaml").write_text(text, encoding="utf-8")
        assert main(["init", str(repo), "--ci", "none"]) == 0, capsys.readouterr().err
        assert (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8") == text


def test_init_in_a_subfolder_of_a_repository_names_its_top_and_writes_nothing(tmp_path: Path, capsys):
    repo = _repo(tmp_path / "repo")
    for sub in (repo / "docs" / "pia", repo / "docs"):
        sub.parent.mkdir(exist_ok=True)
        assert main(["init", str(sub)]) == 2
        err = capsys.readouterr().err
        assert f"リポジトリの最上位で実行してください: pia init {repo.resolve()}" in err, err
    assert sorted(p.name for p in repo.iterdir()) == [".git", "docs"] and not any((repo / "docs").iterdir())
    assert main(["init", str(repo)]) == 0 and "git init" not in capsys.readouterr().err


def test_init_outside_git_writes_the_files_and_says_git_init_comes_first(tmp_path: Path, capsys):
    assert main(["init", str(tmp_path / "new")]) == 0
    out, err = capsys.readouterr()
    assert "`git init` を実行してください" in err and "`pre-commit install` の前に" in err and "次は `pia new" in out
    assert (tmp_path / "new" / ".pre-commit-config.yaml").is_file()


def test_upgrade_without_init_is_a_clear_message(tmp_path: Path, capsys):
    assert main(["init", str(tmp_path), "--upgrade"]) == 2
    assert "pia init" in capsys.readouterr().err


def test_new_outside_any_repository_warns(tmp_path: Path, capsys):
    assert main(["new", "x", "--dir", str(tmp_path)]) == 0
    assert "pia init" in capsys.readouterr().err


def test_new_inside_pias_own_checkout_refers_to_its_schemas():
    ref, inside = init_mod.schema_ref(ROOT / "assessments" / "x" / "files" / "a.yaml", "file")
    assert inside and ref == "../../../schemas/file.schema.json"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answers, kind", [("2\n", "juten.yaml"), ("x\n5\n重点項目評価書\n", "juten.yaml"),
                                           ("重点\n", "juten.yaml"), ("\n", "assessment.yaml"), ("3\n", "kiso.yaml")])
def test_new_at_a_terminal_takes_a_number_or_a_name_and_asks_again(tmp_path: Path, capsys, monkeypatch, answers, kind):
    monkeypatch.setattr("sys.stdin", _Terminal(answers))
    assert main(["new", "x", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "x" / kind).is_file() and "1) 全項目評価書" in out
    assert out.count("番号か名前") == answers.count("\n") and ("は選べません" in out) == answers.startswith("x")


def test_new_at_a_terminal_without_an_answer_is_a_clear_message(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", _Terminal(""))
    assert main(["new", "x", "--dir", str(tmp_path)]) == 2
    assert "--kind" in capsys.readouterr().err and not (tmp_path / "x").exists()


@pytest.mark.parametrize("args, kind, result, submitted", [
    (["--persons", "5万", "--handlers", "120", "--accident", "なし"], "kiso.yaml", "基礎項目評価の実施が義務付けられる", "基礎項目評価書"),
    (["--persons", "15万", "--handlers", "120", "--accident", "あり"], "assessment.yaml",
     "基礎項目評価及び全項目評価の実施が義務付けられる", "基礎項目評価書及び全項目評価書"),
    (["--persons", "15万", "--handlers", "120", "--accident", "無"], "juten.yaml",
     "基礎項目評価及び重点項目評価の実施が義務付けられる", "基礎項目評価書及び重点項目評価書"),
    (["--kind", "重点"], "juten.yaml", None, "基礎項目評価書及び重点項目評価書"),
])
def test_new_writes_the_threshold_result_and_the_documents_submitted(tmp_path: Path, capsys, args, kind, result, submitted):
    assert main(["new", "x", "--dir", str(tmp_path / "assessments"), *args]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "assessments" / "x"
    made = sorted(str(p) for p in folder.rglob("*.yaml"))
    assert all(f"  {p}\n" in out for p in made) and f"pia check {folder}" in out and f"pia serve {folder}" in out, out
    main_doc = yaml.safe_load((folder / kind).read_text(encoding="utf-8"))
    stated = (main_doc["しきい値判断結果"]["しきい値判断結果"] if kind == "kiso.yaml"
              else main_doc["評価実施手続"]["基礎項目評価"]["しきい値判断結果"])
    assert stated == result
    kiso = yaml.safe_load((folder / "kiso.yaml").read_text(encoding="utf-8"))
    assert kiso["リスク対策"]["提出する特定個人情報保護評価書の種類"] == submitted
    assert main(["status", str(tmp_path / "assessments"), "--format", "json"]) in (0, 1)
    status = json.loads(capsys.readouterr().out)
    required = status["assessments"][0]["required"]
    assert (required is None) == (result is None), status


def test_new_refuses_an_accident_answer_it_cannot_read(tmp_path: Path, capsys):
    assert main(["new", "x", "--dir", str(tmp_path), "--persons", "5万", "--accident", "たぶん"]) == 2
    err = capsys.readouterr().err
    assert "「たぶん」" in err and "あり・なし" in err and not (tmp_path / "x").exists()


def test_init_says_how_to_get_pre_commit(tmp_path: Path, capsys):
    assert main(["init", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "pip install pre-commit" in out and "pre-commit install" in out
    assert "pip install pre-commit" in (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8")


def test_docs_name_the_distribution_the_tag_and_pre_commit():
    from pia import DISTRIBUTION, __version__

    assert DISTRIBUTION == "pia-hyoka" and init_mod.package_spec() == f"pia-hyoka=={__version__}"
    for rel in ("README.md", "docs/guide.md"):
        text = (ROOT / rel).read_text(encoding="utf-8")
        assert f"pip install {DISTRIBUTION}" in text and f"v{__version__}" in text and "pip install pre-commit" in text, rel
        assert not re.search(r"pip install pia(?![-_\w])", text), rel  # PyPI's `pia` is another project
    for rel in ("action.yml", ".pre-commit-hooks.yaml", "CHANGELOG.md"):
        assert f"v{__version__}" in (ROOT / rel).read_text(encoding="utf-8") or f"## {__version__}" in (ROOT / rel).read_text(encoding="utf-8"), rel
    assert f"## {__version__}\n" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_editor_schemas_accept_what_pia_accepts():
    """The copies `pia init` writes for the editor differ in shape only: on every YAML file of the examples, and on
    those files with a wrong option, a missing key and a mark written ○, they report the same places."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    def validators(transform) -> dict[str, Draft202012Validator]:
        texts = transform({p.name: p.read_text(encoding="utf-8") for p in (ROOT / "schemas").glob("*.schema.json")})
        docs = {n: json.loads(text) for n, text in texts.items()}
        registry = Registry().with_resources((n, Resource.from_contents(d)) for n, d in docs.items())
        return {n.removesuffix(".schema.json"): Draft202012Validator(d, registry=registry) for n, d in docs.items()}

    source, editor = validators(lambda t: t), validators(init_mod.for_editor)
    kinds = {"assessment.yaml": "assessment", "systems.yaml": "systems", "kiso.yaml": "kiso", "juten.yaml": "juten"}
    checked = marks = 0
    for f in sorted((ROOT / "assessments").rglob("*.yaml")):
        name = kinds.get(f.name) or {"files": "file", "juten": "juten-file"}.get(f.parent.name)
        if name is None:
            continue
        text = f.read_text(encoding="utf-8")
        variants = [text, *([text.replace(": true", ": ○")] if ": true" in text else []), text.replace(": 発生なし", ": 発生した", 1),
                    "\n".join(ln for ln in text.splitlines() if not ln.startswith("評価実施機関名"))]
        for variant in variants:
            data = yaml.safe_load(variant)
            where = [sorted(tuple(map(str, e.absolute_path)) for e in v[name].iter_errors(data)) for v in (source, editor)]
            assert where[0] == where[1], (f, where)
            if "○" in variant:  # a mark written ○ is what pia reads as ticked: neither schema objects
                marks += variant.count(": ○")
                assert not [w for w in where[0] if any("しない" in p for p in w)], (f, where)
            checked += 1
    assert checked > 20 and marks > 5
