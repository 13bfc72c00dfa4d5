"""Warnings the course's own commands may print, each with the reason it is harmless; any other is a test failure.

`unexplained_warnings(log)` returns the WARNING lines of a log (Jupyter's `[W ...]`, Python logging's `WARNING`)
that no entry here explains. Add an entry only with its reason and, for an upstream message, where it comes from.
"""

from __future__ import annotations

import re

KNOWN = [
    # The tests ask for pages the student lab must refuse (the formgrader is off, a request without the token is
    # forbidden); the server logs each refusal it was asked for.
    (r"\[W [^\]]*\] 40[34] (GET|POST) /(formgrader|api/contents)\b", "a refusal a test asked for"),
    (r"\[W [^\]]*\] wrote error: 'Forbidden'", "a refusal a test asked for"),
    # jupyter_server, on opening a notebook it has not signed yet (the first time this machine's server sees a
    # course notebook): trust is about outputs, and a student version has none; the server signs it when saved.
    (r"\[W [^\]]*\] Notebook \S+\.ipynb is not trusted$", "a course notebook opened the first time"),
    # tornado, when the browser answered no ping for a whole interval: on the tests' loaded machine (two cores, four
    # workers and Chromium) a headless tab can be starved that long; the page reconnects at once ("Restoring
    # connection") and no message is lost (the server buffers them).
    (r"\[W [^\]]*\] WebSocket ping timeout after \d+ ms\.$", "a browser starved of CPU for a ping interval"),
]


def warning_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if re.match(r"\[W \d", line) or re.search(r"\bWARNING\b", line)]


def unexplained_warnings(log: str) -> list[str]:
    return [line for line in warning_lines(log) if not any(re.search(pattern, line) for pattern, _ in KNOWN)]
