"""Findings: what `pia check` reports. Values, never exceptions."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from operator import attrgetter

from pia.base.registry import Severity

ERROR = Severity.ERROR
WARNING = Severity.WARNING


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    column: int
    rule_id: str
    severity: Severity
    item_path: str
    message: str
    hint: str = ""
    suppressed: str | None = field(default=None, compare=False)  # the reason given beside the value
    anchor: str = field(default="", compare=False)  # "<doc key>/<data path>": the item's id in the rendered HTML

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["severity"] = self.severity.value
        return d

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR and self.suppressed is None


# Finding's own order (the fields it compares) as one key per finding: sorting 100,000 findings then builds 100,000
# tuples, not two at each of about 2 million comparisons
sort_key = attrgetter(*(f.name for f in fields(Finding) if f.compare))
