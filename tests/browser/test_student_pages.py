"""Students' side in the browser: `make lab`'s server (student set-up) on a copy of notebooks/: every student
notebook opens, runs all its cells up to the first test, which asks for the missing code, with no accessibility
problem of the course's own; the Validate button reports; no instructor panels; the server's log has no warning
that tests/known_warnings.py does not explain."""

from __future__ import annotations

import re

import nbformat
import pytest

from browser_pages import (ARTIFACTS, accessibility_problems, cell_report, check_runs_to_the_first_test, course,
                           open_notebook, run_all, validate)
from known_warnings import unexplained_warnings


@pytest.mark.parametrize("assignment", course.ASSIGNMENTS)
def test_student_notebook_runs_to_the_first_test_which_asks_for_code(browser, student_server, assignment):
    nb = nbformat.read(course.release_notebook(assignment), as_version=4)
    page = open_notebook(browser, student_server, f"{assignment}/{assignment}.ipynb")
    try:
        run_all(page, name=f"{assignment}-student")
        check_runs_to_the_first_test(f"{assignment}.ipynb", nb, cell_report(page))
        page.screenshot(path=str(ARTIFACTS / f"{assignment}-student.png"), full_page=False)
        problems = accessibility_problems(page, "lab", f"{assignment}-student")
        assert not problems, f"{assignment}, the student version in JupyterLab:\n" + "\n".join(problems)
        text = validate(page, f"{assignment}-student")
        assert "Success" not in text and ("failed" in text.lower() or "error" in text.lower()), \
            f"{assignment}: the Validate dialog said {text[:500]!r}"
    finally:
        page.close()


def test_student_setup_has_validate_but_no_instructor_panels(browser, student_server):
    page = open_notebook(browser, student_server, f"{course.ASSIGNMENTS[0]}/{course.ASSIGNMENTS[0]}.ipynb")
    try:
        assert page.locator(".validate-button").count() >= 1, "no Validate button in the notebook toolbar"
        menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert "Nbgrader" not in menus, menus
        # the command palette lists every command the set-up has
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^View$")).click()
        page.locator(".lm-Menu-itemLabel", has_text="Command Palette").click()
        page.locator(".lm-CommandPalette-input").fill("formgrader")
        commands = page.locator(".lm-CommandPalette-itemLabel").all_inner_texts()
        assert not [c for c in commands if "formgrader" in c.lower()], commands
        page.locator(".lm-CommandPalette-input").fill("create assignment")
        commands = page.locator(".lm-CommandPalette-itemLabel").all_inner_texts()
        assert not [c for c in commands if "create assignment" in c.lower()], commands
        page.keyboard.press("Escape")
        assert page.locator(".jp-SideBar", has_text="Create Assignment").count() == 0
        # nor a Formgrader tile in the launcher
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^File$")).click()
        page.locator(".lm-Menu-itemLabel", has_text="New Launcher").click()
        page.wait_for_selector(".jp-Launcher")
        tiles = page.locator(".jp-LauncherCard-label").all_inner_texts()
        assert tiles and not [t for t in tiles if "formgrader" in t.lower()], tiles
        page.screenshot(path=str(ARTIFACTS / "student-launcher.png"))
    finally:
        page.close()


def test_student_server_log_has_no_unexplained_warning(student_server):
    """Last in this module (one worker runs it after the others, --dist loadfile): by now the server has started a
    kernel for every notebook, run it and validated it, so its log holds what a student's `make lab` would print."""
    log = student_server.log_path.read_text()
    assert "Kernel started" in log, f"no kernel was started through the server: {student_server.log_path}"
    unexplained = unexplained_warnings(log)
    assert not unexplained, f"{student_server.log_path}: warnings tests/known_warnings.py does not explain:\n" + \
        "\n".join(unexplained)
