"""`pia serve` in a real browser (Debian's headless Chromium driven by Selenium): edit a YAML file, see the page
update and the finding appear at its item."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import http_get, serving

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SHOTS = Path(os.environ.get("PIA_SCREENSHOTS", "")) if os.environ.get("PIA_SCREENSHOTS") else None


@pytest.fixture
def server(example: Path):
    p = subprocess.Popen([sys.executable, "-m", "pia", "serve", str(example), "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    url = re.search(r"http://127\.0\.0\.1:\d+/", line).group()
    yield url
    p.terminate()
    p.wait(timeout=10)


def test_serve_binds_to_loopback_only_and_never_writes(example: Path, server: str):
    import urllib.request

    before = {p: p.read_bytes() for p in example.rglob("*")  if p.is_file()}
    html = urllib.request.urlopen(server).read().decode()
    assert "pia-panel" in html and "エラー 0 件" in html
    assert server.startswith("http://127.0.0.1:")
    assert {p: p.read_bytes() for p in example.rglob("*") if p.is_file()} == before


@pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="Debian chromium and chromium-driver are not installed")
def test_browser_sees_the_page_update_and_the_finding(example: Path, server: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from conftest import chrome, text_of

    driver = chrome()
    try:
        driver.get(server)
        assert "住民基本台帳に関する事務" in driver.title
        panel = driver.find_element(By.ID, "pia-panel")
        assert "エラー 0 件" in panel.text
        if SHOTS:
            driver.save_screenshot(str(SHOTS / "serve-clean.png"))
        f = example / "files" / "juki.yaml"
        f.write_text(f.read_text(encoding="utf-8").replace("      - 移転を行っている: 1", "      - 移転を行っている: 4"), encoding="utf-8")
        # the preview reloads itself when the YAML changes
        WebDriverWait(driver, 20).until(lambda d: "PIA201" in text_of(d, "pia-panel"))
        panel = driver.find_element(By.ID, "pia-panel")
        assert "エラー 1 件" in panel.text and "移転先は1件" in panel.text
        notes = driver.find_elements(By.CSS_SELECTOR, "tr.pia-error .pia-note")
        assert notes and "移転先は1件" in notes[0].text
        link = panel.find_element(By.CSS_SELECTOR, "#pia-findings a")
        target = link.get_attribute("href").split("#", 1)[1]
        assert target.startswith("file:juki/特定個人情報ファイルの概要/特定個人情報の提供・移転/提供・移転の有無") or "%" in target
        link.click()
        time.sleep(0.3)
        if SHOTS:
            driver.save_screenshot(str(SHOTS / "serve-finding.png"))
    finally:
        driver.quit()


@pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="Debian chromium and chromium-driver are not installed")
def test_browser_switches_to_the_kiso_and_sees_its_finding(tmp_path: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from conftest import ROOT, chrome, text_of

    folder = tmp_path / "marumaru-juten"
    shutil.copytree(ROOT / "assessments" / "marumaru-juten", folder)
    p = subprocess.Popen([sys.executable, "-m", "pia", "serve", str(folder), "--port", "0"], stdout=subprocess.PIPE, text=True)
    driver = chrome()
    try:
        driver.get(re.search(r"http://127\.0\.0\.1:\d+/", p.stdout.readline()).group())
        assert driver.title == "国民健康保険に関する事務 重点項目評価書"
        driver.find_element(By.CSS_SELECTOR, "nav.pia-documents a[href='/?doc=basic']").click()
        WebDriverWait(driver, 20).until(lambda d: d.title == "国民健康保険に関する事務 基礎項目評価書")
        assert "国民健康保険システム" in driver.find_element(By.TAG_NAME, "body").text  # a fact the 重点 side holds
        k = folder / "kiso.yaml"
        k.write_text(k.read_text(encoding="utf-8").replace("公表日: 令和6年6月1日", "公表日: 2024/6/1"), encoding="utf-8")
        WebDriverWait(driver, 20).until(lambda d: "PIA054" in text_of(d, "pia-panel"))
        assert driver.title == "国民健康保険に関する事務 基礎項目評価書"  # the reload stays on the 基礎
        notes = driver.find_elements(By.CSS_SELECTOR, "tr.pia-warning .pia-note")
        assert notes and "2024/6/1" in notes[0].text
    finally:
        driver.quit()
        p.terminate()
        p.wait(timeout=10)


def test_a_save_updates_the_preview_quickly(example: Path, record_property):
    """Save → updated preview: the poll that sees the change starts the render, the reload gets the new page. The
    time is recorded (docs/performance.md), not asserted tightly: the machine is shared."""
    from pia.app.serve import POLL_MS

    with serving(example) as server:
        before, page = http_get(server, "/version")[2], http_get(server)[2]
        old, new = "番号連携サーバ", "番号連携サーバ（新）"
        assert old in page and new not in page
        f = example / "systems.yaml"
        f.write_text(f.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        saved = time.perf_counter()
        while http_get(server, "/version")[2] == before:  # what the page's script does every POLL_MS
            assert time.perf_counter() - saved < 30
            time.sleep(0.01)
        page = http_get(server)[2]
        took = time.perf_counter() - saved
    assert new in page
    record_property("save_to_preview_s", round(took, 3))
    print(f"save → updated preview: {took:.3f} s (+ up to {POLL_MS} ms until the page polls)")
    assert took < 30


def test_a_file_pia_cannot_read_is_said_on_the_page_and_every_finding_has_a_label(tmp_path: Path):
    from html import unescape

    from conftest import small_example
    from pia.app import serve

    folder = small_example(tmp_path / "x")
    f = folder / "files" / "honnin-kakunin.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "x: [\n", encoding="utf-8")
    html, _ = serve.page(folder)
    said = [unescape(re.sub(r"<[^>]+>", "", p)) for p in re.findall(r'<p class="pia-unreadable".*?</p>', html)]
    assert len(said) == 1 and "honnin-kakunin.yaml を読めないため、このプレビューに載っていません" in said[0], said
    listed = [unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r'<li class="(?:error|warning)">.*?</li>', html)]
    assert listed and not [li for li in listed if "] :" in li], listed
