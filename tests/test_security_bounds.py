"""Hashing an assessment folder (the incremental build of render-many and site; serve's /version) reads within the
loader's budgets and never through a link: a sparse 600 MB file costs its size, not its bytes."""
from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

from pia.portfolio import build


def test_input_hash_is_bounded_and_follows_no_link(example: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("公開してはならない", encoding="utf-8")
    os.symlink(secret, example / "files" / "link.yaml")
    os.mkfifo(example / "pipe.yaml")
    with open(example / "figures.bin", "wb") as fh:  # sparse: 600 MB that take no disk
        fh.truncate(600_000_000)
    tracemalloc.start()
    first = build.input_hash(example, "render:html")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8_000_000  # read in chunks, the large file not at all
    secret.write_text("別の内容", encoding="utf-8")
    assert build.input_hash(example, "render:html") == first  # the link's target is never read
    f = example / "files" / "juki.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert build.input_hash(example, "render:html") != first


def test_input_hash_budget_goes_to_the_yaml_first(example: Path) -> None:
    from pia.base import fshash

    for i in range(3):  # more than the budget of a tiny hash, all larger than the YAML
        (example / f"pad{i}.bin").write_bytes(os.urandom(1_000_000))
    f = example / "files" / "juki.yaml"
    size = sum(p.stat().st_size for p in example.rglob("*.yaml"))

    def digest() -> str:
        return fshash.digest(example, build.HASH_LIMIT, size + 10)

    first = digest()
    st = f.stat()
    f.write_text(f.read_text(encoding="utf-8").replace("住民", "市民", 1), encoding="utf-8")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same time: only its bytes tell the change
    assert f.stat().st_size == st.st_size and digest() != first
