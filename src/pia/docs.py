"""docs/rules.md, generated from the rule registry."""
from __future__ import annotations

from pia.rules import RULES

LOADER_RULES = [
    ("PIA001", "YAML として読めない（構文、タブ、空ファイル、制御文字）"),
    ("PIA002", "項目名の重複"),
    ("PIA003", "アンカー・エイリアス・マージキー（大量展開の防止）"),
    ("PIA004", "YAML タグ（オブジェクトの生成の防止）"),
    ("PIA005", "ファイルが大きすぎる"),
    ("PIA006", "UTF-8 のテキストでない（文字コード、バイナリ）"),
    ("PIA007", "入れ子が深すぎる"),
    ("PIA010", "値の型が違う"),
    ("PIA011", "選択肢にない値"),
    ("PIA012", "必要な項目がない（ファイル・項目）"),
    ("PIA013", "様式にない項目（近い項目名を提案）"),
    ("PIA014", "その他の値の誤り（ID の書式など）"),
]


def rules_markdown() -> str:
    out = ["# 検査規則の一覧", "", "<!-- このファイルは `pia rules --markdown > docs/rules.md` で生成します。直接編集しないでください。 -->", "",
           "## 読み込みとスキーマの検査（すべてエラー）", "", "| ID | 内容 |", "| --- | --- |"]
    out += [f"| {i} | {t} |" for i, t in LOADER_RULES]
    out += ["", "## 項目間の検査", "",
            "出典が記憶や推論に基づく規則（ppc-rules の [R]・[I]）は警告にしています。各規則の説明にその旨を書いています。", ""]
    for r in RULES.values():
        out += [f"### {r.id} {r.title}", "", f"- 重大度: {r.severity}", f"- 部分: `{r.module}`", "", r.explanation, ""]
    out += ["## 検査結果の抑止", "",
            "原本どおりに残したい記載など、理由があって検査結果を残さないときは、その値と同じ行に",
            "`# pia-ignore: PIA011 理由` のように規則 ID と理由を書きます。抑止した結果も理由とともに報告に表示され、",
            "エラーとしては数えません。", ""]
    return "\n".join(out)
