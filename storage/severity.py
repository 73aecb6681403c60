"""Severity: how grave an item or story is, P1 (fighting, casualties) to P4 (politics, talks), or none.

The one definition of the levels and their order. Values are stored and passed as their strings ("P1"…);
`Severity` is a str enum, so a stored value compares equal to its member.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """A severity level; P1 is the gravest."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        """1 for P1 … 4 for P4: smaller is graver."""
        return int(self.value[1])


LEVELS: tuple[str, ...] = tuple(level.value for level in Severity)
# the rank of an item or story without a severity: below P4
UNRATED_RANK = len(LEVELS) + 1


def severity_rank(severity: str | None) -> int:
    """1 for P1 … 4 for P4, 5 for none (or a value that is not a level): smaller is graver."""
    return Severity(severity).rank if severity in LEVELS else UNRATED_RANK


def higher_severity(a: str | None, b: str | None) -> str | None:
    """The graver of two severities (P1 beats P2 beats … beats none)."""
    return a if severity_rank(a) <= severity_rank(b) else b


__all__ = ["LEVELS", "UNRATED_RANK", "Severity", "higher_severity", "severity_rank"]
