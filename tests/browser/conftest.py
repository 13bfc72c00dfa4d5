"""Fixtures of the browser tests: the browser, and the student-side and source JupyterLab servers."""

from __future__ import annotations

import pytest

from types import SimpleNamespace

from browser_pages import ARTIFACTS, BROWSER_ARGS, _lab_server, course, ensure_chromium, ensure_playwright


@pytest.fixture(scope="session")
def browser_tools():
    """(chromium executable, playwright.sync_api): found, or installed when missing; fast when both are there."""
    return SimpleNamespace(chromium=ensure_chromium(), playwright=ensure_playwright())


@pytest.fixture(scope="session")
def browser(browser_tools):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser_tools.playwright.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=browser_tools.chromium, args=BROWSER_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def student_server(tmp_path_factory):
    yield from _lab_server(tmp_path_factory, "student", course.RELEASE)


@pytest.fixture(scope="session")
def source_server(tmp_path_factory):
    yield from _lab_server(tmp_path_factory, "source", course.SOURCE)
