"""Property-based robustness: mutated versions of the real example never make check, render or diff raise,
and every finding names a file and a line. Long campaign: PIA_HYPOTHESIS_EXAMPLES=5000 pytest tests/test_robustness.py"""
from __future__ import annotations

import os
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import EXAMPLE, data_paths
from pia.document import assessment as asm
from pia.analysis.check import check_assessment
from pia.history.diff import diff
from pia.document import page
from pia.output.html import render_html

FILES = {p.relative_to(EXAMPLE).as_posix(): p.read_bytes() for p in sorted(EXAMPLE.rglob("*.yaml"))}
DATA = {k: yaml.safe_load(v.decode()) for k, v in FILES.items()}
BASE = asm.from_texts("base", FILES)
EXAMPLES = int(os.environ.get("PIA_HYPOTHESIS_EXAMPLES", "40"))
# Building the inputs with libyaml (as pia itself reads YAML) rather than pure-Python PyYAML: two thirds of this
# test's time was spent there, not in pia.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

weird_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["\u202eRTL\u202c", "\x07bell", "=HYPERLINK(\"x\")", "<script>alert(1)</script>", "—", "", "x" * 5000,
     "令和元年13月40日", "-1", "10万人以上", "\ufeff", "🙂" * 10])
scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | weird_text
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(weird_text, inner, max_size=3), max_leaves=8)


def _set(node: Any, path: tuple, value: Any, delete: bool) -> Any:
    if not path:
        return value
    parent = node
    for p in path[:-1]:
        parent = parent[p]
    if delete and isinstance(parent, dict):
        parent.pop(path[-1], None)
    elif delete and isinstance(parent, list):
        parent.pop(path[-1])
    else:
        parent[path[-1]] = value
    return node


@st.composite
def mutated(draw) -> dict[str, bytes]:
    import copy

    texts = dict(FILES)
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(sorted(DATA)))
        try:
            # an unmutated file needs no parsing
            data = copy.deepcopy(DATA[name]) if texts[name] is FILES[name] else yaml.load(texts[name].decode(errors="replace"), Loader=_Loader)
        except yaml.YAMLError:  # an earlier raw mutation broke it: mutate the original instead
            data = copy.deepcopy(DATA[name])
        mode = draw(st.sampled_from(["set", "delete", "raw", "nest"]))
        if mode == "raw":
            raw = texts[name]
            pos = draw(st.integers(0, len(raw)))
            texts[name] = raw[:pos] + draw(weird_text).encode("utf-8", "surrogatepass") + raw[pos:]
            continue
        paths = data_paths(data)
        path = draw(st.sampled_from(paths[1:] or paths))
        value = draw(values) if mode != "nest" else [[[[[[[[["deep"]]]]]]]]]
        data = _set(data, path, value, mode == "delete")
        texts[name] = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False).encode()
    return texts


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutations_never_raise_and_always_locate(texts: dict[str, bytes]):
    a = asm.from_texts("a", texts)
    result = check_assessment(a)
    for f in result.findings:
        assert f.file and f.line >= 1 and f.column >= 1, f
    html = render_html(page.of(a))
    assert "<html" in html
    diff(BASE, a)
    diff(a, BASE)
