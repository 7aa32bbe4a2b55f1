"""`pia init` and `pia new` in a repository of assessments; the drop-in files pia ships are what init writes."""
from __future__ import annotations

import json
from pathlib import Path

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
    assert main(["init", str(tmp_path)]) == 1
    assert "上書きしませんでした" in capsys.readouterr().err
    assert (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8") == "repos: []\n"
    assert (tmp_path / ".github" / "workflows" / "pia.yml").is_file()
    vendored = tmp_path / ".pia" / "schemas" / "file.schema.json"
    vendored.write_text("{}", encoding="utf-8")
    (tmp_path / ".pia" / "schemas" / "gone.schema.json").write_text("{}", encoding="utf-8")
    assert main(["init", str(tmp_path), "--upgrade"]) == 0
    assert vendored.read_text(encoding="utf-8") == (ROOT / "schemas" / "file.schema.json").read_text(encoding="utf-8")
    assert not (tmp_path / ".pia" / "schemas" / "gone.schema.json").exists()
    assert (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8") == "repos: []\n"
    assert main(["init", str(tmp_path), "--force"]) == 0
    assert "pia-check" in (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8")


def test_upgrade_without_init_is_a_clear_message(tmp_path: Path, capsys):
    assert main(["init", str(tmp_path), "--upgrade"]) == 2
    assert "pia init" in capsys.readouterr().err


def test_new_outside_any_repository_warns(tmp_path: Path, capsys):
    assert main(["new", "x", "--dir", str(tmp_path)]) == 0
    assert "pia init" in capsys.readouterr().err


def test_new_inside_pias_own_checkout_refers_to_its_schemas():
    ref, inside = init_mod.schema_ref(ROOT / "assessments" / "x" / "files" / "a.yaml", "file")
    assert inside and ref == "../../../schemas/file.schema.json"
