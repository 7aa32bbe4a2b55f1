"""Items the form requires: never left empty, 「—」 only where the form allows it; text safety."""
from __future__ import annotations

import re
from typing import Any, Iterator

from pia.form import schema as sch
from pia.base.findings import WARNING, Finding
from pia.document import family
from pia.form.kinds import absent_codes, is_draft, shared_fact_paths
from pia.form.items import switched_off
from pia.base.registry import Certainty
from pia.analysis.rules import Context, rule
from pia.document.values import DASH, dash_variant, empty, is_dash, scalars
from pia.form.walk import Path, walk

# (a ○ item is not among them: its blank is the form's unticked box)
_LEAVES = ("text", "date", "choice", "selected", "multi", "idlist", "strlist", "id", "count")


def _exempt(a: Any, key: str, name: str) -> tuple[set[tuple[str, ...]], set[str]]:
    """(data paths, item codes) a document leaves blank by its folder and its form version: the 基礎's facts written
    in the 重点・全項目 of its 事務 (forms.json kiso_facts, printed from there), and the items its 様式 version does
    not have yet (forms.json versions[].absent: an item added later is required only from that version)."""
    kind = family.kind_of_key(a, key)
    absent = absent_codes(family.version_of(a, kind)) if kind else set()
    main = family.main_kind(a)
    shared = set(shared_fact_paths()) if name == "kiso" and main is not None and not main.borrows_facts else set()
    return shared, absent


def _required(data: Any, name: str, shared: set[tuple[str, ...]] | None = None,
              absent: set[str] | None = None) -> Iterator[tuple[Path, sch.Node, Any]]:
    """(path, node, value) of every item the form asks to be filled in, given what is chosen elsewhere."""
    shared, absent = shared or set(), absent or set()
    skip: set[Path] = set()  # parts left out, with everything below them
    for e in walk(sch.load().document(name), data):
        if skip and any(e.path[:n] in skip for n in range(1, len(e.path) + 1)):
            continue
        node = e.node
        if e.kind == "note":
            continue
        # a draft (評価書名 with (案)) may leave 評価書番号 etc. blank; PIA811 demands them at pia check --final
        draft_blank = node.get("x-pia-draft-blank") and is_draft(data)
        if node.get("x-pia-optional") or node.get("x-pia-hide-empty") or node.get("x-pia-checked-by") or draft_blank \
                or sch.code(node) in absent or e.path in shared:
            skip.add(e.path)
            continue
        if switched_off(data, node):  # a part the form leaves empty: every flag of x-pia-off-when ticked
            skip.add(e.path)
            continue
        if e.kind == "choice" and "properties" in node:
            if e.path + (sch.SELECTED,) in shared:
                continue  # printed from the main document; its own details (いつ時点の計数か) are still the 基礎's
            # the chosen option is written under 選択; the details are required unless it is the negative option
            yield e.path + (sch.SELECTED,) if isinstance(e.value, dict) else e.path, node, sch.selected(e.value)
            if node.get("x-pia-details-unless") and sch.selected(e.value) == node["x-pia-details-unless"]:
                skip.add(e.path)
        elif e.kind in _LEAVES:
            yield e.path, node, e.value


def _required_items(ctx: Context) -> list[tuple[str, Any, list[tuple[Path, sch.Node, Any]]]]:
    """(key, document, its required items) for every document, computed once per run of the rules (PIA501, PIA502)."""
    a, memo = ctx.a, ctx.memo
    if "required" not in memo:
        memo["required"] = [(key, doc, list(_required(doc.data, name, *_exempt(a, key, name))))
                            for key, name, doc in a.documents() if isinstance(doc.data, dict)]
    return memo["required"]


@rule("PIA501", "記載が必要な項目が空欄", source="様式・記載要領（空欄にしない項目）", certainty=Certainty.INFERRED, concepts=("document",))
def not_empty(ctx: Context) -> Iterator[Finding]:
    """様式の項目は空欄にしない。該当がないときは、様式が認める項目に限り「—」と書く。空欄でよいのは、公表前の
    公表日・承認日、意見聴取前の主な意見の内容、区分により不要な第三者点検・承認、「委託しない」「提供・移転しない」
    「接続しない」としたときのリスク対策などに限る（様式、スキーマの x-pia-optional・x-pia-off-when）。基礎・重点・全項目の
    すべての評価書に同じように働く。全項目評価書・重点項目評価書のある事務の基礎項目評価書では、それらから印字する事実
    （forms.json の kiso_facts）を求めず、古い版の様式にない項目（forms.json の versions の absent）はその版の評価書に
    求めない。pia new の記載例の空欄もこれで「未記入」と報告される。※は重要な変更の対象を示す印で、必須という意味ではない。"""
    for key, doc, required in _required_items(ctx):
        for path, node, value in required:
            if empty(value) and path[0] in doc.data:
                what = "選択してください" if sch.options(node) else "記載してください"
                yield ctx.finding(key, path, f"「{sch.title(node)}」が未記入です。",
                                  f"{what}。" + ("該当がなければ「—」と書けます。" if sch.dash_allowed(node) else ""))


@rule("PIA502", "「—」を書けない項目に「—」と書いている", source="様式・記載要領（「—」を書ける項目）", certainty=Certainty.INFERRED, concepts=("document",))
def dash_only_where_allowed(ctx: Context) -> Iterator[Finding]:
    """「—」（記載事項なし）は、様式が認める項目（その他の措置の内容、変更の妥当性、備考など。スキーマの x-pia-dash）に限る。"""
    for key, doc, required in _required_items(ctx):
        for path, node, value in required:
            if is_dash(value) and not sch.dash_allowed(node):
                yield ctx.finding(key, path, f"「{sch.title(node)}」は「—」とせず、内容を書く項目です。", "内容を記載してください。")


@rule("PIA504", "該当なしの「—」を別の記号（ー、―、－、- など）で書いている", WARNING,
      source="様式・記載要領（該当なしは「—」）", certainty=Certainty.INFERRED, concepts=("dash-items",))
def dash_spelling(ctx: Context) -> Iterator[Finding]:
    """「—」を書ける項目（スキーマの x-pia-dash）に、長音符「ー」、横棒「―」、全角ハイフン「－」、半角「-」などを書いたときは、
    該当なしと読んだうえで、様式どおりの「—」（全角のダッシュ）を示す。`pia fix --write` で「—」に書き換えられる。
    「なし」「該当なし」は文として書ける項目ではそのまま認める。「—」を書けない項目の記号は PIA502。"""
    for key, it, path, v in ctx.values("dash-items"):
        if dash_variant(it.node, v):
            yield ctx.finding(key, path, f"「{v.strip()}」を該当なし（「{DASH}」）と読みました。",
                              f"様式どおり「{DASH}」（全角のダッシュ）と書いてください（pia fix --write で直せます）。")


_FORMULA = re.compile(r"^\s*[=+@＝]|^-[^\s\-—]")
_KANGXI = re.compile(r"[\u2F00-\u2FDF\u2E80-\u2EFF\uF900-\uFAFF]")


def _strings(value: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    return ((p, v) for p, v in scalars(value, path) if isinstance(v, str))


@rule("PIA503", "表計算ソフトで数式と誤解される書き出し、又は康熙部首などの紛らわしい文字", WARNING,
      source="pia の安全上の決まり（表計算ソフトでの数式化、紛らわしい文字）", certainty=Certainty.PIA, concepts=("document",))
def risky_text(ctx: Context) -> Iterator[Finding]:
    """「=」「+」「-」「@」で始まる値は、Excel で数式として扱われるおそれがある（pia の Excel 出力は常に文字列として
    書き出すが、受け取った人が編集すると数式になりうる）。また、古い PDF から貼り付けたときに入りやすい康熙部首
    （⼀ など）や互換漢字は、見た目が同じでも別の文字で、検索や読み上げを妨げる。"""
    for key, name, doc in ctx.a.documents():
        for path, s in _strings(doc.data, ()):
            if _FORMULA.match(s):
                yield ctx.finding(key, path, f"「{s[:20]}」は数式のように始まっています。", "意図したものでなければ、先頭の記号を全角にするか文を書き換えてください。")
            m = _KANGXI.search(s)
            if m:
                yield ctx.finding(key, path, f"康熙部首又は互換漢字「{m.group()}」（U+{ord(m.group()):04X}）が含まれています。",
                                  "通常の漢字に置き換えてください。")
