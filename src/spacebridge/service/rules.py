"""Rule evaluation with hysteresis (pure: numbers in, decision out).

A rule ``variable OP threshold`` (``OP`` one of ``>``, ``>=``, ``<``, ``<=``) opens an alert when an observation
satisfies it and, once open, closes it only when the value has come back past ``threshold`` by more than
``hysteresis`` (a Schmitt trigger): a flooded area hovering around 50 km² does not raise an alert at every scene.
De-duplication (one alert per rule and crossing, however often the same observation is processed) is done by the
store with a deterministic key, see :func:`dedup_key`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from typing import Literal

from spacebridge.core.errors import InvalidInputError, OutOfRangeError

__all__ = ["OPS", "Decision", "RuleSpec", "decide", "dedup_key"]

OPS = (">", ">=", "<", "<=")
Event = Literal["open", "close"] | None


@dataclass(frozen=True)
class RuleSpec:
    """``variable op threshold`` with a hysteresis band (same unit as the variable, >= 0)."""

    variable: str
    op: str
    threshold: float
    hysteresis: float = 0.0

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise InvalidInputError(
                f"rule operator {self.op!r} is not one of {', '.join(OPS)}",
                hint="Use > or >= to alert on high values, < or <= on low values",
                field="op",
                value=self.op,
            )
        if not math.isfinite(self.threshold):
            raise OutOfRangeError(f"rule threshold {self.threshold!r} is not finite", field="threshold")
        if not (math.isfinite(self.hysteresis) and self.hysteresis >= 0):
            raise OutOfRangeError(
                f"rule hysteresis {self.hysteresis!r} must be a finite number >= 0",
                hint="Give the width of the band, in the variable's unit, that the value must leave to clear",
                field="hysteresis",
                value=self.hysteresis,
            )

    @property
    def upward(self) -> bool:
        return self.op.startswith(">")

    def triggered(self, value: float) -> bool:
        return {
            ">": value > self.threshold,
            ">=": value >= self.threshold,
            "<": value < self.threshold,
            "<=": value <= self.threshold,
        }[self.op]

    def cleared(self, value: float) -> bool:
        """True when ``value`` is back past the threshold by more than the hysteresis."""
        if self.upward:
            return value < self.threshold - self.hysteresis
        return value > self.threshold + self.hysteresis


@dataclass(frozen=True)
class Decision:
    firing: bool
    """Whether the rule is firing after this observation."""
    event: Event
    """``"open"`` when an alert must be raised, ``"close"`` when the open one clears, else ``None``."""


def decide(rule: RuleSpec, *, firing: bool, value: float) -> Decision:
    """Next state of a rule given whether it was firing and the new observed ``value``.

    Non-finite values (no valid observation) change nothing: unknown is not "below threshold".

    Examples
    --------
    >>> r = RuleSpec("flooded_km2", ">", 50.0, hysteresis=5.0)
    >>> decide(r, firing=False, value=52.0)
    Decision(firing=True, event='open')
    >>> decide(r, firing=True, value=47.0)   # inside the band: still firing, no new alert
    Decision(firing=True, event=None)
    >>> decide(r, firing=True, value=44.0)
    Decision(firing=False, event='close')
    """
    if not math.isfinite(value):
        return Decision(firing, None)
    if not firing:
        return Decision(True, "open") if rule.triggered(value) else Decision(False, None)
    return Decision(False, "close") if rule.cleared(value) else Decision(True, None)


def dedup_key(rule_id: int, observed_at: dt.datetime, event: str) -> str:
    """Deterministic key of an alert: the same rule, observation time and event never make two alerts."""
    stamp = observed_at.astimezone(dt.UTC).isoformat() if observed_at.tzinfo else observed_at.isoformat()
    return hashlib.sha256(f"{rule_id}|{stamp}|{event}".encode()).hexdigest()
