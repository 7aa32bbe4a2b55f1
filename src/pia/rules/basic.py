"""I 基本情報 and the threshold decision (しきい値判断)."""
from __future__ import annotations

from typing import Iterator

from pia import schema as sch
from pia.findings import ERROR, WARNING, Finding
from pia.registry import Certainty
from pia.rules import Context, rule
from pia.rules._util import get, selected, ticked

II, III = "特定個人情報ファイルの概要", "特定個人情報ファイルの取扱いプロセスにおけるリスク対策"
TH_PATH = ("評価実施手続", "基礎項目評価", "しきい値判断結果")
NINZU_PATH = ("基本情報", "特定個人情報ファイルを取り扱う事務", "対象人数")


def _option_index(node_path: tuple[str, ...], value: object, schema_name: str = "assessment") -> int | None:
    node = sch.load().node_at(schema_name, node_path) or {}
    opts = sch.options(node)
    return opts.index(value) if isinstance(value, str) and value in opts else None


def _handlers_bounds(ctx: Context) -> tuple[int, int | None]:
    """Sum of lower and upper bounds of 使用者数 and 委託先における取扱者数 over all files (TH-3)."""
    bounds = [(0, 10), (10, 50), (50, 100), (100, 500), (500, 1000), (1000, None)]
    lo, hi = 0, 0
    use_path = (II, "特定個人情報の入手・使用", "使用の主体", "使用者数")
    use_opts = sch.options(sch.load().node_at("file", use_path) or {})
    out_opts = sch.options(sch.load().document("outsourcing")["properties"]["委託先における取扱者数"])
    values: list[tuple[list[str], object]] = []
    for _, f in ctx.a.files():
        values.append((use_opts, get(f, *use_path)))
        for it in get(f, II, "特定個人情報ファイルの取扱いの委託", "委託事項") or []:
            values.append((out_opts, get(it, "委託先における取扱者数")))
    for opts, v in values:
        if not isinstance(v, str) or v not in opts:
            return 0, None
        b = bounds[opts.index(v)]
        lo += b[0]
        hi = None if hi is None or b[1] is None else hi + b[1] - 1
    return lo, hi


@rule("PIA101", "しきい値判断結果が対象人数・取扱者数・重大事故から導かれる結果と一致しない", source="指針 第5の2（しきい値判断）", certainty=Certainty.SUMMARY)
def threshold(ctx: Context) -> Iterator[Finding]:
    """VI-1-②しきい値判断結果は、I-1-③対象人数、取扱者数（500人以上か）及び過去1年以内の特定個人情報に関する
    重大事故の有無から、特定個人情報保護評価指針 第5の2 の表のとおりに決まる（ppc-rules §2.2）。
    取扱者数と重大事故は評価書の項目ではないため、assessment.yaml の「しきい値判断の入力」に記録する。
    記録がないときは、使用者数と委託先における取扱者数の上下限（合計）、III-7 リスク1⑨（過去3年以内に重大事故
    発生なし ⇒ 過去1年以内もなし）から判断できる範囲で検査する。対象人数「1万人以上10万人未満」の区分の判断は
    出典が記憶に基づく（[R]）ため、その区分での不一致は警告とする。"""
    m = ctx.a.meta
    ninzu = _option_index(NINZU_PATH, get(m, *NINZU_PATH))
    result = get(m, *TH_PATH)
    results = sch.options(sch.load().node_at("assessment", TH_PATH) or {})
    if ninzu is None or result not in results:
        return
    inputs = get(m, "しきい値判断の入力") or {}
    many: bool | None = {"500人以上": True, "500人未満": False}.get(get(inputs, "取扱者数"))
    if many is None:
        lo, hi = _handlers_bounds(ctx)
        many = True if lo >= 500 else False if hi is not None and hi < 500 else None
    accident: bool | None = {"発生あり": True, "発生なし": False}.get(get(inputs, "特定個人情報に関する重大事故"))
    if accident is None:
        nines = [selected(get(f, III, "特定個人情報の保管・消去", "特定個人情報の漏えい・滅失・毀損リスク",
                              "過去3年以内に、評価実施機関において、個人情報に関する重大事故が発生したか")) for _, f in ctx.a.files()]
        if nines and all(n == "発生なし" for n in nines):
            accident = False
    escalate = None if many is None or accident is None else (many or accident)
    # results: 0 全項目, 1 重点, 2 基礎, 3 義務なし
    if ninzu == 0:
        expected = {3}
    elif ninzu == 1:
        expected = {2}
    elif ninzu == 2:
        expected = {2} if escalate is False else {1} if escalate else {1, 2}
    elif ninzu == 3:
        expected = {1} if escalate is False else {0} if escalate else {0, 1}
    else:
        expected = {0}
    got = results.index(result)
    if got not in expected:
        want = "」又は「".join(results[i] for i in sorted(expected))
        yield ctx.finding("assessment", TH_PATH,
                          f"しきい値判断結果「{result}」は、対象人数「{get(m, *NINZU_PATH)}」から導かれる結果「{want}」と一致しません。",
                          "対象人数、取扱者数、過去1年以内の重大事故の有無を確認し、しきい値判断結果を直してください。",
                          severity=WARNING if ninzu == 2 else ERROR)


@rule("PIA102", "しきい値判断の入力が評価書の記載と矛盾する", WARNING, source="指針 第5の2、様式（使用者数・委託先における取扱者数・III-7 リスク1⑨）", certainty=Certainty.INFERRED)
def threshold_inputs(ctx: Context) -> Iterator[Finding]:
    """「しきい値判断の入力」の取扱者数は、使用者数と委託先における取扱者数の合計の範囲と矛盾してはならない。
    また、過去1年以内に特定個人情報に関する重大事故が「発生あり」なら、III-7 リスク1⑨（過去3年以内の個人情報に
    関する重大事故）も「発生あり」のはずである（ppc-rules TH-2, TH-3。推論に基づくため警告）。"""
    inputs = get(ctx.a.meta, "しきい値判断の入力")
    if not isinstance(inputs, dict):
        return
    lo, hi = _handlers_bounds(ctx)
    n = get(inputs, "取扱者数")
    if n == "500人未満" and lo >= 500:
        yield ctx.finding("assessment", ("しきい値判断の入力", "取扱者数"),
                          f"取扱者数が500人未満とされていますが、使用者数と委託先における取扱者数の合計は少なくとも{lo}人です。",
                          "取扱者数か、各ファイルの使用者数・委託先における取扱者数を確認してください。")
    if n == "500人以上" and hi is not None and hi < 500:
        yield ctx.finding("assessment", ("しきい値判断の入力", "取扱者数"),
                          f"取扱者数が500人以上とされていますが、使用者数と委託先における取扱者数の合計は多くとも{hi}人です。",
                          "取扱者数か、各ファイルの使用者数・委託先における取扱者数を確認してください。")
    if get(inputs, "特定個人情報に関する重大事故") == "発生あり":
        for fid, f in ctx.a.files():
            p = (III, "特定個人情報の保管・消去", "特定個人情報の漏えい・滅失・毀損リスク",
                 "過去3年以内に、評価実施機関において、個人情報に関する重大事故が発生したか")
            if selected(get(f, *p)) == "発生なし":
                yield ctx.finding("file:" + fid, p, "過去1年以内に特定個人情報に関する重大事故があったとされていますが、ここでは過去3年以内に重大事故は「発生なし」です。",
                                  "どちらかの記載を直してください。")


@rule("PIA103", "I-1-③対象人数がファイルの対象となる本人の数より少ない", WARNING, source="様式（I-1-③ と II-2-②）", certainty=Certainty.INFERRED)
def persons_vs_files(ctx: Context) -> Iterator[Finding]:
    """I-1-③対象人数は、各ファイルの II-2-②対象となる本人の数の下限を下回らないはずである（ppc-rules TH-4。推論に基づくため警告）。
    二つの項目は区分の刻みが違う（1,000/1万/10万/30万 と 1万/10万/100万/1,000万）ため、下限の人数で比べる。"""
    lower_i = [0, 1000, 10_000, 100_000, 300_000]
    lower_ii = [0, 10_000, 100_000, 1_000_000, 10_000_000]
    i = _option_index(NINZU_PATH, get(ctx.a.meta, *NINZU_PATH))
    if i is None:
        return
    p = (II, "基本情報", "対象となる本人の数")
    for fid, f in ctx.a.files():
        j = _option_index(p, get(f, *p), "file")
        upper = lower_i[i + 1] if i + 1 < len(lower_i) else None  # the 事務's band holds fewer than this
        if j is not None and upper is not None and lower_ii[j] >= upper:
            yield ctx.finding("assessment", NINZU_PATH,
                              f"対象人数「{get(ctx.a.meta, *NINZU_PATH)}」が、{ctx.a.file_label(fid)}の対象となる本人の数「{get(f, *p)}」より少なくなっています。",
                              "対象人数か、ファイルの対象となる本人の数を確認してください。")


@rule("PIA104", "特定個人情報ファイル名（I-3）と files/ のファイルが対応しない", source="様式（I-3 と II・III の対応）、pia の評価書フォルダの構成", certainty=Certainty.PIA)
def file_references(ctx: Context) -> Iterator[Finding]:
    """I-3 特定個人情報ファイル名には、files/ にある各ファイル（files/ID.yaml）の ID を漏れなく、重複なく並べる。
    II・別添2・III は各ファイルの YAML にまとめて書くため、ファイルごとに II と III が一つずつ、同じ順・同じ名称で
    対応することはこの対応関係によって保証される（様式の I-3 と II・III の対応）。"""
    p = ("基本情報", "特定個人情報ファイル名")
    listed = get(ctx.a.meta, *p)
    if not isinstance(listed, list):
        return
    present = {k.split(":", 1)[1] for k in ctx.a.docs if k.startswith("file:")}
    seen: set[str] = set()
    for i, fid in enumerate(listed):
        if fid in seen:
            yield ctx.finding("assessment", p + (i,), f"ファイル「{fid}」が二度挙げられています。", "重複を削除してください。")
        elif fid not in present:
            yield ctx.finding("assessment", p + (i,), f"ファイル「{fid}」に対応する files/{fid}.yaml がありません。",
                              "ID の綴りを確認するか、files/ にファイルを作成してください。")
        seen.add(str(fid))
    for fid in sorted(present - seen):
        yield ctx.finding("assessment", p, f"files/{fid}.yaml が I-3 特定個人情報ファイル名に挙げられていません。",
                          f"「- {fid}」を追加してください。")


@rule("PIA105", "情報提供ネットワークシステムによる情報連携の有無と III-6 が矛盾する", WARNING, source="様式（I-6 と III-6）", certainty=Certainty.INFERRED)
def network_consistency(ctx: Context) -> Iterator[Finding]:
    """I-6 ①実施の有無が「実施しない」なら、すべてのファイルの III-6 は「接続しない（入手）」「接続しない（提供）」の
    両方に○が付く。「実施する」なら、少なくとも一つのファイルが接続する（様式の構成からの推論のため警告）。"""
    p = ("基本情報", "情報提供ネットワークシステムによる情報連携", "実施の有無")
    v = get(ctx.a.meta, *p)
    files = ctx.a.files()
    if not files or v not in ("実施する", "実施しない"):
        return
    connected = [fid for fid, f in files
                 if not (get(f, III, "情報提供ネットワークシステムとの接続", "接続しない（入手）") is True
                         and get(f, III, "情報提供ネットワークシステムとの接続", "接続しない（提供）") is True)]
    if v == "実施しない" and connected:
        yield ctx.finding("assessment", p, f"情報連携を「実施しない」としていますが、{ctx.a.file_label(connected[0])}は情報提供ネットワークシステムに接続しています。",
                          "I-6 か、III-6 の「接続しない」の記載を確認してください。")
    if v == "実施する" and not connected:
        yield ctx.finding("assessment", p, "情報連携を「実施する」としていますが、どのファイルも情報提供ネットワークシステムに接続していません。",
                          "I-6 か、III-6 の「接続しない」の記載を確認してください。")


@rule("PIA106", "「その他」などに○を付けたのに括弧内が空", source="様式（括弧付きの選択肢）", certainty=Certainty.INFERRED)
def other_text(ctx: Context) -> Iterator[Finding]:
    """複数選択の項目で、括弧（ ）付きの選択肢（その他（ ）、評価実施機関内の他部署（ ）など）に○を付けたときは、
    括弧内の内容を書く（様式）。「提供を行っている（ ）件」のような件数は PIA201 が検査する。"""
    root = sch.load()
    for key, name, doc in ctx.a.documents():
        yield from _walk_multi(ctx, key, name, root.document(name), doc.data, ())


def _walk_multi(ctx: Context, key: str, name: str, node: sch.Node, value: object, path: tuple) -> Iterator[Finding]:
    kind = sch.kind(node)
    if kind == "multi":
        for i, entry in enumerate(value if isinstance(value, list) else []):
            opt, text = (entry, None) if isinstance(entry, str) else next(iter(entry.items())) if isinstance(entry, dict) and len(entry) == 1 else (None, None)
            props = node["items"]["anyOf"][1]["properties"] if len(node["items"]["anyOf"]) > 1 else {}
            if opt in props and "string" in props[opt].get("type", []) and (text is None or str(text).strip() == ""):
                yield ctx.finding(key, path + (i,), f"「{opt}」に○を付けていますが、括弧内の内容が書かれていません。",
                                  f"「- {opt}: 内容」の形で括弧内の内容を書いてください。")
        return
    if isinstance(value, dict):
        for k, sub in sch.properties(node):
            if k in value:
                yield from _walk_multi(ctx, key, name, sub, value[k], path + (k,))
    elif isinstance(value, list) and isinstance(node.get("items"), dict) and "properties" in node["items"]:
        for i, v in enumerate(value):
            yield from _walk_multi(ctx, key, name, node["items"], v, path + (i,))
