"""The form family: the threshold table, one 事務 with several documents, versions, drafts, pia new and migrate."""
from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE, FORM_TRIGGERS, JU, KI, ROOT, ci, ci_summary, commit, declare_version, edit_repo, init_repo, new_revision
from pia.document import assessment as asm
from pia.document import family
from pia.form import kinds as form_kinds
from pia.analysis import migrate
from pia.form import items
from pia.analysis.check import check
from pia.app.cli import main
from pia.analysis.catalog import rules as _rules

RULES = {s.id: s for s in _rules()}

KISO = ROOT / "assessments" / "marumaru-kiso"
JUTEN = ROOT / "assessments" / "marumaru-juten"
EXAMPLES = [EXAMPLE, KISO, JUTEN]

# forms.md §2, written out independently of schemas/forms.json: band -> (normal, escalated)
B, J, Z = "basic", "focused", "full"  # the kinds' ids
TABLE = [(set(), set()), ({B}, {B}), ({B}, {B, J}), ({B, J}, {B, Z}), ({B, Z}, {B, Z})]


LOWEST = [0, 1000, 10_000, 100_000, 300_000]  # the lowest number of persons of each 対象人数 band


@pytest.mark.parametrize("band", range(5))
@pytest.mark.parametrize("many", [True, False, None])
@pytest.mark.parametrize("accident", [True, False, None])
def test_threshold_table_every_combination(band: int, many: bool | None, accident: bool | None):
    normal, escalated = TABLE[band]
    if many or accident:
        want = [escalated]
    elif many is False and accident is False:
        want = [normal]
    else:  # one input unknown: every outcome it allows
        want = [normal, escalated]
    assert form_kinds.required_documents(LOWEST[band], many, accident) == {frozenset(w) for w in want}
    # any number of persons inside the band gives the same result
    top = LOWEST[band + 1] - 1 if band < 4 else 10_000_000
    assert form_kinds.required_documents(top, many, accident) == {frozenset(w) for w in want}


def _cli(*args: str) -> tuple[int, str]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(list(args))
    return code, buf.getvalue()


def _findings(folder: Path, *flags: str) -> list[dict]:
    code, out = _cli("check", str(folder), "--format", "json", *flags)
    assert code in (0, 1), out
    return [f for f in json.loads(out)["assessments"][0]["findings"] if not f["suppressed"]]


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_examples_check_clean(folder: Path):
    assert _findings(folder) == []


def test_each_example_has_the_documents_its_threshold_requires():
    for folder, kinds in ((EXAMPLE, {B, Z}), (KISO, {B}), (JUTEN, {B, J})):
        a = asm.load(folder)
        inp = family.inputs(a)
        assert form_kinds.required_documents(inp.persons, inp.many, inp.accident) == {frozenset(kinds)}, folder
        assert {k.id for k in family.present(a)} == kinds


def test_the_kiso_prints_the_facts_written_once_in_the_main_document():
    a = asm.load(EXAMPLE)
    view = family.kiso_view(a)
    meta = a.meta
    assert view["関連情報"]["特定個人情報ファイルを取り扱う事務"]["事務の名称"] == meta["基本情報"]["特定個人情報ファイルを取り扱う事務"]["事務の名称"]
    assert view["関連情報"]["特定個人情報ファイル名"] == ["住民基本台帳ファイル", "本人確認情報ファイル", "送付先情報ファイル"]
    assert view["関連情報"]["特定個人情報ファイルを取り扱う事務"]["システムの名称"].startswith("住民記録システム")
    assert view["関連情報"]["評価実施機関における担当部署"]["部署"] == meta["基本情報"]["評価実施機関における担当部署"]["部署"]
    assert view["しきい値判断項目"]["対象人数"]["選択"] == "30万人以上"
    assert view["しきい値判断項目"]["重大事故"]["選択"] == "発生なし"
    # the 全項目's 「…(任意に全項目評価を実施)」 options map to the 基礎's own wording by meaning, not by text
    assert view["しきい値判断結果"]["しきい値判断結果"] == "基礎項目評価及び全項目評価の実施が義務付けられる"
    assert view["リスク対策"]["提出する特定個人情報保護評価書の種類"] == "基礎項目評価書及び全項目評価書"
    assert "事務の名称:" not in (EXAMPLE / "kiso.yaml").read_text(encoding="utf-8")  # written once, elsewhere
    # the 対象人数 option 1,000人未満 is 「1,000人未満（任意実施）」 in the 基礎: mapped by position
    jv = family.kiso_view(asm.load(JUTEN))
    assert jv["しきい値判断項目"]["対象人数"]["選択"] == "10万人以上30万人未満"
    assert jv["しきい値判断項目"]["取扱者数"] == {"選択": "500人未満", "いつ時点の計数か": "令和6年4月1日時点"}
    assert jv["関連情報"]["特定個人情報ファイル名"] == ["国民健康保険ファイル"]
    assert jv["しきい値判断結果"]["しきい値判断結果"] == "基礎項目評価及び重点項目評価の実施が義務付けられる"


def test_the_composed_kiso_validates_against_its_schema():
    from pia.form import schema as sch

    for folder in EXAMPLES:
        view = family.kiso_view(asm.load(folder))
        errors = [e.message for e in sch.load().validator("kiso").iter_errors(view)]
        assert errors == [], (folder.name, errors[:3])


def _edit(folder: Path, rel: str, old: str, new: str | None) -> None:
    f = folder / rel
    if new is None:
        f.unlink()
        return
    text = f.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    f.write_text(text.replace(old, new, 1), encoding="utf-8")




def test_every_form_rule_is_in_the_range_and_has_a_trigger():
    ours = {r for r in RULES if "PIA800" <= r <= "PIA849"}
    assert ours == set(FORM_TRIGGERS)


@pytest.mark.parametrize("rule_id", sorted(FORM_TRIGGERS))
def test_form_rule_triggers_on_a_real_variant(tmp_path: Path, rule_id: str):
    name, edits, flags = FORM_TRIGGERS[rule_id]
    folder = tmp_path / name
    shutil.copytree(ROOT / "assessments" / name, folder)
    assert not any(f["rule_id"] == rule_id for f in _findings(folder, *flags))
    for rel, old, new in edits:
        _edit(folder, rel, old, new)
    hits = [f for f in _findings(folder, *flags) if f["rule_id"] == rule_id]
    assert hits and hits[0]["line"] >= 1 and hits[0]["severity"] == RULES[rule_id].severity, rule_id


def test_the_threshold_result_is_checked_in_every_kind_of_document(tmp_path: Path):
    """PIA101 reads the result where each main document states it: 全項目 VI-1-②, 重点 V-1-②, 基礎 III."""
    for name, rel, old, new in (
            (KI, "kiso.yaml", "  しきい値判断結果: 基礎項目評価の実施が義務付けられる", "  しきい値判断結果: 基礎項目評価及び重点項目評価の実施が義務付けられる"),
            (JU, "juten.yaml", "    しきい値判断結果: 基礎項目評価及び重点項目評価の実施が義務付けられる",
             "    しきい値判断結果: 基礎項目評価の実施が義務付けられる(任意に重点項目評価を実施)")):
        folder = tmp_path / name
        shutil.copytree(ROOT / "assessments" / name, folder)
        _edit(folder, rel, old, new)
        hits = [f for f in _findings(folder) if f["rule_id"] == "PIA101"]
        assert hits and hits[0]["file"].endswith(rel), (name, _findings(folder))


def test_a_voluntary_higher_assessment_is_allowed_when_stated(tmp_path: Path):
    """重点 suffices (10万–30万, few handlers) but a 全項目 is written: fine when its result says 任意."""
    folder = tmp_path / "s"
    shutil.copytree(EXAMPLE, folder)
    _edit(folder, "assessment.yaml", "    対象人数: 30万人以上", "    対象人数: 10万人以上30万人未満")
    _edit(folder, "assessment.yaml", "  取扱者数:  # pia-ignore", "  取扱者数: 500人未満  # pia-ignore")
    ids = {f["rule_id"] for f in _findings(folder)}
    assert "PIA101" in ids  # it still says 全項目 is mandatory
    _edit(folder, "assessment.yaml", "しきい値判断結果: 基礎項目評価及び全項目評価の実施が義務付けられる",
          "しきい値判断結果: 基礎項目評価及び重点項目評価の実施が義務付けられる(任意に全項目評価を実施)")
    assert not {"PIA101", "PIA801"} & {f["rule_id"] for f in _findings(folder)}


def test_handlers_are_counted_once_per_jimu(tmp_path: Path):
    """Three files used by 100–500 staff and two contractors of 100–500 each: the same staff handle every file,
    so the 事務 may well have fewer than 500 handlers (the old sum of lower bounds said at least 500)."""
    folder = tmp_path / "s"
    shutil.copytree(EXAMPLE, folder)
    _edit(folder, "assessment.yaml", "  取扱者数:  # pia-ignore", "  取扱者数: 500人未満  # pia-ignore")
    for rel in ("files/juki.yaml", "files/honnin-kakunin.yaml"):
        text = (folder / rel).read_text(encoding="utf-8")
        for old in ("委託先における取扱者数: 10人以上50人未満", "委託先における取扱者数: 10人未満"):
            text = text.replace(old, "委託先における取扱者数: 100人以上500人未満")
        (folder / rel).write_text(text, encoding="utf-8")
    a = asm.load(folder)
    lo, hi = family.staff_bounds(a)
    assert lo < 500 <= hi
    assert "PIA102" not in {f["rule_id"] for f in _findings(folder)}
    # one file alone used by 500 or more staff: then the 事務 has at least 500 handlers
    _edit(folder, "files/juki.yaml", "      使用者数: 100人以上500人未満", "      使用者数: 500人以上1,000人未満")
    assert "PIA102" in {f["rule_id"] for f in _findings(folder)}


def test_a_draft_checks_without_errors_for_what_a_draft_lacks(tmp_path: Path):
    folder = tmp_path / "s"
    shutil.copytree(EXAMPLE, folder)
    _edit(folder, "assessment.yaml", "評価書番号: 1\n", "評価書番号:\n")
    assert "PIA501" in {f["rule_id"] for f in _findings(folder)}  # a final document needs its number
    _edit(folder, "assessment.yaml", "評価書名: 住民基本台帳に関する事務 全項目評価書", "評価書名: 住民基本台帳に関する事務 全項目評価書（案）")
    assert _findings(folder) == []
    final = {(f["rule_id"], f["item_path"]) for f in _findings(folder, "--final")}
    assert ("PIA812", "評価書名") in final and ("PIA811", "評価書番号") in final and ("PIA811", "公表日") in final


def test_versions_table_picks_labels_and_the_cover_tag():
    assert form_kinds.parse_version("[平成30年5月 様式4]") == ("平成30年5月", "様式4")
    assert form_kinds.parse_version("平成２６年４月　様式３") == ("平成26年4月", "様式3")
    assert form_kinds.parse_version("様式4") is None
    a = asm.load(EXAMPLE)
    assert family.cover_tag(a, form_kinds.kinds()[Z]) == f"[{form_kinds.current_version()} 様式4]"
    assert family.cover_tag(a, form_kinds.kinds()[B]) == "[平成30年5月 様式2]"
    path, node = form_kinds.node_by_code("assessment", "表紙-個人情報保護委員会承認日")
    assert path == ("個人情報保護委員会承認日",)
    assert form_kinds.label(node, "平成26年4月").startswith("特定個人情報保護委員会")
    assert form_kinds.label(node, form_kinds.current_version()).startswith("個人情報保護委員会")


def test_migrate_moves_an_old_document_to_the_current_version(tmp_path: Path):
    old = tmp_path / "old"
    shutil.copytree(EXAMPLE, old)
    declare_version(old)
    assert "PIA821" in {f["rule_id"] for f in _findings(old)}
    code, out = _cli("migrate", str(old), "--out", str(tmp_path / "new"))
    assert code == 0
    assert "全項目評価書（assessment.yaml）: 平成26年4月 様式4 → 平成30年5月 様式4" in out
    assert "「特定個人情報保護委員会 承認日【行政機関等のみ】」→「個人情報保護委員会 承認日【行政機関等のみ】」" in out
    assert "見直しが必要" in out
    new_text = (tmp_path / "new" / "assessment.yaml").read_text(encoding="utf-8")
    first, rest = (EXAMPLE / "assessment.yaml").read_text(encoding="utf-8").split("\n", 1)
    assert new_text == f"{first}\n様式: 平成30年5月 様式4\n{rest}"
    assert _findings(tmp_path / "new") == []
    # an old 基礎 gains the items the current version adds: listed to be filled, or to be confirmed when written
    kiso = (KISO / "kiso.yaml").read_text(encoding="utf-8").replace("平成30年5月 様式2", "平成29年5月 様式2")
    res = migrate.migrate({"kiso.yaml": kiso})
    assert any("記入を確認" in r and "人手を介在させる作業" in r for r in res.report), res.report
    assert any("見直しが必要" in r and "提出する特定個人情報保護評価書の種類" in r for r in res.report), res.report
    assert "様式: 平成30年5月 様式2" in res.texts["kiso.yaml"]
    start = kiso.index("  人手を介在させる作業:\n")
    end = kiso.index("  監査:", start)
    res = migrate.migrate({"kiso.yaml": kiso[:start] + kiso[end:]})
    assert any("記入が必要" in r and "人手を介在させる作業" in r for r in res.report), res.report
    code, _ = _cli("migrate", str(old), "--out", str(tmp_path / "new"))
    assert code == 2  # never overwrites


@pytest.mark.parametrize("kind,files", [
    ("基礎", {"kiso.yaml"}),
    ("重点", {"juten.yaml", "systems.yaml", "juten/file1.yaml", "kiso.yaml"}),
    ("全項目", {"assessment.yaml", "systems.yaml", "files/file1.yaml", "kiso.yaml"}),
])
def test_new_makes_a_skeleton_of_each_kind(tmp_path: Path, kind: str, files: set[str]):
    code, _ = _cli("new", "x", "--dir", str(tmp_path), "--kind", kind)
    assert code == 0
    folder = tmp_path / "x"
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*.yaml")} == files
    found = {f["rule_id"] for f in _findings(folder)}
    assert found and found <= {"PIA501", "PIA804", "PIA806"}, found  # only "to be filled", no schema noise
    if kind != "基礎":  # the companion 基礎 does not repeat the facts of the main document
        assert "事務の名称:" not in (folder / "kiso.yaml").read_text(encoding="utf-8")


def test_new_derives_the_kind_from_the_threshold_inputs(tmp_path: Path):
    code, out = _cli("new", "y", "--dir", str(tmp_path), "--persons", "10万人以上30万人未満", "--handlers", "500人以上", "--accident", "発生なし")
    assert code == 0 and (tmp_path / "y" / "assessment.yaml").is_file() and "（全項目評価書と基礎項目評価書）" in out
    code, _ = _cli("new", "z", "--dir", str(tmp_path), "--persons", "1,000人以上1万人未満")
    assert code == 0 and {p.name for p in (tmp_path / "z").iterdir()} == {"kiso.yaml"}
    assert _cli("new", "w", "--dir", str(tmp_path), "--persons", "1,000人未満")[0] == 2
    # counts as a user knows them: the option they fall in (5万 -> 1万人以上10万人未満, 600 handlers -> 500人以上)
    code, out = _cli("new", "v", "--dir", str(tmp_path), "--persons", "５万人", "--handlers", "600", "--accident", "発生なし")
    assert code == 0 and (tmp_path / "v" / "juten.yaml").is_file() and "（重点項目評価書と基礎項目評価書）" in out
    # the answers are written where the folder keeps them, in the form's options, and the skeleton's comments stay
    juten = yaml.safe_load((tmp_path / "v" / "juten.yaml").read_text(encoding="utf-8"))
    assert [items.item(c).get(juten) for c in ("重点-I-1-③", "重点-表紙-しきい値判断の入力-取扱者数",
                                            "重点-表紙-しきい値判断の入力-特定個人情報に関する重大事故")] == ["1万人以上10万人未満", "500人以上", "発生なし"]
    assert "# 選択肢:" in (tmp_path / "v" / "juten.yaml").read_text(encoding="utf-8")
    kiso = yaml.safe_load((tmp_path / "z" / "kiso.yaml").read_text(encoding="utf-8"))  # a 基礎-only 事務 keeps them in kiso.yaml
    assert items.item("基礎-II-1").get(kiso)["選択"] == "1,000人以上1万人未満"
    code, _ = _cli("new", "u", "--dir", str(tmp_path), "--persons", "300,000")
    assert code == 0 and (tmp_path / "u" / "assessment.yaml").is_file()
    assert _cli("new", "t", "--dir", str(tmp_path), "--persons", "10万5千")[0] == 2 and not (tmp_path / "t").exists()


def test_a_folder_from_git_texts_knows_every_document():
    texts = {p.relative_to(JUTEN).as_posix(): p.read_bytes() for p in JUTEN.rglob("*.yaml")}
    a = asm.from_texts("juten", texts)
    assert {"juten", "kiso", "systems", "juten-file:kokuho"} <= set(a.docs)
    assert check(JUTEN).errors == 0


def test_diff_names_the_documents_that_print_each_change(tmp_path: Path):
    """A fact written once changes every document that prints it; a 基礎-only item changes the 基礎 alone."""
    new = tmp_path / "new"
    shutil.copytree(EXAMPLE, new)
    _edit(new, "assessment.yaml", "    事務の名称: 住民基本台帳に関する事務", "    事務の名称: 住民基本台帳事務")
    _edit(new, "kiso.yaml", "  提出する特定個人情報保護評価書の種類: 基礎項目評価書及び全項目評価書",
          "  提出する特定個人情報保護評価書の種類: 基礎項目評価書")
    _edit(new, "files/juki.yaml", "      使用者数: 100人以上500人未満", "      使用者数: 50人以上100人未満")
    code, out = _cli("diff", str(EXAMPLE), str(new), "--format", "json")
    assert code == 0
    docs = {r["code"]: r["documents"] for r in json.loads(out)}
    assert docs["I-1-①"] == ["全項目評価書", "基礎項目評価書"]
    assert docs["基礎-IV-1"] == ["基礎項目評価書"]
    assert docs["II-3-⑦-使用者数"] == ["全項目評価書"]


def test_the_betten3_of_the_main_document_leaves_out_what_only_the_kiso_holds(tmp_path: Path):
    from pia.history.versions import history_rows, snapshot_versions

    root = tmp_path / "versions"
    old, new = root / "2024-01", root / "2025-04"
    shutil.copytree(EXAMPLE, old)
    shutil.copytree(EXAMPLE, new)
    _edit(new, "assessment.yaml", "  - 変更日: 令和6年1月4日\n", "  - 変更日: 令和6年1月4日\n    説明: x\n  - 変更日: 令和7年4月1日\n")
    _edit(new, "assessment.yaml", "    事務の名称: 住民基本台帳に関する事務", "    事務の名称: 住民基本台帳事務")
    _edit(new, "kiso.yaml", "  提出する特定個人情報保護評価書の種類: 基礎項目評価書及び全項目評価書",
          "  提出する特定個人情報保護評価書の種類: 基礎項目評価書")
    labels = [r.change.label for r in history_rows(snapshot_versions(root))]
    assert any(lab.endswith("①事務の名称") for lab in labels)
    assert not any("提出する特定個人情報保護評価書の種類" in lab for lab in labels), labels


def test_ci_summary_names_the_documents_concerned(tmp_path: Path):
    r = tmp_path / "repo"
    shutil.copytree(EXAMPLE, r / "assessments" / "juki")
    init_repo(r)
    commit(r, "base")
    new_revision(r)
    edit_repo(r, "assessment.yaml", "    事務の名称: 住民基本台帳に関する事務", "    事務の名称: 住民基本台帳事務")
    assert ci(r).returncode == 0
    assert "- 変わる評価書: 全項目評価書（1 件、事後）、基礎項目評価書（1 件、事後）" in ci_summary(r)


def test_new_asks_for_the_kind_at_a_terminal(tmp_path: Path, monkeypatch):
    import sys

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "重点")
    code, out = _cli("new", "t", "--dir", str(tmp_path))
    assert code == 0 and (tmp_path / "t" / "juten.yaml").is_file() and "（重点項目評価書と基礎項目評価書）" in out


def test_ci_checks_a_juten_folder_and_names_its_documents(tmp_path: Path):
    r = tmp_path / "repo"
    shutil.copytree(JUTEN, r / "assessments" / "kokuho")
    init_repo(r)
    commit(r, "base")
    _edit(r / "assessments" / "kokuho", "juten.yaml", "    部署: 市民部保険年金課", "    部署: 市民部国保年金課")
    _edit(r / "assessments" / "kokuho", "juten.yaml", "\n変更箇所:", "\n改訂:\n  - 変更日: 令和7年4月1日\n変更箇所:")
    assert ci(r).returncode == 0
    text = ci_summary(r)
    assert "assessments/kokuho（変更）" in text and "- 変わる評価書: 重点項目評価書（1 件、事後）、基礎項目評価書（1 件、事後）" in text


def test_new_keeps_a_voluntary_kind_with_its_threshold_answers(tmp_path: Path):
    # fewer than 1,000 persons obliges nothing; a 全項目評価書 done voluntarily still records the answers given
    code, out = _cli("new", "s", "--dir", str(tmp_path), "--kind", "全項目", "--persons", "800", "--handlers", "20")
    assert code == 0 and "（全項目評価書と基礎項目評価書）" in out
    data = yaml.safe_load((tmp_path / "s" / "assessment.yaml").read_text(encoding="utf-8"))
    assert items.item("I-1-③").get(data) == "1,000人未満" and items.item("表紙-しきい値判断の入力-取扱者数").get(data) == "500人未満"


def test_every_item_code_the_forms_table_names_exists():
    # versions' labels and absent items, and migrate's lists per kind, name items by code: a code that names no
    # item of that kind's document is silently skipped where it is used
    from pia.form.items import UnknownItem, item
    from pia.form.kinds import kinds, node_by_code, table, versions

    by_id = {k.id: k for k in kinds().values()}
    missing = []
    for v in versions():
        for code in [*v.get("labels", {}), *v.get("absent", [])]:
            try:
                item(code)
            except UnknownItem:
                missing.append(code)
    per_kind = [(kid, c) for lists in table()["migrate"].values() if isinstance(lists, dict) for kid, cs in lists.items() for c in cs]
    missing += [f"{kid}:{c}" for kid, c in per_kind if node_by_code(by_id[kid].schema, c) is None]
    assert per_kind and missing == []


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", ""])
def test_new_makes_one_folder_in_its_dir_only(tmp_path: Path, name: str):
    base = tmp_path / "repo"
    code, _ = _cli("new", name, "--dir", str(base / "assessments"), "--kind", "基礎")
    assert code != 0 and not (tmp_path / "escape").exists() and not (base / "assessments").exists()


def test_new_names_the_documents_it_made(tmp_path: Path):
    code, out = _cli("new", "k", "--dir", str(tmp_path), "--kind", "基礎")
    assert code == 0 and "を作成しました（基礎項目評価書）" in out
    code, out = _cli("new", "j", "--dir", str(tmp_path), "--kind", "重点")
    assert code == 0 and "を作成しました（重点項目評価書と基礎項目評価書）" in out


def test_a_folder_with_two_main_documents_is_told_to_keep_one(tmp_path: Path):
    # a 重点 beside a 全項目 (two 事務 in one folder, or a 重点 left behind): PIA027, not PIA805's impossible choice
    folder = tmp_path / "m"
    shutil.copytree(EXAMPLE, folder)
    shutil.copy(JUTEN / "juten.yaml", folder / "juten.yaml")
    shutil.copytree(JUTEN / "juten", folder / "juten")
    found = [f for f in _findings(folder) if f["rule_id"] in ("PIA805", "PIA027")]
    assert [(f["rule_id"], Path(f["file"]).name) for f in found] == [("PIA027", "juten.yaml")]
    assert "juten.yaml、juten/" in found[0]["hint"]


def test_new_puts_the_folder_in_the_repositorys_assessments_wherever_it_is_run(tmp_path: Path, monkeypatch):
    # run inside assessments/ (or anywhere in the repository), a plain 「assessments/」 would nest a second one that the
    # pre-commit hook and the editor's schema globs never see
    repo = tmp_path / "repo"
    (repo / "assessments").mkdir(parents=True)
    (repo / "docs").mkdir()
    init_repo(repo)
    for where, name in (("assessments", "a1"), ("docs", "a2"), (".", "a3")):
        monkeypatch.chdir(repo / where)
        code, _ = _cli("new", name, "--kind", "基礎")
        assert code == 0 and (repo / "assessments" / name / "kiso.yaml").is_file(), where
    assert sorted(p.name for p in (repo / "assessments").iterdir()) == ["a1", "a2", "a3"]


@pytest.mark.parametrize("kind,file,records", [("基礎", "kiso.yaml", ("改訂", "変更箇所")), ("重点", "juten.yaml", ("改訂", "変更箇所")),
                                               ("全項目", "assessment.yaml", ("改訂", "変更箇所の記録"))])
def test_new_leaves_the_records_empty_with_their_shape_as_a_comment(tmp_path: Path, kind: str, file: str, records: tuple):
    # a blank 変更箇所 row in the skeleton was printed and published as a change 「日付不明に…」
    code, _ = _cli("new", "x", "--dir", str(tmp_path), "--kind", kind)
    assert code == 0
    text = (tmp_path / "x" / file).read_text(encoding="utf-8")
    data = asm.load(tmp_path / "x").docs[file.removesuffix(".yaml")].data
    for key in records:
        assert f"\n{key}: []\n# 書くときの形:\n#   - 変更日:\n" in text and data[key] == [], key


def test_a_juten_that_now_needs_the_full_form_is_pointed_at_the_way_over(tmp_path: Path):
    # 「pia new --kind 全項目」 cannot be followed for a folder that exists: the hint names the guide's steps instead
    folder = tmp_path / "kokuho"
    shutil.copytree(JUTEN, folder)
    _edit(folder, "juten.yaml", "  特定個人情報に関する重大事故: 発生なし", "  特定個人情報に関する重大事故: 発生あり")
    (f,) = [f for f in _findings(folder) if f["rule_id"] == "PIA801"]
    assert "「しきい値判断の結果が重くなったとき」" in f["hint"] and "juten.yaml の記載を assessment.yaml に移して" in f["hint"]
    assert "しきい値判断の結果が重くなったとき" in (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
