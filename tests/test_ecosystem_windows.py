"""What a Windows user's files look like: CRLF line ends and a BOM (Notepad), Windows paths in SARIF, and the
files pia writes for a repository (LF everywhere, so git sees the same bytes on every machine)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import EXAMPLE
from pia.app.cli import main
from pia.analysis.reporters import _uri


def _findings(capsys, folder: Path) -> list[dict]:
    main(["check", str(folder), "--format", "json"])
    found = json.loads(capsys.readouterr().out)["assessments"][0]["findings"]
    return [{**f, "file": Path(f["file"]).relative_to(folder).as_posix()} for f in found]


def test_crlf_and_bom_read_like_lf(tmp_path: Path, capsys):
    lf, crlf = tmp_path / "lf" / EXAMPLE.name, tmp_path / "crlf" / EXAMPLE.name
    for d in (lf, crlf):
        shutil.copytree(EXAMPLE, d)
        f = d / "systems.yaml"
        f.write_text(f.read_text(encoding="utf-8").replace("システムの名称:", "システム名:", 1), encoding="utf-8")
    for f in crlf.rglob("*.yaml"):
        f.write_bytes(b"\xef\xbb\xbf" + f.read_bytes().replace(b"\n", b"\r\n"))
    expected = _findings(capsys, lf)
    assert any(f["rule_id"] == "PIA013" for f in expected)
    assert _findings(capsys, crlf) == expected  # same items, same lines and columns
    main(["check", str(crlf)])
    text = capsys.readouterr().out
    assert "\r" not in text and "\ufeff" not in text and "| - id: juki-kizon" in text.replace("  ", " ").replace("  ", " ")


def test_sarif_uris_from_windows_paths():
    assert _uri("assessments\\juki\\files\\a.yaml") == "assessments/juki/files/a.yaml"
    assert _uri("C:\\Users\\kuyakusho\\assessments\\juki\\systems.yaml") == "file:///C:/Users/kuyakusho/assessments/juki/systems.yaml"
    assert _uri("assessments/住基/systems.yaml") == "assessments/%E4%BD%8F%E5%9F%BA/systems.yaml"


def test_files_pia_writes_use_lf(tmp_path: Path):
    assert main(["init", str(tmp_path), "--ci", "gitlab"]) == 0
    assert main(["new", "juki", "--dir", str(tmp_path / "assessments")]) == 0
    written = [f for f in tmp_path.rglob("*") if f.is_file()]
    assert len(written) > 10
    assert [f for f in written if b"\r" in f.read_bytes()] == []
