"""`pia check` is a pure function of the files: another system date gives the same bytes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLE, FAKE_CLOCK


def _check_at(year: int, tmp: Path) -> bytes:
    site = tmp / str(year)
    site.mkdir()
    (site / "sitecustomize.py").write_text(FAKE_CLOCK.format(year=year), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH", "")]))}
    r = subprocess.run([sys.executable, "-m", "pia", "check", str(EXAMPLE), "--format", "json"],
                       capture_output=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


def test_check_does_not_depend_on_the_clock(tmp_path: Path) -> None:
    now, later = _check_at(2026, tmp_path), _check_at(2041, tmp_path)
    assert b'"findings"' in now
    assert now == later
