"""The schemas compiled to plain Python predicates (valid or not), cached on disk by the schemas' content hash.

`pia check` runs on every commit, mostly on documents that are valid: a predicate generated from the ($ref-inlined)
schema answers "valid" without importing jsonschema (a tenth of a second) or walking its validator objects. A
document the predicate rejects is walked by `iter_errors`, which gives the errors jsonschema's Draft 2020-12
validator gives (the same keyword, schema node, instance, paths, context and message), for the keywords the schemas
use; tests/test_compiled_schemas.py compares both with jsonschema on mutated documents. A schema using a keyword
the compiler does not know is not compiled: jsonschema validates it as before.

The generated module is kept in the user's cache folder as marshalled code, named by the hash of the schema files,
the compiler's version and the Python version: a changed schema is a new entry, an unwritable cache folder only
means compiling in memory each time, and an unreadable or corrupt entry is ignored (and replaced).
"""
from __future__ import annotations

import hashlib
import marshal
import os
import re
import sys
from typing import Any, Callable, Iterator

from pia.base.resources import cache_dir

VERSION = b"1"  # of the generated code: part of the cache key
_MAGIC = b"pia-schemas\n"

# Draft 2020-12 keywords that constrain a value (the others are annotations, ignored as jsonschema does).
_ASSERTING = {
    "$ref", "$dynamicRef", "$recursiveRef", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas",
    "prefixItems", "items", "additionalItems", "contains", "properties", "patternProperties", "additionalProperties",
    "propertyNames", "unevaluatedItems", "unevaluatedProperties", "type", "enum", "const", "multipleOf", "maximum",
    "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties", "required", "dependentRequired",
    "dependencies",
}
_COMPILED = {"type", "enum", "properties", "additionalProperties", "required", "items", "anyOf", "not",
             "minProperties", "maxProperties", "pattern", "minimum"}
# jsonschema's Draft 2020-12 type checks (bool is not a number; 1.0 is an integer)
_TYPES = {
    "string": "isinstance(x, str)",
    "object": "isinstance(x, dict)",
    "array": "isinstance(x, list)",
    "boolean": "isinstance(x, bool)",
    "null": "x is None",
    "integer": "(isinstance(x, int) and not isinstance(x, bool) or isinstance(x, float) and x.is_integer())",
    "number": "(isinstance(x, (int, float)) and not isinstance(x, bool))",
}

Predicate = Callable[[Any], bool]
Node = dict[str, Any]


class Unsupported(Exception):
    """The schema uses a keyword (or a form of one) the compiler does not translate."""


class _Generator:
    def __init__(self) -> None:
        self.out: list[str] = ["import re"]
        self.functions: dict[str, str] = {}  # body -> function name (equal subschemas share one function)
        self.constants: dict[str, str] = {}  # literal -> constant name

    def constant(self, literal: str) -> str:
        if literal not in self.constants:
            name = f"C{len(self.constants)}"
            self.constants[literal] = name
            self.out.append(f"{name} = {literal}")
        return self.constants[literal]

    def function(self, node: Any) -> str:
        """The name of a function x -> bool that tells whether x is valid against node."""
        if node is True or node == {}:
            return "_true"
        if node is False:
            return "_false"
        if not isinstance(node, dict):
            raise Unsupported(repr(node)[:80])
        body = self.body(node)
        if not body:
            return "_true"
        text = "\n".join("    " + ln for ln in body)
        if text not in self.functions:
            name = f"f{len(self.functions)}"
            self.functions[text] = name
            self.out.append(f"def {name}(x):\n{text}\n    return True")
        return self.functions[text]

    def body(self, node: dict[str, Any]) -> list[str]:
        unknown = (node.keys() & _ASSERTING) - _COMPILED
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        lines: list[str] = []
        if "type" in node:
            t = node["type"]
            names = [t] if isinstance(t, str) else t
            if not isinstance(names, list) or not names or any(n not in _TYPES for n in names):
                raise Unsupported(f"type {t!r}")
            lines.append(f"if not ({' or '.join(_TYPES[n] for n in names)}): return False")
        if "enum" in node:
            opts = node["enum"]
            # jsonschema compares a string only with strings by ==; anything else needs its own equality rules
            if not isinstance(opts, list) or not all(isinstance(o, str) for o in opts):
                raise Unsupported("enum of non-strings")
            c = self.constant(f"frozenset({sorted(set(opts))!r})")
            lines.append(f"if not (isinstance(x, str) and x in {c}): return False")
        if "pattern" in node:
            c = self.constant(f"re.compile({node['pattern']!r}).search")
            lines.append(f"if isinstance(x, str) and not {c}(x): return False")
        if "minimum" in node:
            m = node["minimum"]
            if not isinstance(m, (int, float)) or isinstance(m, bool):
                raise Unsupported("minimum")
            lines.append(f"if isinstance(x, (int, float)) and not isinstance(x, bool) and x < {m!r}: return False")
        obj = self.object_body(node)
        if obj:
            lines.append("if isinstance(x, dict):")
            lines += ["    " + ln for ln in obj]
        if "items" in node:
            items = node["items"]
            if not isinstance(items, (dict, bool)):
                raise Unsupported("items as a list")
            f = self.function(items)
            if f != "_true":
                lines.append(f"if isinstance(x, list) and not all(map({f}, x)): return False")
        if "anyOf" in node:
            alts = node["anyOf"]
            if not isinstance(alts, list) or not alts:
                raise Unsupported("anyOf")
            names = [self.function(a) for a in alts]
            if "_true" not in names:
                lines.append(f"if not ({' or '.join(f'{n}(x)' for n in names)}): return False")
        if "not" in node:
            lines.append(f"if {self.function(node['not'])}(x): return False")
        return lines

    def object_body(self, node: dict[str, Any]) -> list[str]:
        lines: list[str] = []
        props = node.get("properties", {})
        if not isinstance(props, dict):
            raise Unsupported("properties")
        if "required" in node:
            req = node["required"]
            if not isinstance(req, list) or not all(isinstance(k, str) for k in req):
                raise Unsupported("required")
            if req:
                lines.append(f"if not x.keys() >= {self.constant(f'frozenset({sorted(set(req))!r})')}: return False")
        for key, op in (("minProperties", "<"), ("maxProperties", ">")):
            if key in node:
                n = node[key]
                if not isinstance(n, int) or isinstance(n, bool):
                    raise Unsupported(key)
                lines.append(f"if len(x) {op} {n}: return False")
        for k, sub in props.items():
            f = self.function(sub)
            if f != "_true":
                lines.append(f"if {k!r} in x and not {f}(x[{k!r}]): return False")
        if "additionalProperties" in node:
            extra = node["additionalProperties"]
            known = self.constant(f"frozenset({sorted(props)!r})")
            if extra is False:
                lines.append(f"if not x.keys() <= {known}: return False")
            elif extra is not True:
                f = self.function(extra)
                if f != "_true":
                    lines.append(f"for k in x.keys() - {known}:")
                    lines.append(f"    if not {f}(x[k]): return False")
        return lines


def generate(trees: dict[str, Any]) -> str:
    """The Python source of a module defining VALIDATORS: schema name -> predicate (only the schemas it compiles)."""
    g = _Generator()
    g.out += ["def _true(x):\n    return True", "def _false(x):\n    return False"]
    names: dict[str, str] = {}
    for name, tree in sorted(trees.items()):
        try:
            names[name] = g.function(tree)
        except Unsupported:
            continue
    g.out.append("VALIDATORS = {" + ", ".join(f"{n!r}: {f}" for n, f in names.items()) + "}")
    return "\n".join(g.out) + "\n"


def digest(sources: list[tuple[str, bytes]]) -> str:
    """The cache key: the schema files (name and bytes), the compiler's version and the Python that runs it."""
    h = hashlib.sha256(VERSION + b"\0" + sys.implementation.cache_tag.encode() + b"\0")
    for name, data in sorted(sources):
        h.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()


def _read(path: Any, key: str) -> Any:
    """The cached code object, or None when absent, not ours, or corrupt."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            # only an entry this user wrote and nobody else can change is executed
            if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
                return None
            data = f.read()
    except OSError:
        return None
    head = _MAGIC + key.encode() + b"\n"
    if not data.startswith(head):
        return None
    try:
        code = marshal.loads(data[len(head):])
    except (EOFError, ValueError, TypeError):
        return None
    return code if type(code).__name__ == "code" else None


def _write(path: Any, key: str, code: Any) -> None:
    """Best effort: a folder that cannot be written only costs compiling again next time."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + key.encode() + b"\n" + marshal.dumps(code))
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


def _run(code: Any) -> dict[str, Predicate] | None:
    namespace: dict[str, Any] = {"__name__": "pia_compiled_schemas"}
    try:
        exec(code, namespace)  # noqa: S102 - code generated from the schemas (or this user's cached copy of it)
        return dict(namespace["VALIDATORS"])
    except Exception:  # a damaged entry that still unmarshalled
        return None


def validators(key: str, trees: Callable[[], dict[str, Any]]) -> dict[str, Predicate]:
    """name -> predicate for the schemas whose content hash is key; trees() gives the $ref-inlined schemas when the
    module has to be generated (not read from the cache)."""
    folder = cache_dir()
    path = folder / f"schemas-{key}.marshal" if folder else None
    code = _read(path, key) if path else None
    found = _run(code) if code is not None else None
    if found is None:
        code = compile(generate(trees()), "<pia-compiled-schemas>", "exec")
        if path:
            _write(path, key, code)
        found = _run(code) or {}
    return found


# ---- the errors of an invalid document, as jsonschema's Draft 2020-12 validator gives them ----------------------

_UNSET = object()


class Error:
    """What pia reads of a jsonschema ValidationError."""

    def __init__(self, message: str, context: list[Error] | None = None):
        self.message = message
        self.context = context or []
        for e in self.context:
            e.parent = self
        self.parent: Error | None = None
        self.validator: Any = _UNSET
        self.validator_value: Any = None
        self.instance: Any = None
        self.schema: Any = None
        self.relative_path: list[str | int] = []
        self.relative_schema_path: list[str | int] = []

    @property
    def absolute_path(self) -> list[str | int]:
        return (self.parent.absolute_path if self.parent else []) + self.relative_path

    path = property(lambda self: self.relative_path)
    schema_path = property(lambda self: self.relative_schema_path)


def _is(x: Any, t: str) -> bool:
    if t == "integer":
        return isinstance(x, int) and not isinstance(x, bool) or isinstance(x, float) and x.is_integer()
    if t == "number":
        return isinstance(x, (int, float)) and not isinstance(x, bool)
    return x is None if t == "null" else isinstance(x, {"string": str, "object": dict, "array": list, "boolean": bool}[t])


def _descend(x: Any, node: Any, path: str | int | None = None, schema_path: str | int | None = None) -> Iterator[Error]:
    for e in iter_errors(node, x):
        if path is not None:
            e.relative_path.insert(0, path)
        if schema_path is not None:
            e.relative_schema_path.insert(0, schema_path)
        yield e


def _k_type(v: Any, x: Any, node: Node) -> Iterator[Error]:
    types = [v] if isinstance(v, str) else v
    if not any(_is(x, t) for t in types):
        yield Error(f"{x!r} is not of type {', '.join(repr(t) for t in types)}")


def _k_enum(v: Any, x: Any, node: Node) -> Iterator[Error]:
    if not (isinstance(x, str) and x in v):
        yield Error(f"{x!r} is not one of {v!r}")


def _k_pattern(v: Any, x: Any, node: Node) -> Iterator[Error]:
    if isinstance(x, str) and not re.search(v, x):
        yield Error(f"{x!r} does not match {v!r}")


def _k_minimum(v: Any, x: Any, node: Node) -> Iterator[Error]:
    if _is(x, "number") and x < v:
        yield Error(f"{x!r} is less than the minimum of {v!r}")


def _k_properties(v: Any, x: Any, node: Node) -> Iterator[Error]:
    if isinstance(x, dict):
        for k, sub in v.items():
            if k in x:
                yield from _descend(x[k], sub, path=k, schema_path=k)


def _k_additional(v: Any, x: Any, node: Node) -> Iterator[Error]:
    if not isinstance(x, dict):
        return
    props = node.get("properties", {})
    extras = {k for k in x if k not in props}
    if isinstance(v, dict):
        for k in extras:
            yield from _descend(x[k], v, path=k)
    elif not v and extras:
        shown = sorted(extras, key=str)
        yield Error("Additional properties are not allowed (%s %s unexpected)"
                    % (", ".join(repr(k) for k in shown), "was" if len(shown) == 1 else "were"))


def _k_required(v: Any, x: Any, node: Node) -> Iterator[Error]:
    if isinstance(x, dict):
        for k in v:
            if k not in x:
                yield Error(f"{k!r} is a required property")


def _k_min_properties(v: Any, x: Any, node: Node) -> Iterator[Error]:
    if isinstance(x, dict) and len(x) < v:
        yield Error(f"{x!r} {'should be non-empty' if v == 1 else 'does not have enough properties'}")


def _k_max_properties(v: Any, x: Any, node: Node) -> Iterator[Error]:
    if isinstance(x, dict) and len(x) > v:
        yield Error(f"{x!r} {'is expected to be empty' if v == 0 else 'has too many properties'}")


def _k_items(v: Any, x: Any, node: Node) -> Iterator[Error]:
    if isinstance(x, list):
        for i, item in enumerate(x):
            yield from _descend(item, v, path=i)


def _k_any_of(v: Any, x: Any, node: Node) -> Iterator[Error]:
    found: list[Error] = []
    for i, sub in enumerate(v):
        errs = list(_descend(x, sub, schema_path=i))
        if not errs:
            return
        found += errs
    yield Error(f"{x!r} is not valid under any of the given schemas", found)


def _k_not(v: Any, x: Any, node: Node) -> Iterator[Error]:
    if next(iter_errors(v, x), None) is None:
        yield Error(f"{x!r} should not be valid under {v!r}")


_KEYWORDS = {"type": _k_type, "enum": _k_enum, "pattern": _k_pattern, "minimum": _k_minimum,
             "properties": _k_properties, "additionalProperties": _k_additional, "required": _k_required,
             "minProperties": _k_min_properties, "maxProperties": _k_max_properties, "items": _k_items,
             "anyOf": _k_any_of, "not": _k_not}


def iter_errors(node: Any, x: Any) -> Iterator[Error]:
    """The errors of x against a compiled schema (one `generate` accepted), in jsonschema's order."""
    if node is True:
        return
    if node is False:
        e = Error(f"False schema does not allow {x!r}")
        e.validator, e.instance, e.schema = None, x, node
        yield e
        return
    for k, v in node.items():
        check = _KEYWORDS.get(k)
        if check is None:
            continue
        for e in check(v, x, node):
            if e.validator is _UNSET:
                e.validator, e.validator_value, e.instance, e.schema = k, v, x, node
            e.relative_schema_path.insert(0, k)
            yield e
