from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "assessments" / "setagaya-juki"
SEED = ROOT.parent / "shared" / "seeds" / "002_34b7a933c326d137.txt"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of the real example, safe to mutate."""
    dst = tmp_path / "work" / "setagaya-juki"
    shutil.copytree(EXAMPLE, dst)
    return dst


def schema_nodes(skip: tuple[str, ...] = ()):
    """Every object node of every schema file (except those named in skip), depth first: (file name, node)."""
    import json

    def walk(n, name):
        if isinstance(n, dict):
            yield name, n
            for v in n.values():
                yield from walk(v, name)
        elif isinstance(n, list):
            for v in n:
                yield from walk(v, name)

    for p in sorted((ROOT / "schemas").glob("*.json")):
        if p.name not in skip:
            yield from walk(json.loads(p.read_text(encoding="utf-8")), p.name)


def run_pia(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pia", *args], capture_output=True, text=True, cwd=cwd)
