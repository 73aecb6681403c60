"""Figures measured by the reliability tests, printed in pytest's terminal summary (and kept for the docs)."""

from __future__ import annotations

import pytest

FIGURES: list[tuple[str, str]] = []


def record(test: str, figure: str) -> None:
    """Keep one measured figure (shown at the end of the run under "reliability figures")."""
    FIGURES.append((test, figure))
    print(f"[reliability] {test}: {figure}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for test, figure in FIGURES:
        terminalreporter.write_line(f"{test}: {figure}")
