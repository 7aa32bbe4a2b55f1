"""II 特定個人情報ファイルの概要 and III リスク対策: counts, conditional items, references inside a file."""
from __future__ import annotations

from typing import Any, Iterator

from pia.form import schema as sch
from pia.base.findings import WARNING, Finding
from pia.form.items import Item, each, entry_of, item
from pia.base.registry import Certainty
from pia.analysis.rules import Context, rule
from pia.document.values import blank, ticked
from pia.form.walk import values

PROVISION = item("II-5-提供・移転の有無")
OUTSOURCED = item("II-4-委託の有無")
OUTSOURCING = item("II-4-委託事項")
NO_OUTSOURCING = item("III-4-委託しない")
SUBCONTRACT = item("II-4-委託事項-再委託-⑦")
SUBCONTRACT_DETAILS = (item("II-4-委託事項-再委託-⑧"), item("II-4-委託事項-再委託-⑨"))
SUBCONTRACTORS_III = item("III-4-再委託先による特定個人情報ファイルの適切な取扱いの確保")
RECORDED = item("II-2-④")
RECORDS = item("別添2-記録項目")
RECORD_ITEMS = item("別添2-記録項目-項目")
RECIPIENTS, TRANSFEREES = item("II-5-提供先"), item("II-5-移転先")
RECIPIENT_METHOD = item("II-5-提供先-⑥")
OBTAIN_METHOD = item("II-3-②")
NO_NETWORK = {"in": item("III-6-接続しない（入手）"), "out": item("III-6-接続しない（提供）")}
NO_PROVISION = item("III-5-提供・移転しない")
FILE_PERSONS = item("II-2-②")
PERSONS_IN_LISTS = ((OUTSOURCING, item("II-4-委託事項-対象となる本人の数")), (RECIPIENTS, item("II-5-提供先-④")),
                    (TRANSFEREES, item("II-5-移転先-④")))
ID_LISTS = (item("I-システム"), OUTSOURCING, RECIPIENTS, TRANSFEREES)


def _files(ctx: Context) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for fid, f in ctx.a.files():
        yield "file:" + fid, fid, f


@rule("PIA201", "提供・移転の件数と提供先・移転先の数が一致しない", source="様式（II-5 提供・移転の有無）", certainty=Certainty.INFERRED)
def provision_counts(ctx: Context) -> Iterator[Finding]:
    """II-5 提供・移転の有無で「提供を行っている（N）件」「移転を行っている（M）件」に○を付けたら、N・M は
    列挙した提供先・移転先の数と一致し、件数を空欄にしない。「行っていない」なら提供先・移転先を書かない（様式）。"""
    none = PROVISION.option("none")
    p = PROVISION.at()
    for key, fid, f in _files(ctx):
        boxes = ticked(PROVISION.get(f))
        if not boxes:
            continue  # not filled in yet: PIA501 reports it
        for box, lst in PROVISION.counted().items():
            listed = len(each(lst.get(f)))
            name = lst.title
            if box in boxes:
                n = boxes[box]
                at = p + (entry_of(PROVISION.get(f), box),)
                if n is None:
                    yield ctx.finding(key, at, f"「{box}」の件数が空欄です（{name}は{listed}件書かれています）。",
                                      f"「- {box}: {listed}」のように件数を書いてください。")
                elif n != listed:
                    yield ctx.finding(key, at, f"「{box}」の件数を{n}件としていますが、{name}は{listed}件書かれています。",
                                      f"件数を{listed}に直すか、{name}の一覧を確認してください。")
            elif listed:
                yield ctx.finding(key, p, f"{name}が{listed}件書かれていますが、「{box}」に○が付いていません。",
                                  f"「- {box}: {listed}」を追加してください。")
        if none in boxes and len(boxes) > 1:
            yield ctx.finding(key, p, f"「{none}」と、提供・移転を行っている旨の両方に○が付いています。", "どちらか一方にしてください。")


@rule("PIA202", "委託の有無・件数と委託事項が一致しない", source="様式（II-4 と III-4）", certainty=Certainty.INFERRED)
def outsourcing_counts(ctx: Context) -> Iterator[Finding]:
    """II-4 委託の有無が「委託する」なら、（N）件は列挙した委託事項の数と一致し、1件以上ある。「委託しない」なら
    委託事項を書かず、III-4 の「委託しない」に○を付ける。「委託する」なら III-4 の「委託しない」に○を付けない（様式）。"""
    p, flag_at = OUTSOURCED.at(), NO_OUTSOURCING.at()
    flag_title = NO_OUTSOURCING.title
    for key, fid, f in _files(ctx):
        v = OUTSOURCED.get(f)
        said = sch.selected(v)
        n = v.get(sch.COUNT) if isinstance(v, dict) else None
        listed = len(each(OUTSOURCING.get(f)))
        flag = NO_OUTSOURCING.get(f)
        meaning = OUTSOURCED.meaning(v)
        if meaning == "yes":
            if n != listed:
                yield ctx.finding(key, p, (f"委託の件数を{n}件としていますが、委託事項は{listed}件書かれています。" if n is not None else
                                   f"委託の件数が空欄です（委託事項は{listed}件書かれています）。"),
                                  f"件数を{listed}にするか、委託事項の一覧を確認してください。")
            if listed == 0:
                yield ctx.finding(key, p, f"「{said}」としていますが、委託事項が一つも書かれていません。", "委託事項を書いてください。")
            if flag is True:
                yield ctx.finding(key, flag_at, f"II-4 で「{said}」としていますが、III-4 の「{flag_title}」に○が付いています。",
                                  f"III-4 の「{flag_title}」を false にしてください。")
        elif meaning == "no":
            if listed:
                yield ctx.finding(key, p, f"「{said}」としていますが、委託事項が{listed}件書かれています。", "委託事項を削除するか、委託の有無を直してください。")
            if flag is not True:
                yield ctx.finding(key, flag_at, f"II-4 で「{said}」としていますが、III-4 の「{flag_title}」に○が付いていません。",
                                  f"III-4 の「{flag_title}」を true にしてください。")


@rule("PIA203", "再委託の有無と再委託の許諾方法・再委託事項が矛盾する", source="様式（II-4 ⑦〜⑨）", certainty=Certainty.INFERRED)
def subcontracting(ctx: Context) -> Iterator[Finding]:
    """委託事項ごとに、⑦再委託の有無が「再委託しない」なら ⑧再委託の許諾方法と ⑨再委託事項は空欄（又は「—」）、
    「再委託する」なら両方を書く（様式）。"""
    for key, fid, f in _files(ctx):
        for i, it in enumerate(each(OUTSOURCING.get(f))):
            v = SUBCONTRACT.of(it, OUTSOURCING)
            meaning = SUBCONTRACT.meaning(v)
            for sub in SUBCONTRACT_DETAILS:
                val = sub.of(it, OUTSOURCING)
                name = sub.title
                if meaning == "no" and not blank(val):
                    yield ctx.finding(key, sub.at(i), f"「{v}」としていますが、{name}が書かれています。", f"{name}を「—」にするか、再委託の有無を直してください。")
                if meaning == "yes" and blank(val):
                    yield ctx.finding(key, sub.at(i), f"「{v}」としていますが、{name}が書かれていません。", f"{name}を書いてください。")


@rule("PIA204", "III-4 再委託先の取扱いの確保と各委託事項の再委託の有無が矛盾する", WARNING,
      source="様式（II-4 と III-4）", certainty=Certainty.INFERRED)
def subcontracting_iii(ctx: Context) -> Iterator[Finding]:
    """III-4「再委託先による特定個人情報ファイルの適切な取扱いの確保」で「再委託していない」を選ぶのは、すべての
    委託事項が「再委託しない」ときに限る。その逆も同じ（様式の構成からの推論のため警告）。"""
    for key, fid, f in _files(ctx):
        its = each(OUTSOURCING.get(f))
        if not its or NO_OUTSOURCING.get(f) is True:
            continue
        none = all(SUBCONTRACT.meaning(SUBCONTRACT.of(it, OUTSOURCING)) == "no" for it in its)
        v = SUBCONTRACTORS_III.get(f)
        meaning = SUBCONTRACTORS_III.meaning(v)
        if meaning is None:
            continue
        if (meaning == "n/a") != none:
            yield ctx.finding(key, SUBCONTRACTORS_III.at(), f"「{sch.selected(v)}」としていますが、委託事項の再委託の有無と合いません。",
                              f"再委託をしない場合に限り「{SUBCONTRACTORS_III.option('n/a')}」を選んでください。")


@rule("PIA205", "④記録される項目の区分と別添2の記録項目数が合わない", WARNING,
      source="様式（II-2 ④ と別添2）", certainty=Certainty.INFERRED)
def record_count(ctx: Context) -> Iterator[Finding]:
    """II-2 ④記録される項目の区分（10項目未満 … 100項目以上）は、別添2 に列挙した記録項目の数と合うはずである。
    別添2 は項目をまとめて書くことがあるため、警告とする（ppc-rules X-REC）。"""
    for key, fid, f in _files(ctx):
        v = RECORDED.get(f)
        b = RECORDED.bounds(v)
        if b is None:
            continue
        n = sum(len(each(RECORD_ITEMS.of(g, RECORDS))) for g in each(RECORDS.get(f)))
        if n < b[0] or (b[1] is not None and n > b[1]):
            yield ctx.finding(key, RECORDED.at(), f"記録される項目を「{v}」としていますが、別添2 の記録項目は{n}項目です。",
                              "区分を直すか、別添2 の記録項目を確認してください（項目をまとめて書いている場合は理由を添えて抑止できます）。")


def off_when(node: sch.Node) -> Item | None:
    """The flag that makes a part of III not applicable (「接続しない（入手）」 for III-6 リスク1〜4, …)."""
    code = node.get("x-pia-off-when")
    return item(code) if isinstance(code, str) else None


@rule("PIA206", "「接続しない」とリスク対策の記載が矛盾する", source="様式（III-6）", certainty=Certainty.INFERRED)
def network_risks(ctx: Context) -> Iterator[Finding]:
    """III-6 で「接続しない（入手）」に○を付けたらリスク1〜4 は空欄、付けないならリスク1〜4 を書く。
    「接続しない（提供）」とリスク5〜7 も同じ（様式、スキーマの x-pia-off-when）。"""
    flags = set(NO_NETWORK.values())
    for key, fid, f in _files(ctx):
        for path, node, block in values(sch.load().document("file"), f):
            flag = off_when(node)
            if flag not in flags:
                continue
            said = flag.get(f)
            if said is None:
                continue  # not filled in yet: PIA501 reports it
            filled = isinstance(block, dict) and any(not blank(v) for v in block.values())
            if said is True and filled:
                yield ctx.finding(key, path, f"「{flag.title}」に○が付いていますが、このリスクの対策が書かれています。",
                                  "接続しないなら対策を削除し、接続するなら「接続しない」を false にしてください。")
            if said is not True and not (isinstance(block, dict) and all(not blank(v) for v in block.values())):
                yield ctx.finding(key, path, f"情報提供ネットワークシステムと接続する場合は、このリスクの対策を書きます（「{flag.title}」に○なし）。",
                                  f"対策を書くか、接続しないなら「{flag.title}」を true にしてください。")


@rule("PIA207", "「接続しない」と入手方法・提供方法が矛盾する", WARNING,
      source="様式（II-3 ②、II-5 ⑥ と III-6）", certainty=Certainty.INFERRED)
def network_methods(ctx: Context) -> Iterator[Finding]:
    """III-6「接続しない（入手）」は、II-3 ②入手方法に情報提供ネットワークシステムがないときに限る。「接続しない（提供）」は、
    どの提供先の⑥提供方法にも情報提供ネットワークシステムがないときに限る（様式の構成からの推論のため警告）。"""
    nw_in, nw_out = OBTAIN_METHOD.option("network"), RECIPIENT_METHOD.option("network")
    for key, fid, f in _files(ctx):
        gets = nw_in in ticked(OBTAIN_METHOD.get(f))
        gives = any(nw_out in ticked(RECIPIENT_METHOD.of(t, RECIPIENTS)) for t in each(RECIPIENTS.get(f)))
        for side, uses, where in (("in", gets, OBTAIN_METHOD.title), ("out", gives, "提供先の" + RECIPIENT_METHOD.title)):
            flag = NO_NETWORK[side]
            off = flag.get(f)
            if off is True and uses:
                yield ctx.finding(key, flag.at(), f"「{flag.title}」としていますが、{where}に{nw_in}があります。", "どちらかの記載を直してください。")
            if off is False and not uses:
                yield ctx.finding(key, flag.at(), f"「{flag.title}」に○がなく接続するとしていますが、{where}に{nw_in}がありません。",
                                  "どちらかの記載を直してください。")


@rule("PIA208", "III-5「提供・移転しない」と提供先・移転先が矛盾する", WARNING, source="様式（III-5）", certainty=Certainty.INFERRED)
def provision_iii(ctx: Context) -> Iterator[Finding]:
    """III-5 は委託と情報提供ネットワークシステムを通じた提供を除く提供・移転のリスクを扱う。「提供・移転しない」に○を
    付けるのは、移転先がなく、提供先がすべて情報提供ネットワークシステムだけを通じた提供であるときに限る（推論のため警告）。"""
    nw = RECIPIENT_METHOD.option("network")
    for key, fid, f in _files(ctx):
        flag = NO_PROVISION.get(f)
        others = [t for t in each(RECIPIENTS.get(f)) if set(ticked(RECIPIENT_METHOD.of(t, RECIPIENTS))) - {nw}]
        has = bool(others) or bool(each(TRANSFEREES.get(f)))
        name = NO_PROVISION.title
        if flag is True and has:
            yield ctx.finding(key, NO_PROVISION.at(), f"「{name}」に○が付いていますが、{nw}以外による提供先又は移転先があります。",
                              f"III-5 のリスク対策を書き、「{name}」を false にしてください。")
        if flag is False and not has:
            yield ctx.finding(key, NO_PROVISION.at(), f"III-5 の対象となる提供・移転がないのに「{name}」に○が付いていません。",
                              f"「{name}」を true にしてください。")


@rule("PIA209", "選択した内容に必要な「具体的な…」が書かれていない",
      source="様式（「具体的な…」を伴う選択項目）", certainty=Certainty.INFERRED)
def details_given(ctx: Context) -> Iterator[Finding]:
    """「行っている」「定めている」「記録を残している」「発生あり」「保管している」「有料」などを選んだ項目には、
    続く「具体的な…」「その内容」「手数料額、納付方法」などを書く。否定の選択肢（スキーマの x-pia-details-unless）を
    選んだときは不要（様式、ppc-rules X-ACC, X-DEAD, X-ERASE, X-RISK-SEL, X-FEE, X-FILEBOOK）。"""
    root = sch.load()
    for key, name, doc in ctx.a.documents():
        for path, node, value in values(root.document(name), doc.data):
            unless = node.get("x-pia-details-unless")
            if not unless or not isinstance(value, dict):
                continue
            v = value.get(sch.SELECTED)
            if v is not None and v != unless:
                for k, sub in sch.details(node):
                    if blank(value.get(k)):
                        yield ctx.finding(key, path + (k,), f"「{v}」を選んだときは「{k}」を書きます。", f"「{k}」を書いてください。")


@rule("PIA210", "委託先・提供先の対象となる本人の数がファイルの本人の数を超える", WARNING,
      source="様式（II-2 ②、II-4、II-5 の対象となる本人の数）", certainty=Certainty.INFERRED)
def persons_bounds(ctx: Context) -> Iterator[Finding]:
    """委託事項の「対象となる本人の数」と提供先の「④提供する情報の対象となる本人の数」は、ファイルの II-2 ②対象となる
    本人の数を超えない（同じ区分の刻み。推論のため警告）。"""
    for key, fid, f in _files(ctx):
        whole = FILE_PERSONS.get(f)
        limit = FILE_PERSONS.bounds(whole)
        if limit is None or limit[1] is None:
            continue
        for lst, field in PERSONS_IN_LISTS:
            for i, it in enumerate(each(lst.get(f))):
                v = field.of(it, lst)
                b = field.bounds(v)
                if b is not None and b[0] > limit[1]:
                    yield ctx.finding(key, field.at(i), f"「{v}」は、このファイルの対象となる本人の数「{whole}」を超えています。",
                                      "どちらかの区分を確認してください。")


@rule("PIA211", "ID が重複している", source="pia の記載方法（id による同一性）", certainty=Certainty.PIA)
def unique_ids(ctx: Context) -> Iterator[Finding]:
    """システム、委託事項、提供先、移転先の id は、それぞれの一覧の中で重複しない。id は変更履歴（別添3）で同じ
    提供先などを見分けるために使う。番号（提供先n など）は並び順から決まるため書かない。"""
    for lst in ID_LISTS:
        keys = ["systems"] if lst.doc == "systems" else ["file:" + fid for fid, _ in ctx.a.files()]
        for key in keys:
            doc = ctx.a.docs.get(key)
            seen: dict[str, int] = {}
            for i, it in enumerate(each(lst.get(doc.data if doc else None))):
                ident = it.get(sch.ID) if isinstance(it, dict) else None
                if isinstance(ident, str):
                    if ident in seen:
                        yield ctx.finding(key, lst.at() + (i, sch.ID), f"id「{ident}」が{seen[ident] + 1}件目と重複しています。", "別の id にしてください。")
                    seen.setdefault(ident, i)
