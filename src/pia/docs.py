"""docs/rules.md, generated from the registry of findings."""
from __future__ import annotations

from pia.registry import STAGE_LABELS, Stage, specs


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
            out += ["", s.explanation, ""] if s.explanation else [""]
    out += ["## 検査結果の抑止", "",
            "原本どおりに残したい記載など、理由があって検査結果を残さないときは、その値と同じ行に",
            "`# pia-ignore: PIA011 理由` のように規則 ID と理由を書きます。抑止した結果も理由とともに報告に表示され、",
            "エラーとしては数えません。", ""]
    return "\n".join(out)
