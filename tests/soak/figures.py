"""What a soak run counts, which counts are defects, and the table that shows them.

An operation ends in exactly one way: a result of the expected type, a typed error (an
``MDMError``), a cancellation it was asked for, or a defect: lost (no outcome in time, a
result of the wrong type, a cancellation swallowed) or untyped (anything else raised).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from typing import Any

import attrs

from mdmkit.core.errors import MDMError

__all__ = ["DEFECTS", "Figures", "Outcome", "classify", "render_table"]

SAMPLES = 5  # examples kept per defect, so a report says what went wrong without a flood

DEFECTS = {
    "lost": "lost (no result, no typed error)",
    "writes_twice": "writes received twice",
    "unclosed": "unclosed sessions or tasks",
    "untyped": "untyped errors",
    "secrets": "secrets in logs, reprs, chains",
    "fake_crashes": "fake server crashes",
    "warnings": "other warnings",
}
"""Each defect figure and its row label; any of them above zero fails the run."""


@attrs.frozen
class Outcome:
    """How one operation ended: ``kind`` is result, typed, cancelled, lost or untyped."""

    kind: str
    detail: str = ""


def classify(
    *,
    finished: bool,
    result: object = None,
    error: BaseException | None = None,
    expected: type | tuple[type, ...] = object,
    cancel_requested: bool = False,
) -> Outcome:
    """The outcome of an operation from what its task did (``finished``: it ended in time)."""
    if not finished:
        return Outcome("lost", "no outcome before the watchdog ran out")
    if error is None:
        if cancel_requested:
            return Outcome("lost", f"cancellation swallowed: returned {type(result).__name__}")
        if not isinstance(result, expected):
            return Outcome("lost", f"returned {type(result).__name__}, not {_names(expected)}")
        return Outcome("result")
    if isinstance(error, asyncio.CancelledError):
        if cancel_requested:
            return Outcome("cancelled")
        return Outcome("untyped", "CancelledError though nobody cancelled the operation")
    if isinstance(error, MDMError):
        return Outcome("typed", type(error).__name__)
    return Outcome("untyped", f"{type(error).__name__}: {error!s:.200}")


def _names(expected: type | tuple[type, ...]) -> str:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(kind.__name__ for kind in kinds)


@attrs.define
class Figures:
    """The counts of one run (soak or fuzz) and a few examples of each defect."""

    name: str
    operations: int = 0
    outcomes: Counter[str] = attrs.Factory(Counter)
    typed: Counter[str] = attrs.Factory(Counter)
    info: dict[str, int] = attrs.Factory(dict)
    defects: Counter[str] = attrs.Factory(Counter)
    samples: dict[str, list[str]] = attrs.Factory(dict)

    def record(self, outcome: Outcome, what: str) -> None:
        """Count one operation's outcome; a lost or untyped one is a defect with its example."""
        self.operations += 1
        self.outcomes[outcome.kind] += 1
        if outcome.kind == "typed":
            self.typed[outcome.detail] += 1
        if outcome.kind in ("lost", "untyped"):
            self.defect(outcome.kind, f"{what}: {outcome.detail}")

    def defect(self, kind: str, example: str, count: int = 1) -> None:
        """Count ``count`` defects of ``kind`` (a key of DEFECTS), keeping the example."""
        if kind not in DEFECTS:
            raise KeyError(f"unknown defect {kind!r}")
        self.defects[kind] += count
        kept = self.samples.setdefault(kind, [])
        if len(kept) < SAMPLES:
            kept.append(example)

    @property
    def total_defects(self) -> int:
        return sum(self.defects.values())

    def to_json(self) -> dict[str, Any]:
        """Plain data, for a child process to hand its figures to the parent."""
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figures:
        return cls(
            name=data["name"],
            operations=data["operations"],
            outcomes=Counter(data["outcomes"]),
            typed=Counter(data["typed"]),
            info=data["info"],
            defects=Counter(data["defects"]),
            samples=data["samples"],
        )


INFO_ROWS = [
    ("requests", "requests answered"),
    ("faults", "faults injected"),
    ("bodies", "hostile bodies served"),
    ("mints", "token mints"),
    ("cancel_requests", "cancellations requested"),
    ("secret_texts", "texts searched for secrets"),
]


def render_table(runs: Iterable[Figures], seed: int, seconds: float) -> str:
    """The figures of every run side by side, defects last, with the seed to reproduce."""
    runs = list(runs)
    rows: list[tuple[str, list[str]]] = [
        ("operations", [str(r.operations) for r in runs]),
        ("  results", [str(r.outcomes["result"]) for r in runs]),
        ("  typed errors", [str(r.outcomes["typed"]) for r in runs]),
        ("  cancelled", [str(r.outcomes["cancelled"]) for r in runs]),
    ]
    for key, label in INFO_ROWS:
        if any(key in r.info for r in runs):
            rows.append((label, [str(r.info[key]) if key in r.info else "-" for r in runs]))
    rows.append(("defects", ["" for _ in runs]))
    for key, label in DEFECTS.items():
        rows.append((f"  {label}", [str(r.defects[key]) for r in runs]))
    width = max(len(label) for label, _ in rows) + 2
    lines = [f"{'seed ' + str(seed):<{width}}" + "".join(f"{r.name:>10}" for r in runs)]
    lines += [f"{label:<{width}}" + "".join(f"{v:>10}" for v in values) for label, values in rows]
    total = sum(r.total_defects for r in runs)
    lines.append(f"{'total defects':<{width}}{total:>10}   ({seconds:.0f}s)")
    for run in runs:
        for kind, examples in run.samples.items():
            lines.append(f"{run.name} {DEFECTS[kind]}:")
            lines += [f"  - {example}" for example in examples]
        if run.typed:
            common = ", ".join(f"{name} {count}" for name, count in run.typed.most_common(8))
            lines.append(f"{run.name} typed errors: {common}")
    return "\n".join(lines)
