"""Items the form requires: never left empty, 「—」 only where the form allows it; text safety."""
from __future__ import annotations

import re
from typing import Any, Iterator

from pia import schema as sch
from pia.findings import WARNING, Finding
from pia.registry import Certainty
from pia.rules import Context, rule
from pia.rules._util import empty, get, is_dash

III = "特定個人情報ファイルの取扱いプロセスにおけるリスク対策"
# Parts of the form that stay empty by the form's own logic; the rules of files.py check them instead.
_SKIPS = {
    ("特定個人情報ファイルの取扱いの委託",): (III, "特定個人情報ファイルの取扱いの委託", "委託しない"),
    ("特定個人情報の提供・移転",): (III, "特定個人情報の提供・移転", "提供・移転しない"),
}
_PIA_ONLY = {"しきい値判断の入力", "事務終了日", "改訂", "変更箇所の記録", "図", "補足", "見出し", "説明", "例外", "再評価"}


def _skipped(f: dict[str, Any], path: tuple) -> bool:
    if len(path) >= 2 and path[0] == III:
        flag = _SKIPS.get((path[1],))
        if flag and get(f, *flag) is True:
            return True
        if path[1] == "情報提供ネットワークシステムとの接続" and len(path) >= 3:
            node = sch.load().node_at("file", path[:2]) or {}
            risks = [n for n, sub in sch.properties(node) if sch.kind(sub) == "group"]
            both = get(f, *path[:2], "接続しない（入手）") is True and get(f, *path[:2], "接続しない（提供）") is True
            if both or path[2] in risks[:4] and get(f, *path[:2], "接続しない（入手）") is True:
                return True
            if path[2] in risks[4:7] and get(f, *path[:2], "接続しない（提供）") is True:
                return True
    if "再委託" in path and path[-1] in ("再委託の許諾方法", "再委託事項"):
        return True  # PIA203 decides
    return False


def _leaves(node: sch.Node, value: Any, path: tuple) -> Iterator[tuple[tuple, sch.Node, Any]]:
    kind = sch.kind(node)
    if kind in ("group", "choice") and "properties" in node:
        if not isinstance(value, dict):
            return
        unless = node.get("x-pia-details-unless")
        for k, sub in sch.properties(node):
            if k in _PIA_ONLY or (unless and k != "選択" and value.get("選択") == unless):
                continue
            yield from _leaves(sub, value.get(k), path + (k,))
    elif kind == "list":
        if isinstance(value, list) and isinstance(node.get("items"), dict) and "properties" in node["items"]:
            for i, v in enumerate(value):
                yield from _leaves(node["items"], v, path + (i,))
    elif kind in ("text", "date", "choice", "selected", "multi", "idlist", "strlist", "id", "flag"):
        yield path, node, value


@rule("PIA501", "記載が必要な項目が空欄", source="様式・記載要領（空欄にしない項目）", certainty=Certainty.INFERRED)
def not_empty(ctx: Context) -> Iterator[Finding]:
    """様式の項目は空欄にしない。該当がないときは、様式が認める項目に限り「—」と書く。空欄でよいのは、公表前の
    公表日・承認日、意見聴取前の主な意見の内容、区分により不要な第三者点検・承認、「委託しない」「提供・移転しない」
    「接続しない」としたときのリスク対策などに限る（様式、スキーマの x-pia-optional）。pia new の記載例の空欄も
    これで「未記入」と報告される。※は重要な変更の対象を示す印で、必須という意味ではない。"""
    root = sch.load()
    for key, name, doc in ctx.a.documents():
        if not isinstance(doc.data, dict):
            continue
        top = root.document(name)
        for k, sub in sch.properties(top):
            if k in _PIA_ONLY or k not in doc.data:
                continue
            for path, node, value in _leaves(sub, doc.data.get(k), (k,)):
                if node.get("x-pia-optional") or sch.kind(node) == "list":
                    continue
                if empty(value) and not (name == "file" and _skipped(doc.data, path)):
                    what = "選択してください" if sch.options(node) else "記載してください"
                    yield ctx.finding(key, path, f"「{sch.title(node)}」が未記入です。",
                                      f"{what}。" + ("該当がなければ「—」と書けます。" if sch.dash_allowed(node) else ""))


@rule("PIA502", "「—」を書けない項目に「—」と書いている", source="様式・記載要領（「—」を書ける項目）", certainty=Certainty.INFERRED)
def dash_only_where_allowed(ctx: Context) -> Iterator[Finding]:
    """「—」（記載事項なし）は、様式が認める項目（その他の措置の内容、変更の妥当性、備考など。スキーマの x-pia-dash）に限る。"""
    root = sch.load()
    for key, name, doc in ctx.a.documents():
        if not isinstance(doc.data, dict):
            continue
        for k, sub in sch.properties(root.document(name)):
            if k in _PIA_ONLY or k not in doc.data:
                continue
            for path, node, value in _leaves(sub, doc.data.get(k), (k,)):
                if is_dash(value) and not sch.dash_allowed(node) and not (name == "file" and _skipped(doc.data, path)):
                    yield ctx.finding(key, path, f"「{sch.title(node)}」は「—」とせず、内容を書く項目です。", "内容を記載してください。")


_FORMULA = re.compile(r"^\s*[=+@＝]|^-[^\s\-—]")
_KANGXI = re.compile(r"[\u2F00-\u2FDF\u2E80-\u2EFF\uF900-\uFAFF]")


def _strings(value: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, path + (i,))


@rule("PIA503", "表計算ソフトで数式と誤解される書き出し、又は康熙部首などの紛らわしい文字", WARNING, source="pia の安全上の決まり（表計算ソフトでの数式化、紛らわしい文字）", certainty=Certainty.PIA)
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
