"""docs/rules.md, generated from the registry of findings."""
from __future__ import annotations

from pia.base.registry import STAGE_LABELS, Stage
from pia.analysis.catalog import specs
from pia.form.concepts import concept, concepts
from pia.form.kinds import ordered


def rules_markdown() -> str:
    out = ["# 検査規則の一覧", "", "<!-- このファイルは `pia rules --markdown > docs/rules.md` で生成します。直接編集しないでください。 -->", "",
           "各規則に、出典と、その出典をどこまで確かめたか（確度）を示します。出典が記憶や推論に基づく規則は警告にしています。", ""]
    for stage in Stage:
        group = [s for s in specs().values() if s.stage == stage]
        if not group:
            continue
        out += [f"## {STAGE_LABELS[stage]}", ""]
        for s in group:
            out += [f"### {s.id} {s.title}", "", f"- 重大度: {s.severity.label}（`{s.severity.value}`）",
                    f"- 出典: {s.source}（確度: {s.certainty.label}）"]
            if s.module:
                out.append(f"- 部分: `{s.module}`")
            if s.func is not None:
                out.append(f"- 対象の評価書: {documents_label(s.kinds)}（読む項目: {concepts_label(s.concepts + s.also)}）")
            out += ["", s.explanation, ""] if s.explanation else [""]
    out += concept_table()
    out += blank_items()
    out += ["## 検査結果の抑止", "",
            "原本どおりに残したい記載など、理由があって検査結果を残さないときは、その値と同じ行に",
            "`# pia-ignore: PIA011@1a2b3c 理由` のように規則 ID、検査結果の指紋（6桁）と理由を書きます。抑止した結果も理由とともに",
            "報告に表示され、エラーとしては数えません。指紋は値と、規則がそれと比べたもの（件数と数えた一覧の件数、比べた二つの",
            "日付など。検査結果の文に書かれている）から作ります。抑止はその規則の、その検査結果だけに効きます。値か比べた相手が",
            "変わると検査結果が戻り、PIA070 が新しい指紋を示します。指紋を書かずに `# pia-ignore: PIA011 理由` と書くと、",
            "PIA071 が書くべき指紋を示します。書き誤りで何も抑止しない抑止（`# pia-ingore:`、全角のコロン「：」、`PIA2` のような",
            "番号、ない規則の番号）は PIA072 が正しい書き方とともに示します。", ""]
    return "\n".join(out)


def documents_label(kinds: tuple[str, ...]) -> str:
    """「基礎・重点・全項目」: the documents a finding can be about, from the kinds' names in forms.json."""
    names = [k.name for k in ordered() if not kinds or k.id in kinds]  # none named: every kind
    return "・".join(names)


def concepts_label(ids: tuple[str, ...]) -> str:
    return "、".join(concept(c).title for c in ids)


def readers(cid: str) -> list[str]:
    """The rules that read a concept (needed or where present)."""
    return [s.id for s in specs().values() if cid in s.concepts + s.also]


def concept_table() -> list[str]:
    """Each concept: its item in each form and the rules that check it there (or why none does), from forms.json."""
    rows = []
    for c in concepts().values():
        cells = []
        for kind in ordered():
            its = c.items.get(kind.id, ())
            if not its:
                cells.append("—")
                continue
            codes = "、".join(it.code for it in its[:3]) + (f" ほか{len(its) - 3}件" if len(its) > 3 else "")
            by = [r for r in readers(c.id) if kind.id in specs()[r].kinds]
            cells.append(f"{codes}<br>{'・'.join(by)}" if by else f"{codes}<br>（{c.unchecked.get(kind.id, '検査する規則なし')}）")
        rows.append(f"| {c.title} | " + " | ".join(cells) + " |")
    return ["## 項目の概念と、それを検査する規則", "",
            "様式が違っても同じ意味の項目（概念）は一つの規則が検査します。各欄は、その様式での項目（コード）と、その様式の評価書で"
            "その項目を読む規則です。表は schemas/forms.json の concepts から生成しています。", "",
            "| 概念 | " + " | ".join(k.name for k in ordered()) + " |", "| --- | " + " | ".join("---" for _ in ordered()) + " |", *rows, ""]


def blank_items() -> list[str]:
    """The items PIA501/PIA502 let stay blank or hold 「—」, and why, from the schemas (x-pia-optional,
    x-pia-off-when, x-pia-dash): the 記載要領's cases, listed where the rules read them."""
    from pia.form import kinds as forms
    from pia.form.items import all_items, item

    shared = set(forms.shared_fact_paths())
    absent: dict[str, list[str]] = {}
    for v in forms.versions():
        for code in v.get("absent", []):
            absent.setdefault(code, []).append(v["tag"])
    rows = []
    for it in all_items():
        n = it.node
        why = []
        if it.doc == "kiso" and (it.path in shared or it.path + ("選択",) in shared):
            why.append("全項目評価書・重点項目評価書のある事務では、そちらの記載を印字する（kiso.yaml には書かない）")
        if it.code in absent:
            why.append(f"{'・'.join(absent[it.code])}の様式にない項目（その版の評価書では不要）")
        if n.get("x-pia-optional"):
            why.append("空欄でよい（手続の前・区分により不要など。項目の説明を参照）")
        off = n.get("x-pia-off-when")
        if off:
            names = "」「".join(item(c).title for c in ([off] if isinstance(off, str) else off))
            why.append(f"「{names}」に○を付けたときは空欄")
        if n.get("x-pia-checked-by"):
            why.append(f"空欄かどうかは {n['x-pia-checked-by']} が他の項目と合わせて検査")
        if n.get("x-pia-hide-empty"):
            why.append("空欄なら出力しない")
        if n.get("x-pia-dash"):
            why.append("該当がなければ「—」")
        if why:
            rows.append(f"| {it.code} | {it.title} | {'。'.join(why)} |")
    return ["## 空欄・「—」でよい項目（PIA501・PIA502）", "",
            "これ以外の項目は空欄にせず、「—」も書けません（PIA501・PIA502）。スキーマから生成しています。", "",
            "| コード | 項目 | 扱い |", "| --- | --- | --- |", *rows, ""]
