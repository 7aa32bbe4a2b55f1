"""II 特定個人情報ファイルの概要 and III リスク対策: counts, conditional items, references inside a file."""
from __future__ import annotations

from typing import Any, Iterator

from pia import schema as sch
from pia.findings import WARNING, Finding
from pia.registry import Certainty
from pia.rules import Context, rule
from pia.rules._util import blank, get, items, selected, ticked

II, III, B2 = "特定個人情報ファイルの概要", "特定個人情報ファイルの取扱いプロセスにおけるリスク対策", "特定個人情報ファイル記録項目"
ITAKU = (II, "特定個人情報ファイルの取扱いの委託")
TEIKYO = (II, "特定個人情報の提供・移転")
NW = (III, "情報提供ネットワークシステムとの接続")
NWS = "情報提供ネットワークシステム"


def _files(ctx: Context) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for fid, f in ctx.a.files():
        yield "file:" + fid, fid, f


@rule("PIA201", "提供・移転の件数と提供先・移転先の数が一致しない", source="様式（II-5 提供・移転の有無）", certainty=Certainty.INFERRED)
def provision_counts(ctx: Context) -> Iterator[Finding]:
    """II-5 提供・移転の有無で「提供を行っている（N）件」「移転を行っている（M）件」に○を付けたら、N・M は
    列挙した提供先・移転先の数と一致し、件数を空欄にしない。「行っていない」なら提供先・移転先を書かない（様式）。"""
    for key, fid, f in _files(ctx):
        boxes = ticked(get(f, *TEIKYO, "提供・移転の有無"))
        p = TEIKYO + ("提供・移転の有無",)
        if not boxes:
            continue  # not filled in yet: PIA501 reports it
        for box, listkey in (("提供を行っている", "提供先"), ("移転を行っている", "移転先")):
            listed = len(items(get(f, *TEIKYO, listkey)))
            if box in boxes:
                n = boxes[box]
                entries = items(get(f, *p))
                at = p + (next(i for i, e in enumerate(entries) if e == box or isinstance(e, dict) and box in e),)
                if n is None:
                    yield ctx.finding(key, at, f"「{box}（ ）件」の件数が空欄です（{listkey}は{listed}件書かれています）。",
                                      f"「- {box}: {listed}」のように件数を書いてください。")
                elif n != listed:
                    yield ctx.finding(key, at, f"「{box}（{n}）件」としていますが、{listkey}は{listed}件書かれています。",
                                      f"件数を{listed}に直すか、{listkey}の一覧を確認してください。")
            elif listed:
                yield ctx.finding(key, p, f"{listkey}が{listed}件書かれていますが、「{box}」に○が付いていません。",
                                  f"「- {box}: {listed}」を追加してください。")
        if "行っていない" in boxes and len(boxes) > 1:
            yield ctx.finding(key, p, "「行っていない」と、提供・移転を行っている旨の両方に○が付いています。", "どちらか一方にしてください。")


@rule("PIA202", "委託の有無・件数と委託事項が一致しない", source="様式（II-4 と III-4）", certainty=Certainty.INFERRED)
def outsourcing_counts(ctx: Context) -> Iterator[Finding]:
    """II-4 委託の有無が「委託する」なら、（N）件は列挙した委託事項の数と一致し、1件以上ある。「委託しない」なら
    委託事項を書かず、III-4 の「委託しない」に○を付ける。「委託する」なら III-4 の「委託しない」に○を付けない（様式）。"""
    for key, fid, f in _files(ctx):
        v = get(f, *ITAKU, "委託の有無")
        choice, n = selected(v), get(v, "件数")
        listed = len(items(get(f, *ITAKU, "委託事項")))
        p = ITAKU + ("委託の有無",)
        flag = get(f, III, "特定個人情報ファイルの取扱いの委託", "委託しない")
        if choice == "委託する":
            if n != listed:
                yield ctx.finding(key, p, f"委託件数が（{n if n is not None else ' '}）件ですが、委託事項は{listed}件書かれています。",
                                  f"件数を{listed}にするか、委託事項の一覧を確認してください。")
            if listed == 0:
                yield ctx.finding(key, p, "「委託する」としていますが、委託事項が一つも書かれていません。", "委託事項を書いてください。")
            if flag is True:
                yield ctx.finding(key, (III, "特定個人情報ファイルの取扱いの委託", "委託しない"),
                                  "II-4 で「委託する」としていますが、III-4 の「委託しない」に○が付いています。", "III-4 の「委託しない」を false にしてください。")
        elif choice == "委託しない":
            if listed:
                yield ctx.finding(key, p, f"「委託しない」としていますが、委託事項が{listed}件書かれています。", "委託事項を削除するか、委託の有無を直してください。")
            if flag is not True:
                yield ctx.finding(key, (III, "特定個人情報ファイルの取扱いの委託", "委託しない"),
                                  "II-4 で「委託しない」としていますが、III-4 の「委託しない」に○が付いていません。", "III-4 の「委託しない」を true にしてください。")


@rule("PIA203", "再委託の有無と再委託の許諾方法・再委託事項が矛盾する", source="様式（II-4 ⑦〜⑨）", certainty=Certainty.INFERRED)
def subcontracting(ctx: Context) -> Iterator[Finding]:
    """委託事項ごとに、⑦再委託の有無が「再委託しない」なら ⑧再委託の許諾方法と ⑨再委託事項は空欄（又は「—」）、
    「再委託する」なら両方を書く（様式）。"""
    for key, fid, f in _files(ctx):
        for i, it in enumerate(items(get(f, *ITAKU, "委託事項"))):
            base = ITAKU + ("委託事項", i, "再委託")
            v = get(it, "再委託", "再委託の有無")
            for sub in ("再委託の許諾方法", "再委託事項"):
                val = get(it, "再委託", sub)
                if v == "再委託しない" and not blank(val):
                    yield ctx.finding(key, base + (sub,), f"「再委託しない」としていますが、{sub}が書かれています。", f"{sub}を「—」にするか、再委託の有無を直してください。")
                if v == "再委託する" and blank(val):
                    yield ctx.finding(key, base + (sub,), f"「再委託する」としていますが、{sub}が書かれていません。", f"{sub}を書いてください。")


@rule("PIA204", "III-4 再委託先の取扱いの確保と各委託事項の再委託の有無が矛盾する", WARNING, source="様式（II-4 と III-4）", certainty=Certainty.INFERRED)
def subcontracting_iii(ctx: Context) -> Iterator[Finding]:
    """III-4「再委託先による特定個人情報ファイルの適切な取扱いの確保」で「再委託していない」を選ぶのは、すべての
    委託事項が「再委託しない」ときに限る。その逆も同じ（様式の構成からの推論のため警告）。"""
    p = (III, "特定個人情報ファイルの取扱いの委託", "再委託先による特定個人情報ファイルの適切な取扱いの確保")
    for key, fid, f in _files(ctx):
        its = items(get(f, *ITAKU, "委託事項"))
        if not its or get(f, III, "特定個人情報ファイルの取扱いの委託", "委託しない") is True:
            continue
        none = all(get(it, "再委託", "再委託の有無") == "再委託しない" for it in its)
        v = selected(get(f, *p))
        opts = sch.options(sch.load().node_at("file", p) or {})
        if v is None or v not in opts:
            continue
        if (v == opts[-1]) != none:
            yield ctx.finding(key, p, f"「{v}」としていますが、委託事項の再委託の有無と合いません。",
                              "再委託をしない場合に限り最後の選択肢を選んでください。")


_RANGES = [(0, 9), (10, 49), (50, 99), (100, None)]


@rule("PIA205", "④記録される項目の区分と別添2の記録項目数が合わない", WARNING, source="様式（II-2 ④ と別添2）", certainty=Certainty.INFERRED)
def record_count(ctx: Context) -> Iterator[Finding]:
    """II-2 ④記録される項目の区分（10項目未満 … 100項目以上）は、別添2 に列挙した記録項目の数と合うはずである。
    別添2 は項目をまとめて書くことがあるため、警告とする（ppc-rules X-REC）。"""
    p = (II, "基本情報", "記録される項目")
    opts = sch.options(sch.load().node_at("file", p) or {})
    for key, fid, f in _files(ctx):
        v = get(f, *p)
        if v not in opts:
            continue
        n = sum(len(items(get(g, "項目"))) for g in items(get(f, B2, "記録項目")))
        lo, hi = _RANGES[opts.index(v)]
        if n < lo or (hi is not None and n > hi):
            yield ctx.finding(key, p, f"記録される項目を「{v}」としていますが、別添2 の記録項目は{n}項目です。",
                              "区分を直すか、別添2 の記録項目を確認してください（項目をまとめて書いている場合は理由を添えて抑止できます）。")


def _risk_blocks(f: dict[str, Any], side: str) -> list[tuple[str, Any]]:
    node = sch.load().node_at("file", NW) or {}
    names = [k for k, v in sch.properties(node) if sch.kind(v) == "group"]
    chosen = names[:4] if side == "入手" else names[4:7]
    return [(n, get(f, *NW, n)) for n in chosen]


@rule("PIA206", "「接続しない」とリスク対策の記載が矛盾する", source="様式（III-6）", certainty=Certainty.INFERRED)
def network_risks(ctx: Context) -> Iterator[Finding]:
    """III-6 で「接続しない（入手）」に○を付けたらリスク1〜4 は空欄、付けないならリスク1〜4 を書く。
    「接続しない（提供）」とリスク5〜7 も同じ（様式）。"""
    for key, fid, f in _files(ctx):
        for side in ("入手", "提供"):
            flag = get(f, *NW, f"接続しない（{side}）")
            if flag is None:
                continue  # not filled in yet: PIA501 reports it
            off = flag is True
            for name, block in _risk_blocks(f, side):
                filled = isinstance(block, dict) and any(not blank(v) for v in block.values())
                if off and filled:
                    yield ctx.finding(key, NW + (name,), f"「接続しない（{side}）」に○が付いていますが、このリスクの対策が書かれています。",
                                      "接続しないなら対策を削除し、接続するなら「接続しない」を false にしてください。")
                if not off and not (isinstance(block, dict) and all(not blank(v) for v in block.values())):
                    yield ctx.finding(key, NW + (name,), f"情報提供ネットワークシステムと接続する（{side}）場合は、このリスクの対策を書きます。",
                                      f"対策を書くか、接続しないなら「接続しない（{side}）」を true にしてください。")


@rule("PIA207", "「接続しない」と入手方法・提供方法が矛盾する", WARNING, source="様式（II-3 ②、II-5 ⑥ と III-6）", certainty=Certainty.INFERRED)
def network_methods(ctx: Context) -> Iterator[Finding]:
    """III-6「接続しない（入手）」は、II-3 ②入手方法に情報提供ネットワークシステムがないときに限る。「接続しない（提供）」は、
    どの提供先の⑥提供方法にも情報提供ネットワークシステムがないときに限る（様式の構成からの推論のため警告）。"""
    for key, fid, f in _files(ctx):
        gets = NWS in ticked(get(f, II, "特定個人情報の入手・使用", "入手方法"))
        gives = [i for i, t in enumerate(items(get(f, *TEIKYO, "提供先"))) if NWS in ticked(get(t, "提供方法"))]
        for side, uses in (("入手", gets), ("提供", bool(gives))):
            off = get(f, *NW, f"接続しない（{side}）")
            if off is True and uses:
                yield ctx.finding(key, NW + (f"接続しない（{side}）",), f"「接続しない（{side}）」としていますが、{'入手方法' if side == '入手' else '提供先の提供方法'}に情報提供ネットワークシステムがあります。",
                                  "どちらかの記載を直してください。")
            if off is False and not uses:
                yield ctx.finding(key, NW + (f"接続しない（{side}）",), f"情報提供ネットワークシステムに接続する（{side}）としていますが、{'入手方法' if side == '入手' else '提供先の提供方法'}に情報提供ネットワークシステムがありません。",
                                  "どちらかの記載を直してください。")


@rule("PIA208", "III-5「提供・移転しない」と提供先・移転先が矛盾する", WARNING, source="様式（III-5）", certainty=Certainty.INFERRED)
def provision_iii(ctx: Context) -> Iterator[Finding]:
    """III-5 は委託と情報提供ネットワークシステムを通じた提供を除く提供・移転のリスクを扱う。「提供・移転しない」に○を
    付けるのは、移転先がなく、提供先がすべて情報提供ネットワークシステムだけを通じた提供であるときに限る（推論のため警告）。"""
    for key, fid, f in _files(ctx):
        flag = get(f, III, "特定個人情報の提供・移転", "提供・移転しない")
        others = [t for t in items(get(f, *TEIKYO, "提供先")) if set(ticked(get(t, "提供方法"))) - {NWS}]
        has = bool(others) or bool(items(get(f, *TEIKYO, "移転先")))
        if flag is True and has:
            yield ctx.finding(key, (III, "特定個人情報の提供・移転", "提供・移転しない"),
                              "「提供・移転しない」に○が付いていますが、情報提供ネットワークシステム以外による提供先又は移転先があります。",
                              "III-5 のリスク対策を書き、「提供・移転しない」を false にしてください。")
        if flag is False and not has:
            yield ctx.finding(key, (III, "特定個人情報の提供・移転", "提供・移転しない"),
                              "III-5 の対象となる提供・移転がないのに「提供・移転しない」に○が付いていません。",
                              "「提供・移転しない」を true にしてください。")


@rule("PIA209", "選択した内容に必要な「具体的な…」が書かれていない", source="様式（「具体的な…」を伴う選択項目）", certainty=Certainty.INFERRED)
def details_given(ctx: Context) -> Iterator[Finding]:
    """「行っている」「定めている」「記録を残している」「発生あり」「保管している」「有料」などを選んだ項目には、
    続く「具体的な…」「その内容」「手数料額、納付方法」などを書く。否定の選択肢（スキーマの x-pia-details-unless）を
    選んだときは不要（様式、ppc-rules X-ACC, X-DEAD, X-ERASE, X-RISK-SEL, X-FEE, X-FILEBOOK）。"""
    root = sch.load()
    for key, name, doc in ctx.a.documents():
        yield from _details(ctx, key, root.document(name), doc.data, ())


def _details(ctx: Context, key: str, node: sch.Node, value: Any, path: tuple) -> Iterator[Finding]:
    unless = node.get("x-pia-details-unless")
    if unless and isinstance(value, dict):
        v = value.get("選択")
        if v is not None and v != unless:
            for k, _ in sch.details(node):
                if blank(value.get(k)):
                    yield ctx.finding(key, path + (k,), f"「{v}」を選んだときは「{k}」を書きます。", f"「{k}」を書いてください。")
        return
    if isinstance(value, dict):
        for k, sub in sch.properties(node):
            if k in value:
                yield from _details(ctx, key, sub, value[k], path + (k,))
    elif isinstance(value, list) and isinstance(node.get("items"), dict) and "properties" in node["items"]:
        for i, v in enumerate(value):
            yield from _details(ctx, key, node["items"], v, path + (i,))


_HONNIN = (II, "基本情報", "対象となる本人の数")


@rule("PIA210", "委託先・提供先の対象となる本人の数がファイルの本人の数を超える", WARNING, source="様式（II-2 ②、II-4、II-5 の対象となる本人の数）", certainty=Certainty.INFERRED)
def persons_bounds(ctx: Context) -> Iterator[Finding]:
    """委託事項の「対象となる本人の数」と提供先の「④提供する情報の対象となる本人の数」は、ファイルの II-2 ②対象となる
    本人の数を超えない（同じ区分の刻み。推論のため警告）。"""
    opts = sch.options(sch.load().node_at("file", _HONNIN) or {})
    for key, fid, f in _files(ctx):
        whole = get(f, *_HONNIN)
        if whole not in opts:
            continue
        limit = opts.index(whole)
        for listpath, field in ((ITAKU + ("委託事項",), "対象となる本人の数"), (TEIKYO + ("提供先",), "提供する情報の対象となる本人の数"),
                                (TEIKYO + ("移転先",), "移転する情報の対象となる本人の数")):
            for i, it in enumerate(items(get(f, *listpath))):
                v = get(it, field)
                if v in opts and opts.index(v) > limit:
                    yield ctx.finding(key, listpath + (i, field), f"「{v}」は、このファイルの対象となる本人の数「{whole}」を超えています。",
                                      "どちらかの区分を確認してください。")


@rule("PIA211", "ID が重複している", source="pia の記載方法（id による同一性）", certainty=Certainty.PIA)
def unique_ids(ctx: Context) -> Iterator[Finding]:
    """システム、委託事項、提供先、移転先の id は、それぞれの一覧の中で重複しない。id は変更履歴（別添3）で同じ
    提供先などを見分けるために使う。番号（提供先n など）は並び順から決まるため書かない。"""
    lists: list[tuple[str, tuple]] = [("systems", ("システム",))]
    for key, fid, f in _files(ctx):
        lists += [(key, ITAKU + ("委託事項",)), (key, TEIKYO + ("提供先",)), (key, TEIKYO + ("移転先",))]
    for key, path in lists:
        doc = ctx.a.docs.get(key)
        seen: dict[str, int] = {}
        for i, it in enumerate(items(get(doc.data if doc else None, *path))):
            ident = get(it, "id")
            if isinstance(ident, str):
                if ident in seen:
                    yield ctx.finding(key, path + (i, "id"), f"id「{ident}」が{seen[ident] + 1}件目と重複しています。", "別の id にしてください。")
                seen.setdefault(ident, i)
