"""Prints the search query-set accuracy at the end of the test run."""

from __future__ import annotations

import pytest

from tests.bot.search.test_query_set import OFF_TOPIC_SUMMARY, SUMMARY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for key in (SUMMARY, OFF_TOPIC_SUMMARY):
        for line in terminalreporter.config.stash.get(key, []):
            terminalreporter.write_line(line)
