"""Progress of long work (rendering a PDF takes a minute) on stderr: only for a person at a terminal.

Silent when stderr is not a terminal or under CI, so logs, pipes and tests see only the results."""
from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI")


class Progress:
    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream: Any = stream or sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty()) and not any(os.environ.get(v) for v in CI_VARIABLES)
        self.enabled = enabled
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, stage: str, document: str = "") -> None:
        if not self.enabled:
            return
        where = f"（{document}）" if document else ""
        self.stream.write(f"\r\x1b[K[{time.monotonic() - self.start:4.0f} 秒] {stage}{where}…")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def silent(stage: str, document: str = "") -> None:
    """The progress callback of code called without one."""
