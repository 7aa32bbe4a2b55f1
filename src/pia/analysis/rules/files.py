"""II 特定個人情報ファイルの概要 and III リスク対策: counts, conditional items, references inside a file.

Written against concepts (schemas/forms.json): each rule runs on the per-file documents of every form that has the
items it reads (files/ of the 全項目評価書, juten/ of the 重点項目評価書).
"""
from __future__ import annotations

import re
from typing import Iterator

from pia.form import schema as sch
from pia.form.concepts import concept
from pia.base.findings import WARNING, Finding
from pia.form.items import Item, each, entry_of, item, off_when
from pia.base.registry import Certainty
from pia.analysis.rules import Context, rule
from pia.document.values import blank, ticked
from pia.form.walk import values


@rule("PIA201", "提供・移転の件数と提供先・移転先の数が一致しない", source="様式（II-5 提供・移転の有無）", certainty=Certainty.INFERRED,
      concepts=("provision", "recipients", "transferees"))
def provision_counts(ctx: Context) -> Iterator[Finding]:
    """II-5 提供・移転の有無で「提供を行っている（N）件」「移転を行っている（M）件」に○を付けたら、N・M は
    列挙した提供先・移転先の数と一致し、件数を空欄にしない。「行っていない」なら提供先・移転先を書かない（様式）。"""
    for key, prov, f in ctx.each("provision"):
        none = prov.option("none")
        p = prov.at()
        boxes = ticked(prov.get(f))
        if not boxes:
            continue  # not filled in yet: PIA501 reports it
        for box, lst in prov.counted().items():
            listed = len(each(lst.get(f)))
            name = lst.title
            if box in boxes:
                n = boxes[box]
                at = p + (entry_of(prov.get(f), box),)
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


@rule("PIA202", "委託の有無・件数と委託事項が一致しない", source="様式（II-4 と III-4）", certainty=Certainty.INFERRED,
      concepts=("outsourced", "outsourcing", "no-outsourcing"))
def outsourcing_counts(ctx: Context) -> Iterator[Finding]:
    """II-4 委託の有無が「委託する」なら、（N）件は列挙した委託事項の数と一致し、1件以上ある。「委託しない」なら
    委託事項を書かず、III-4 の「委託しない」に○を付ける。「委託する」なら III-4 の「委託しない」に○を付けない（様式）。"""
    for key, outsourced, f in ctx.each("outsourced"):
        lst, no = ctx.sibling("outsourcing", outsourced), ctx.sibling("no-outsourcing", outsourced)
        if lst is None or no is None:
            continue
        p, flag_at, flag_title = outsourced.at(), no.at(), no.title
        v = outsourced.get(f)
        said = sch.selected(v)
        n = v.get(sch.COUNT) if isinstance(v, dict) else None
        listed = len(each(lst.get(f)))
        flag = no.get(f)
        meaning = outsourced.meaning(v)
        if meaning == "yes":
            if n != listed:
                yield ctx.finding(key, p, (f"委託の件数を{n}件としていますが、委託事項は{listed}件書かれています。" if n is not None else
                                   f"委託の件数が空欄です（委託事項は{listed}件書かれています）。"),
                                  f"件数を{listed}にするか、委託事項の一覧を確認してください。")
            if listed == 0:
                yield ctx.finding(key, p, f"「{said}」としていますが、委託事項が一つも書かれていません。", "委託事項を書いてください。")
            if flag is True:
                yield ctx.finding(key, flag_at, f"II-4 で「{said}」としていますが、III-4 の「{flag_title}」に○が付いています。",
                                  f"III-4 の「{flag_title}」の○を外して空欄にしてください。")
        elif meaning == "no":
            if listed:
                yield ctx.finding(key, p, f"「{said}」としていますが、委託事項が{listed}件書かれています。", "委託事項を削除するか、委託の有無を直してください。")
            if flag is not True:
                yield ctx.finding(key, flag_at, f"II-4 で「{said}」としていますが、III-4 の「{flag_title}」に○が付いていません。",
                                  f"III-4 の「{flag_title}」に○を付けてください（「{flag_title}: ○」）。")


@rule("PIA203", "再委託の有無と再委託の許諾方法・再委託事項が矛盾する", source="様式（II-4 再委託の有無・再委託事項）",
      certainty=Certainty.INFERRED, concepts=("outsourcing", "subcontract", "subcontract-details"))
def subcontracting(ctx: Context) -> Iterator[Finding]:
    """委託事項ごとに、再委託の有無が「再委託しない」なら再委託の許諾方法・再委託事項は空欄（又は「—」）、
    「再委託する」ならそれらを書く（様式。全項目評価書は ⑦〜⑨、重点項目評価書は ④・⑤）。"""
    for key, lst, i, entry in ctx.entries("outsourcing"):
        sub = ctx.sibling("subcontract", lst)
        if sub is None:
            continue
        v = sub.of(entry, lst)
        meaning = sub.meaning(v)
        for detail in concept("subcontract-details").items_in(lst.doc):
            val = detail.of(entry, lst)
            name = detail.title
            if meaning == "no" and not blank(val):
                yield ctx.finding(key, detail.at(i), f"「{v}」としていますが、{name}が書かれています。", f"{name}を「—」にするか、再委託の有無を直してください。")
            if meaning == "yes" and blank(val):
                yield ctx.finding(key, detail.at(i), f"「{v}」としていますが、{name}が書かれていません。", f"{name}を書いてください。")


@rule("PIA204", "III-4 再委託先の取扱いの確保と各委託事項の再委託の有無が矛盾する", WARNING,
      source="様式（II-4 と III-4）", certainty=Certainty.INFERRED,
      concepts=("outsourcing", "subcontract", "subcontractors-iii", "no-outsourcing"))
def subcontracting_iii(ctx: Context) -> Iterator[Finding]:
    """III-4「再委託先による特定個人情報ファイルの適切な取扱いの確保」で「再委託していない」を選ぶのは、すべての
    委託事項が「再委託しない」ときに限る。その逆も同じ（様式の構成からの推論のため警告）。"""
    for key, iii, f in ctx.each("subcontractors-iii"):
        lst, sub, no = (ctx.sibling(c, iii) for c in ("outsourcing", "subcontract", "no-outsourcing"))
        if lst is None or sub is None or no is None:
            continue
        its = each(lst.get(f))
        if not its or no.get(f) is True:
            continue
        none = all(sub.meaning(sub.of(it, lst)) == "no" for it in its)
        v = iii.get(f)
        meaning = iii.meaning(v)
        if meaning is None:
            continue
        if (meaning == "n/a") != none:
            yield ctx.finding(key, iii.at(), f"「{sch.selected(v)}」としていますが、委託事項の再委託の有無と合いません。",
                              f"再委託をしない場合に限り「{iii.option('n/a')}」を選んでください。")


@rule("PIA205", "記録される項目の区分と別添の記録項目数が合わない", WARNING,
      source="様式（II-2 ④ と記録項目の別添）", certainty=Certainty.INFERRED, concepts=("record-band", "records", "record-items"))
def record_count(ctx: Context) -> Iterator[Finding]:
    """II-2 ④記録される項目の区分（10項目未満 … 100項目以上）は、別添（全項目評価書の別添2、重点項目評価書の別添1）に
    列挙した記録項目の数と合うはずである。別添は項目をまとめて書くことがあるため、警告とする（ppc-rules X-REC）。"""
    for key, band, f in ctx.each("record-band"):
        records, names = ctx.sibling("records", band), ctx.sibling("record-items", band)
        v = band.get(f)
        b = band.bounds(v)
        if b is None or records is None or names is None:
            continue
        n = sum(len(each(names.of(g, records))) for g in each(records.get(f)))
        if n < b[0] or (b[1] is not None and n > b[1]):
            where = _annex(records)
            yield ctx.finding(key, band.at(), f"記録される項目を「{v}」としていますが、{where} の記録項目は{n}項目です。",
                              f"区分を直すか、{where} の記録項目を確認してください（項目をまとめて書いている場合は理由を添えて抑止できます）。")


def _annex(records: Item) -> str:
    """「別添2」 (全項目評価書) or 「別添1」 (重点項目評価書): the annex the form lists the record items in, from its code."""
    m = re.search(r"別添\d+", records.code)
    return m.group() if m else records.title


@rule("PIA206", "「接続しない」とリスク対策の記載が矛盾する", source="様式（III-6・基礎項目評価書 IV-6、スキーマの x-pia-off-when）",
      certainty=Certainty.INFERRED, concepts=("off-when",))
def network_risks(ctx: Context) -> Iterator[Finding]:
    """III-6 で「接続しない（入手）」に○を付けたらリスク1〜4 は空欄、付けないならリスク1〜4 を書く。
    「接続しない（提供）」とリスク5〜7 も同じ（様式、スキーマの x-pia-off-when）。情報提供ネットワークシステムとの
    接続の印（概念 no-network-in・no-network-out）で空欄になる部分を見る。基礎項目評価書の IV-6 では、印を付けたのに
    「…リスクへの対策は十分か」に回答していれば矛盾とする（印がないのに空欄なのは PIA501 が示す）。"""
    flags = {it.code for c in ("no-network-in", "no-network-out") for it in ctx.items(c)}
    for doc in sorted({it.doc for it in ctx.items("off-when")}):
        for key, f in ctx.docs(doc):
            for path, node, block in values(sch.load().document(doc), f):
                codes = [it.code for it in off_when(node) if it.code in flags]
                if len(codes) != 1:
                    continue
                flag = item(codes[0])
                said = flag.get(f)
                if said is None:
                    continue  # not filled in yet: PIA501 reports it
                answer = not isinstance(block, dict)  # the 基礎's IV: one answer, not a block of measures
                filled = not blank(block) if answer else any(not blank(v) for v in block.values())
                if said is True and filled:
                    yield ctx.finding(key, path, f"「{flag.title}」に○が付いていますが、このリスクの対策が書かれています。",
                                      "接続しないなら対策を削除し、接続するなら「接続しない」の○を外して空欄にしてください。")
                if answer:
                    continue  # an answer left blank while connected is PIA501's (x-pia-off-when)
                if said is not True and not all(not blank(v) for v in block.values()):
                    yield ctx.finding(key, path, f"情報提供ネットワークシステムと接続する場合は、このリスクの対策を書きます（「{flag.title}」に○なし）。",
                                      f"対策を書くか、接続しないなら「{flag.title}」に○を付けてください（「{flag.title}: ○」）。")


@rule("PIA207", "「接続しない」と入手方法・提供方法が矛盾する", WARNING,
      source="様式（II-3 ②、II-5 提供方法 と III-6）", certainty=Certainty.INFERRED,
      concepts=("obtain-method", "recipients", "recipient-method", "no-network-in", "no-network-out"))
def network_methods(ctx: Context) -> Iterator[Finding]:
    """III-6「接続しない（入手）」は、II-3 ②入手方法に情報提供ネットワークシステムがないときに限る。「接続しない（提供）」は、
    どの提供先の提供方法にも情報提供ネットワークシステムがないときに限る（様式の構成からの推論のため警告）。"""
    for key, obtain, f in ctx.each("obtain-method"):
        lst, method = ctx.sibling("recipients", obtain), ctx.sibling("recipient-method", obtain)
        flags = {"in": ctx.sibling("no-network-in", obtain), "out": ctx.sibling("no-network-out", obtain)}
        if lst is None or method is None or None in flags.values():
            continue
        nw_in, nw_out = obtain.option("network"), method.option("network")
        gets = nw_in in ticked(obtain.get(f))
        gives = any(nw_out in ticked(method.of(t, lst)) for t in each(lst.get(f)))
        for side, uses, where in (("in", gets, obtain.title), ("out", gives, "提供先の" + method.title)):
            flag = flags[side]
            off = flag.get(f)
            if off is True and uses:
                yield ctx.finding(key, flag.at(), f"「{flag.title}」としていますが、{where}に{nw_in}があります。", "どちらかの記載を直してください。")
            if off is False and not uses:
                yield ctx.finding(key, flag.at(), f"「{flag.title}」に○がなく接続するとしていますが、{where}に{nw_in}がありません。",
                                  "どちらかの記載を直してください。")


@rule("PIA208", "III-5「提供・移転しない」と提供先・移転先が矛盾する", WARNING, source="様式（III-5）", certainty=Certainty.INFERRED,
      concepts=("no-provision", "recipients", "recipient-method", "transferees"))
def provision_iii(ctx: Context) -> Iterator[Finding]:
    """III-5 は委託と情報提供ネットワークシステムを通じた提供を除く提供・移転のリスクを扱う。「提供・移転しない」に○を
    付けるのは、移転先がなく、提供先がすべて情報提供ネットワークシステムだけを通じた提供であるときに限る（推論のため警告）。"""
    for key, no, f in ctx.each("no-provision"):
        lst, method, moved = (ctx.sibling(c, no) for c in ("recipients", "recipient-method", "transferees"))
        if lst is None or method is None or moved is None:
            continue
        nw = method.option("network")
        flag = no.get(f)
        others = [t for t in each(lst.get(f)) if set(ticked(method.of(t, lst))) - {nw}]
        has = bool(others) or bool(each(moved.get(f)))
        name = no.title
        if flag is True and has:
            yield ctx.finding(key, no.at(), f"「{name}」に○が付いていますが、{nw}以外による提供先又は移転先があります。",
                              f"III-5 のリスク対策を書き、「{name}」の○を外して空欄にしてください。")
        if flag is False and not has:
            yield ctx.finding(key, no.at(), f"III-5 の対象となる提供・移転がないのに「{name}」に○が付いていません。",
                              f"「{name}」に○を付けてください（「{name}: ○」）。")


@rule("PIA209", "選択した内容に必要な「具体的な…」が書かれていない",
      source="様式（「具体的な…」を伴う選択項目）", certainty=Certainty.INFERRED, concepts=("details",), also=("fee",))
def details_given(ctx: Context) -> Iterator[Finding]:
    """「行っている」「定めている」「記録を残している」「発生あり」「保管している」「有料」などを選んだ項目には、
    続く「具体的な…」「その内容」「手数料額、納付方法」などを書く。否定の選択肢（スキーマの x-pia-details-unless）を
    選んだときは不要（様式、ppc-rules X-ACC, X-DEAD, X-ERASE, X-RISK-SEL, X-FEE, X-FILEBOOK）。"""
    for key, _, _ in ctx.a.documents():
        for path, node, value in ctx.walked(key):
            unless = node.get("x-pia-details-unless")
            if not unless or not isinstance(value, dict):
                continue
            v = value.get(sch.SELECTED)
            if v is not None and v != unless:
                for k, sub in sch.details(node):
                    if blank(value.get(k)):
                        yield ctx.finding(key, path + (k,), f"「{v}」を選んだときは「{k}」を書きます。", f"「{k}」を書いてください。")


@rule("PIA210", "委託先・提供先・移転先の対象となる本人の数がファイルの本人の数を超える", WARNING,
      source="様式（II-2 ②、II-4、II-5 の対象となる本人の数）", certainty=Certainty.INFERRED,
      concepts=("file-persons",), also=("outsourcing-persons", "recipient-persons", "transferee-persons"))
def persons_bounds(ctx: Context) -> Iterator[Finding]:
    """委託事項の「対象となる本人の数」と提供先・移転先の「④…の対象となる本人の数」は、ファイルの II-2 ②対象となる
    本人の数を超えない（同じ区分の刻み。推論のため警告）。"""
    pairs = (("outsourcing", "outsourcing-persons"), ("recipients", "recipient-persons"), ("transferees", "transferee-persons"))
    for key, persons, f in ctx.each("file-persons"):
        whole = persons.get(f)
        limit = persons.bounds(whole)
        if limit is None or limit[1] is None:
            continue
        for list_concept, field_concept in pairs:
            lst, field = ctx.sibling(list_concept, persons), ctx.sibling(field_concept, persons)
            if lst is None or field is None:
                continue
            for i, it in enumerate(each(lst.get(f))):
                v = field.of(it, lst)
                b = field.bounds(v)
                if b is not None and b[0] > limit[1]:
                    yield ctx.finding(key, field.at(i), f"「{v}」は、このファイルの対象となる本人の数「{whole}」を超えています。",
                                      "どちらかの区分を確認してください。")


@rule("PIA211", "ID が重複している", source="pia の記載方法（id による同一性）", certainty=Certainty.PIA,
      concepts=("ids",), also=("systems", "outsourcing", "recipients", "transferees"))
def unique_ids(ctx: Context) -> Iterator[Finding]:
    """システム、委託事項、提供先、移転先の id は、それぞれの一覧の中で重複しない。id は変更履歴（別添3）で同じ
    提供先などを見分けるために使う。番号（提供先n など）は並び順から決まるため書かない。"""
    for cid in ("systems", "outsourcing", "recipients", "transferees"):
        for key, lst, data in _unique(ctx.each(cid)):
            seen: dict[str, int] = {}
            for i, it in enumerate(each(lst.get(data))):
                ident = it.get(sch.ID) if isinstance(it, dict) else None
                if isinstance(ident, str):
                    if ident in seen:
                        yield ctx.finding(key, lst.at() + (i, sch.ID), f"id「{ident}」が{seen[ident] + 1}件目と重複しています。", "別の id にしてください。")
                    seen.setdefault(ident, i)


def _unique(rows: Iterator[tuple[str, object, dict]]) -> Iterator[tuple[str, object, dict]]:
    """Each document once (systems.yaml is the same list for both detailed forms)."""
    done: set[str] = set()
    for key, it, data in rows:
        if key not in done:
            done.add(key)
            yield key, it, data
