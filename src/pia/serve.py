"""`pia serve`: a live preview on 127.0.0.1. The page shows the rendered assessment with every finding listed at the
top and shown at its item, and reloads itself when a YAML file of the assessment is saved. Nothing is written."""
from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from markupsafe import escape

from pia import assessment as asm
from pia.check import check_assessment
from pia.findings import ERROR
from pia.render.html import render_html

POLL_MS = 700

_SCRIPT = """
<script>
(function () {
  const findings = %(findings)s;
  let version = %(version)s;
  const list = document.getElementById("pia-findings");
  for (const f of findings) {
    let id = f.anchor, el = null;
    while (id && !(el = document.getElementById(id))) { id = id.includes("/") ? id.slice(0, id.lastIndexOf("/")) : ""; }
    if (!el) continue;
    const row = el.closest("tr") || el;
    row.classList.add(f.severity === "error" ? "pia-error" : "pia-warning");
    const note = document.createElement("div");
    note.className = "pia-note";
    note.textContent = f.severity_label + " [" + f.rule_id + "] " + f.message + (f.hint ? "（修正: " + f.hint + "）" : "");
    (row.querySelector("td") || row).appendChild(note);
    if (el.id !== f.anchor && !document.getElementById(f.anchor)) {
      const mark = document.createElement("span");  // so the link in the list reaches the finding's own item
      mark.id = f.anchor;
      (row.querySelector("th") || row).prepend(mark);
    }
  }
  async function poll() {
    try {
      const r = await fetch("/version", {cache: "no-store"});
      const v = await r.text();
      if (v !== version) { location.reload(); return; }
    } catch (e) {}
    setTimeout(poll, %(poll)d);
  }
  setTimeout(poll, %(poll)d);
})();
</script>
"""

_STYLE = """
<style>
html { scroll-padding-top: 32vh; }
#pia-panel { position: sticky; top: 0; z-index: 10; background: #fffbe6; border: 1px solid #d4b106; padding: 6px 10px; margin-bottom: 8px; max-height: 30vh; overflow: auto; }
#pia-panel h2 { break-before: auto; font-size: 11pt; margin: 0 0 4px; }
#pia-findings li.error a { color: #a8071a; } #pia-findings li.warning a { color: #ad6800; }
tr.pia-error { outline: 3px solid #f5222d; } tr.pia-warning { outline: 3px solid #faad14; }
.pia-note { margin-top: 4px; padding: 2px 4px; background: #fff1f0; color: #a8071a; font-size: 9pt; }
</style>
"""


def _version(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted([*folder.glob("*.yaml"), *(folder / asm.FILES).glob("*.yaml")]):
        try:
            h.update(p.name.encode() + p.read_bytes())
        except OSError:
            pass
    return h.hexdigest()[:16]


def page(folder: Path) -> tuple[str, str]:
    version = _version(folder)
    a = asm.load(folder)
    result = check_assessment(a)
    html = render_html(a, folder)
    shown = [f for f in result.findings if not f.suppressed]
    items = "".join(
        f'<li class="{f.severity.value}"><a href="#{escape(f.anchor)}">'
        f'{escape(f.severity.label)} [{escape(f.rule_id)}] {escape(f.item_path)}: {escape(f.message)}</a>'
        f' <small>{escape(f.file)}:{f.line}</small></li>' for f in shown)
    panel = (f'<aside id="pia-panel" aria-label="検査結果"><h2>検査結果: エラー {sum(f.severity == ERROR for f in shown)} 件、'
             f'警告 {sum(f.severity != ERROR for f in shown)} 件（保存すると自動で更新されます）</h2>'
             f'<ol id="pia-findings">{items}</ol></aside>')
    data = json.dumps([{"anchor": f.anchor, "severity": f.severity.value, "severity_label": f.severity.label, "rule_id": f.rule_id, "message": f.message,
                        "hint": f.hint} for f in shown], ensure_ascii=False).replace("</", "<\\/")
    script = _SCRIPT % {"findings": data, "version": json.dumps(version), "poll": POLL_MS}
    html = html.replace("</head>", _STYLE + "</head>", 1).replace("<body>", "<body>" + panel, 1)
    return html.replace("</body>", script + "</body>", 1), version


class _Handler(BaseHTTPRequestHandler):
    folder: Path
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        try:
            if self.path.split("?")[0] == "/version":
                body, ctype = _version(self.folder).encode(), "text/plain; charset=utf-8"
            elif self.path.split("?")[0] in ("/", "/index.html"):
                with self.lock:
                    html, _ = page(self.folder)
                body, ctype = html.encode("utf-8"), "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
        except Exception as e:  # a broken file is shown, not a crash of the server
            body = (f"<!DOCTYPE html><html lang='ja'><meta charset='utf-8'><p>表示できませんでした: {escape(str(e))}</p>"
                    f"<script>setTimeout(()=>location.reload(),{POLL_MS * 2})</script></html>").encode()
            ctype = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def make_server(folder: Path, port: int) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"folder": folder})
    return ThreadingHTTPServer(("127.0.0.1", port), handler)  # never reachable from other machines
