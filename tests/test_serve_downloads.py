"""The preview offers the outputs of the format table, made from what is on disk now."""
from __future__ import annotations

import http.client
import io
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, serving
from pia.output.formats import OUTPUTS


def _get(port: int, path: str) -> http.client.HTTPResponse:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
    return c.getresponse()


def test_downloads_follow_the_format_table(example: Path) -> None:
    with serving(example) as server:
        port = server.server_port
        page = _get(port, "/").read().decode("utf-8")
        for f in OUTPUTS.values():
            assert f'href="/download/{f.name}"' in page
        r = _get(port, "/download/html")
        body = r.read()
        assert r.status == 200 and r.getheader("Content-Type") == OUTPUTS["html"].mime
        assert "setagaya-juki.html" in r.getheader("Content-Disposition") and b'<html lang="ja">' in body
        r = _get(port, "/download/xlsx")
        assert r.status == 200 and r.read()[:2] == b"PK"
        assert _get(port, "/download/docx").status == 404


def test_a_download_is_the_file_pia_render_writes(example: Path, tmp_path: Path) -> None:
    # a count written the form's way (「３件」) is read as 3 before it is printed, in the download as in pia render
    from conftest import pia, replace_once

    replace_once(example / "files" / "juki.yaml", "      件数: 1\n", "      件数: １件\n")
    assert pia("render", str(example), "--format", "html", "--out", str(tmp_path / "out")).returncode == 0
    with serving(example) as server:
        body = _get(server.server_port, "/download/html").read()
    assert body == (tmp_path / "out" / "setagaya-juki.html").read_bytes()


@pytest.fixture
def juten(tmp_path: Path) -> Path:
    dst = tmp_path / "marumaru-juten"
    shutil.copytree(ROOT / "assessments" / "marumaru-juten", dst)
    return dst


def test_every_document_of_the_folder_has_its_page_and_its_downloads(juten: Path) -> None:
    with serving(juten) as server:
        port = server.server_port
        main = _get(port, "/").read().decode("utf-8")
        assert "<title>国民健康保険に関する事務 重点項目評価書</title>" in main
        assert '<a href="/?doc=basic">基礎項目評価書</a>' in main and '<a href="/" aria-current="page">重点項目評価書</a>' in main
        kiso = _get(port, "/?doc=basic").read().decode("utf-8")
        assert "<title>国民健康保険に関する事務 基礎項目評価書</title>" in kiso
        assert '<a href="/?doc=basic" aria-current="page">基礎項目評価書</a>' in kiso
        # the 基礎 prints the facts the 重点 and systems.yaml hold (kiso.yaml does not repeat them)
        text = re.sub(r"<[^>]+>", "", kiso)
        assert "国民健康保険システム" in text and "中間サーバー" in text
        assert "国民健康保険システム" not in (juten / "kiso.yaml").read_text(encoding="utf-8")
        assert 'href="/download/xlsx?doc=basic"' in kiso and 'href="/download/xlsx"' in main
        # each document's downloads are the document `pia render` writes, under its name
        r = _get(port, "/download/html?doc=basic")
        assert r.status == 200 and "marumaru-juten-kiso.html" in r.getheader("Content-Disposition")
        assert "<title>国民健康保険に関する事務 基礎項目評価書</title>" in r.read().decode("utf-8")
        r = _get(port, "/download/xlsx")
        assert r.status == 200 and "marumaru-juten.xlsx" in r.getheader("Content-Disposition")
        book = openpyxl.load_workbook(io.BytesIO(r.read()))
        assert book["表紙"]["A1"].value and "重点項目評価書" in "".join(str(c.value) for c in book["表紙"]["A"] if c.value)
        for bad in ("/?doc=full", "/download/html?doc=full", "/?doc=../x"):
            assert _get(port, bad).status == 404


def test_a_finding_of_another_document_links_to_its_page(juten: Path) -> None:
    k = juten / "kiso.yaml"
    k.write_text(k.read_text(encoding="utf-8").replace("公表日: 令和6年6月1日", "公表日: 2024/6/1"), encoding="utf-8")
    with serving(juten) as server:
        port = server.server_port
        main = _get(port, "/").read().decode("utf-8")
        link = re.search(r'<li class="warning"><a href="([^"]*)">警告 \[PIA\d+\][^<]*2024/6/1', main)
        assert link and link.group(1).startswith("/?doc=basic#kiso/"), main[:3000]
        kiso = _get(port, "/?doc=basic").read().decode("utf-8")
        own = re.search(r'<li class="warning"><a href="([^"]*)">警告 \[PIA\d+\][^<]*2024/6/1', kiso)
        assert own and own.group(1).startswith("#kiso/")
        # the finding is marked at its item on the 基礎's page only (the script's list of findings of the page)
        assert '"anchor": "kiso/' in kiso and '"anchor": "kiso/' not in main


def test_a_download_of_a_folder_with_an_unread_file_is_refused(juten: Path) -> None:
    # juten.yaml not read: the page says why; a download would be the document without juten.yaml's content
    f = juten / "juten.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("事務の名称: ", "事務の名称: [", 1), encoding="utf-8")
    with serving(juten) as server:
        port = server.server_port
        assert _get(port, "/").status == 200
        r = _get(port, "/download/html")
        body = r.read().decode("utf-8")
        assert r.status == 409 and "読めないファイルがあるため、出力しません" in body and "juten.yaml:" in body


def test_a_browser_that_goes_away_prints_no_traceback(juten: Path, capsys) -> None:
    with serving(juten) as server:
        try:
            raise BrokenPipeError(32, "Broken pipe")
        except BrokenPipeError:
            server.handle_error(None, ("127.0.0.1", 1))
        try:
            raise ValueError("a real error")
        except ValueError:
            server.handle_error(None, ("127.0.0.1", 1))
    err = capsys.readouterr().err
    assert "BrokenPipeError" not in err and "ValueError" in err
