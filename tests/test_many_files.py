"""Folders with many per-file YAMLs: the loader reads up to its limit of files and refuses the rest by name; each
file is numbered as I-3 lists it, in every finding, and the numbers follow the documents when they change."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from pia.app.cli import main
from pia.document import assessment as asm
from pia.document.loader import MAX_FILES

I3_LAST = "\n    - sofusaki\n"  # the last entry of the example's I-3 list (基本情報 特定個人情報ファイル名)


def listed(example: Path, ids: list[str]) -> None:
    """ids added to I-3 after the example's own files, the text otherwise as written."""
    p = example / "assessment.yaml"
    text = p.read_text(encoding="utf-8")
    assert I3_LAST in text
    p.write_text(text.replace(I3_LAST, I3_LAST + "".join(f"    - {i}\n" for i in ids), 1), encoding="utf-8")


def test_the_loader_reads_its_limit_of_files_and_refuses_the_next(example: Path) -> None:
    files = example / "files"
    own = len(list(files.glob("*.yaml")))
    for i in range(MAX_FILES - own):
        (files / f"g{i:04d}.yaml").write_text(f"特定個人情報ファイル名: 生成したファイル{i}\n", encoding="utf-8")
    a = asm.load(example)
    assert len([k for k in a.docs if k.startswith("file:")]) == MAX_FILES
    assert not [f for f in a.load_findings if f.rule_id == "PIA043"], a.load_findings[:3]
    (files / "zzzz.yaml").write_text("特定個人情報ファイル名: 一つ多いファイル\n", encoding="utf-8")
    a = asm.load(example)
    refused = [f for f in a.load_findings if f.rule_id == "PIA043"]
    assert len([k for k in a.docs if k.startswith("file:")]) == MAX_FILES and "file:zzzz" not in a.docs
    assert len(refused) == 1 and refused[0].file.endswith("files") and f"{MAX_FILES:,} 件" in refused[0].message


def test_each_copy_of_a_file_gets_the_same_findings_under_its_own_number(example: Path, capsys) -> None:
    source = (example / "files" / "sofusaki.yaml").read_text(encoding="utf-8")
    ids = [f"copy-{i:02d}" for i in range(30)]
    for n, fid in enumerate(ids):
        text = source.replace("特定個人情報ファイル名: 送付先情報ファイル", f"特定個人情報ファイル名: 送付先情報ファイル（写し{n}）", 1)
        (example / "files" / f"{fid}.yaml").write_text(text, encoding="utf-8")
    listed(example, ids)
    main(["check", str(example), "--format", "json"])
    found = json.loads(capsys.readouterr().out)["assessments"][0]["findings"]

    def of(stem: str) -> list[tuple[str, int, str]]:
        return [(f["rule_id"], f["line"], f["item_path"]) for f in found if Path(f["file"]).stem == stem]

    original = of("sofusaki")
    assert original and all("(3)送付先情報ファイル " in p for _, _, p in original if "ファイルの概要" in p)
    for n, fid in enumerate(ids):
        mine = [(r, line, p.replace(f"({n + 4})送付先情報ファイル（写し{n}）", "(3)送付先情報ファイル")) for r, line, p in of(fid)]
        assert mine == original, fid


def test_file_numbers_follow_the_documents_when_they_change(example: Path) -> None:
    (example / "files" / "extra.yaml").write_text((example / "files" / "sofusaki.yaml").read_text(encoding="utf-8"),
                                                 encoding="utf-8")  # not in I-3: after the listed files
    a = asm.load(example)
    assert a.file_ids() == ["juki", "honnin-kakunin", "sofusaki", "extra"]
    assert [a.file_label(f) for f in ("juki", "sofusaki", "extra")] == \
        ["(1)住民基本台帳ファイル", "(3)送付先情報ファイル", "(4)送付先情報ファイル"]
    del a.docs["file:juki"]  # a file gone: the others move up
    assert a.file_ids() == ["honnin-kakunin", "sofusaki", "extra"] and a.file_label("sofusaki") == "(2)送付先情報ファイル"
    assert a.file_label("juki") == "(0)juki"
    a.meta["基本情報"]["特定個人情報ファイル名"].reverse()  # I-3 edited in place: its new order
    assert a.file_ids() == ["sofusaki", "honnin-kakunin", "extra"] and a.file_label("sofusaki") == "(1)送付先情報ファイル"
    b = replace(a, docs={k: v for k, v in a.docs.items() if k != "file:sofusaki"})  # a view built from another
    assert b.file_ids() == ["honnin-kakunin", "extra"] and a.file_ids() == ["sofusaki", "honnin-kakunin", "extra"]
    a.docs = {k: v for k, v in a.docs.items() if k != "file:extra"}  # a plain dict set in place of the documents
    assert a.file_ids() == ["sofusaki", "honnin-kakunin"]
    assert re.fullmatch(r"\(2\)本人確認情報ファイル", a.file_label("honnin-kakunin"))
