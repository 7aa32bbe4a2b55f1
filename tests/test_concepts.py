"""One meaning per item across forms: the concepts of schemas/forms.json and the reach of the rules written on them."""
from __future__ import annotations

import inspect

import pytest

from conftest import pia
from pia.form.concepts import concept, concepts, reach
from pia.analysis.catalog import rules
from pia.analysis.rules import rule


def _readers(cid: str, kind_id: str) -> list[str]:
    return [s.id for s in rules() if cid in s.concepts + s.also and kind_id in s.kinds]


def test_every_rule_reaches_a_document():
    assert [s.id for s in rules() if not s.kinds] == []


def test_every_concept_is_checked_in_every_form_that_has_it_or_says_why_not():
    missing, stale = [], []
    for c in concepts().values():
        for kid in c.items:
            checked = _readers(c.id, kid)
            if not checked and not c.unchecked.get(kid, "").strip():
                missing.append((c.id, kid))
            if checked and kid in c.unchecked:
                stale.append((c.id, kid, checked))
        assert set(c.unchecked) <= set(c.items), c.id  # a reason for a form that has no such item
    assert missing == [] and stale == []


def test_a_rule_names_its_concepts_and_has_no_default_reach():
    assert "kinds" not in inspect.signature(rule).parameters
    with pytest.raises(ValueError):
        rule("PIA999", "x", source="x", certainty=None, concepts=())  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        reach(("no-such-concept",))


def test_the_reach_follows_the_forms_that_have_the_items():
    # the same item in the 全項目 and the 重点, named by different codes
    assert [it.code for it in concept("subcontract").items["focused"]] == ["重点-II-4-委託事項-④"]
    assert [it.code for it in concept("subcontract").items["full"]] == ["II-4-委託事項-再委託-⑦"]
    by_id = {s.id: s.kinds for s in rules()}
    assert by_id["PIA203"] == ("focused", "full")
    assert by_id["PIA701"] == ("basic", "focused", "full")
    assert by_id["PIA308"] == ("basic",)
    assert by_id["PIA713"] == ("full",)  # 第三者点検 is a duty of the 全項目評価書 only
    # a property concept picks the items of every form that has it (the 重点・基礎's 十分か carry the meanings too)
    assert set(concept("sufficiency").items) == {"basic", "focused", "full"}


def test_pia_rules_shows_the_documents_each_rule_covers():
    out = pia("rules").stdout
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.startswith("PIA")}
    assert "[重点・全項目]" in lines["PIA201"] and "[基礎]" in lines["PIA308"] and "[基礎・重点・全項目]" in lines["PIA701"]
    md = pia("rules", "--markdown").stdout
    assert "- 対象の評価書: 重点・全項目（読む項目: 提供・移転の有無（件数）" in md
    assert "| 再委託の有無 | — | 重点-II-4-委託事項-④<br>PIA203 | II-4-委託事項-再委託-⑦<br>PIA203・PIA204 |" in md
