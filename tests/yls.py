"""A minimal Language Server Protocol client for yaml-language-server over stdio (tests only)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from queue import Empty, Queue
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTALL = ROOT / ".cache" / "yls"  # `npm install --prefix .cache/yls yaml-language-server@1` (.ci/run does it)
SERVER = INSTALL / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"


def ensure_installed() -> Path | None:
    if not SERVER.is_file() and shutil.which("npm"):
        import fcntl

        INSTALL.mkdir(parents=True, exist_ok=True)
        with open(INSTALL / ".lock", "w") as lock:  # one install when several pytest-xdist workers need it at once
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not SERVER.is_file():
                subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(INSTALL),
                                "yaml-language-server@1"], capture_output=True, timeout=600)
    return SERVER if SERVER.is_file() and shutil.which("node") else None


class Client:
    def __init__(self, root: Path, settings: dict[str, Any]):
        self.settings = settings
        self.proc = subprocess.Popen(["node", str(SERVER), "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env={**os.environ, "NODE_NO_WARNINGS": "1"})
        self.replies: Queue[dict[str, Any]] = Queue()
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self._id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                    "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                                    "capabilities": {"workspace": {"configuration": True},
                                                     "textDocument": {"completion": {"completionItem": {"snippetSupport": False}},
                                                                      "hover": {"contentFormat": ["markdown", "plaintext"]}}}})
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": settings})

    def _send(self, msg: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **msg}).encode("utf-8")
        assert self.proc.stdin
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out
        while True:
            length = 0
            while (line := out.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            msg = json.loads(out.read(length))
            if "id" in msg and "method" in msg:  # the server asks the client
                result: Any = None
                if msg["method"] == "workspace/configuration":
                    result = [self.settings.get(i.get("section", ""), self.settings) if i.get("section") else self.settings
                              for i in msg["params"]["items"]]
                self._send({"id": msg["id"], "result": result})
            elif "id" in msg:
                self.replies.put(msg)
            elif msg.get("method") == "textDocument/publishDiagnostics":
                self.diagnostics[msg["params"]["uri"]] = msg["params"]["diagnostics"]

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        self._id += 1
        self._send({"id": self._id, "method": method, "params": params})
        while True:
            try:
                msg = self.replies.get(timeout=timeout)
            except Empty:
                raise TimeoutError(method) from None
            if msg["id"] == self._id:
                return msg.get("result")

    def open(self, path: Path, text: str) -> str:
        uri = path.resolve().as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        return uri

    def completion(self, uri: str, line: int, character: int) -> list[dict[str, Any]]:
        r = self.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
        return (r or {}).get("items", []) if isinstance(r, dict) else (r or [])

    def hover(self, uri: str, line: int, character: int) -> str:
        r = self.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
        if not r:
            return ""
        c = r["contents"]
        return c["value"] if isinstance(c, dict) else "\n".join(x if isinstance(x, str) else x["value"] for x in c)

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
