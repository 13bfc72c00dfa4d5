"""The class hub in a real browser: a student logs in, fetches notebook 1 from the Assignment List, answers one
cell in JupyterLab, submits, and sees the feedback and its score appear; the formgrader is the instructor's only.

One hub for the module (tests/class_hub.py: `make hub`'s script as root, real Unix users made for the run, PAM
log-in, the grading service that grades each submission and returns its feedback through nbgrader's exchange).
Each user has a browser context of their own (their own hub cookies). Screenshots are
artifacts/browser/hub-*.png; the hub's and the grading service's logs are kept in artifacts/hub/<tag>/.
The non-browser half (permissions, resubmissions, hostile and broken submissions) is tests/test_class_hub.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from browser_pages import ARTIFACTS, KERNEL_IDLE, ROOT, nbgrader_meta
from class_hub import ASSIGNMENT, ClassHub

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the hub makes real Unix accounts and runs as root: run "
                                "the browser tests as root (make test-browser does, on CI)")

SOLUTION = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
#: What the student types into the `layer_sizes` answer cell: the solution's computation, as a student might write
#: it (CodeMirror indents the second line itself after the colon).
TYPED = ["def layer_sizes(X, Y, n_h):", "return X.shape[0], n_h, Y.shape[0]"]
SPAWN_TIMEOUT_MS = 180_000      # the hub starts the user's JupyterLab (a loaded 2-core machine: allow minutes)
FEEDBACK_TIMEOUT_S = 300        # submission -> collected, autograded in the sandbox, feedback released
LIST = "#nbgrader-assignment-list"
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
FETCHED = ("() => ![...document.querySelectorAll('#submitted_assignments_list button')]"
           ".some(b => /Fetching/i.test(b.textContent))")
LIST_LOADED = """() => ['released', 'fetched', 'submitted'].every(kind => {
    const loading = document.getElementById(kind + '_assignments_list_loading');
    return loading && loading.hidden; })"""


@pytest.fixture(scope="module")
def hub():
    with ClassHub(students=1, interval=0) as running:
        yield running


def points(grade_id: str) -> float:
    """The points the source notebook gives the test cell ``grade_id``."""
    nb = nbformat.read(SOLUTION, as_version=4)
    return float(next(nbgrader_meta(c)["points"] for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id))


def shot(page, name: str) -> Path:
    path = ARTIFACTS / f"hub-{name}.png"
    page.screenshot(path=str(path))
    return path


@contextlib.contextmanager
def step(page, hub, name: str):
    """A step of a test: on any failure, a screenshot (hub-<name>-failure.png) and the hub's log tail."""
    try:
        yield
    except Exception as error:
        path = ARTIFACTS / f"hub-{name}-failure.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=str(path))
        hub_log = (hub.folder / "hub.log").read_text()[-3000:] if (hub.folder / "hub.log").exists() else ""
        raise AssertionError(f"step {name!r} failed at {page.url}: {error}\nscreenshot {path}\nthe hub's log "
                             f"(end):\n{hub_log}") from error


def log_in(browser, hub, name: str):
    """A browser context of ``name``'s own, logged in through the hub's log-in page, on their JupyterLab."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    with step(page, hub, f"{name}-log-in"):
        page.goto(f"{hub.url}/hub/login")
        page.fill("#username_input", name)
        page.fill("#password_input", hub.passwords[name])
        shot(page, f"login-{'instructor' if name == hub.instructor else 'student'}")
        page.click("#login_submit")
        # the hub accepts the password (PAM), spawns the user's server (spawn-pending) and sends the browser there
        page.wait_for_url(re.compile(rf"/user/{re.escape(name)}/lab"), timeout=SPAWN_TIMEOUT_MS,
                          wait_until="domcontentloaded")
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^File$")).wait_for(timeout=SPAWN_TIMEOUT_MS)
        # JupyterLab's splash screen goes once the user's last layout is restored (tabs restored later would take
        # the focus from a menu or the command palette)
        page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=SPAWN_TIMEOUT_MS)
    return context, page


def nbgrader_menu(page) -> list[str]:
    """The labels of the visible items of the menu bar's Nbgrader menu (closed again)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).click()
    menu = page.locator("#jp-mainmenu-nbgrader")
    menu.wait_for()
    labels = menu.locator(".lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel").all_inner_texts()
    for attempt in range(3):  # Escape reaches the menu only when it has the focus, which a loaded machine delays
        menu.focus()
        page.keyboard.press("Escape")
        try:
            menu.wait_for(state="hidden", timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - Playwright's timeout; the last attempt's is raised
            if attempt == 2:
                raise
    return [label.strip() for label in labels]


def open_assignment_list(page, attempts: int = 3):
    """Nbgrader > Assignment List, until the list's panel shows: on a loaded machine a click can land while the
    menu is still opening, and the menu then stays open with nothing chosen (seen once in a full run)."""
    for attempt in range(attempts):
        page.keyboard.press("Escape")
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).click()
        item = page.locator("#jp-mainmenu-nbgrader .lm-Menu-itemLabel", has_text=re.compile(r"^Assignment List$"))
        item.wait_for()
        item.click()
        try:
            page.locator(LIST).wait_for(timeout=40_000)
            return
        except Exception:  # noqa: BLE001 - Playwright's timeout; the last attempt's is raised
            if attempt == attempts - 1:
                raise


def refresh_list(page):
    """The Assignment List reloaded (its refresh button), and loaded without an error."""
    page.locator(f"{LIST} #refresh_assignments_list").click()
    wait_for_list(page)


def wait_for_list(page):
    page.wait_for_function(LIST_LOADED, timeout=120_000, polling=250)
    errors = [e for e in page.locator(f"{LIST} [id$='_assignments_list_error']").all() if e.is_visible()]
    assert not errors, f"the Assignment List shows an error: {errors[0].inner_text()!r}"


def row(page, kind: str):
    """The Assignment List's row of notebook 1 in its released, fetched or submitted section."""
    return page.locator(f"#{kind}_assignments_list > .list_item", has_text=ASSIGNMENT)


def dialog_texts(page) -> list[str]:
    return [" ".join(d.inner_text().split())[:500] for d in page.locator(".jp-Dialog").all()]


def scroll_to(page, text: str):
    """The open notebook's code cells showing ``text``, scrolled down to: JupyterLab attaches the cells (and
    CodeMirror the lines) that are in view or near it, so a cell further down is only in the page once it is."""
    cells = page.locator(f"{NOTEBOOK} .jp-CodeCell").filter(has_text=text)
    scroller = page.locator(f"{NOTEBOOK} .jp-WindowedPanel-outer")
    for _ in range(300):
        if cells.count():
            cells.first.scroll_into_view_if_needed()
            return cells
        at_end = scroller.evaluate("e => { const end = e.scrollTop + e.clientHeight >= e.scrollHeight - 2;"
                                   " e.scrollBy(0, e.clientHeight / 2); return end; }")
        page.wait_for_timeout(200)
        if at_end and not cells.count():
            break
    return cells


def palette_search(page, text: str, attempts: int = 3) -> list[str]:
    """The command palette's commands for ``text`` (View > Command Palette). The palette is a modal that closes
    when it loses the focus, so it is opened again if it is gone before the search is typed."""
    palette = page.locator(".lm-CommandPalette-input")
    for attempt in range(1, attempts + 1):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^View$")).click()
        page.locator(".lm-Menu-itemLabel", has_text="Command Palette").click()
        try:
            palette.fill(text, timeout=15_000)
            commands = page.locator(".lm-CommandPalette-itemLabel").all_inner_texts()
            if palette.is_visible():  # still open: the list is the search's
                page.keyboard.press("Escape")
                return commands
        except Exception as error:
            if type(error).__name__ != "TimeoutError" or attempt == attempts:
                raise
        page.keyboard.press("Escape")
    raise AssertionError(f"the command palette closed before its search could be read, {attempts} times")


def answer_cell_source(hub, student: str) -> str:
    path = Path(f"/home/{student}") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if nbgrader_meta(c).get("grade_id") == "answer_layer_sizes")


def test_a_student_logs_in_fetches_answers_submits_and_sees_feedback(browser, hub):
    from playwright.sync_api import expect
    student = hub.students[0]
    context, page = log_in(browser, hub, student)
    try:
        assert page.url.startswith(f"{hub.url}/user/{student}/lab"), page.url
        shot(page, "student-lab")

        with step(page, hub, "fetch"):
            labels = nbgrader_menu(page)
            assert "Assignment List" in labels, f"the student's Nbgrader menu has {labels}"
            open_assignment_list(page)
            wait_for_list(page)
            released = row(page, "released")
            assert released.count() == 1, "notebook 1 is not in the Assignment List's released assignments"
            shot(page, "assignment-list-released")
            released.locator("button", has_text=re.compile(r"^fetch$", re.I)).click()
            row(page, "fetched").wait_for()
            wait_for_list(page)
            assert (Path(f"/home/{student}") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists(), \
                "Fetch did not put the notebook in the student's home"
            shot(page, "assignment-list-fetched")

        with step(page, hub, "open-notebook"):
            fetched = row(page, "fetched")
            fetched.locator("a.assignment-notebooks-link").click()
            fetched.locator(".assignment-notebooks a", has_text=ASSIGNMENT).click()
            page.locator(f"{NOTEBOOK} .jp-Notebook .jp-Cell").first.wait_for()
            # the notebook's kernel starts as the student; a dialog (no kernel, a failed start) would stop the test
            page.wait_for_function(KERNEL_IDLE, timeout=180_000, polling=500)
            assert not dialog_texts(page), f"a dialog opened with the notebook: {dialog_texts(page)}"

        with step(page, hub, "answer"):
            cells = scroll_to(page, "def layer_sizes(X, Y, n_h):")
            assert cells.count() == 1, f"{cells.count()} cells define layer_sizes in the opened notebook"
            editor = cells.first.locator(".jp-InputArea-editor .cm-content")
            expect(editor).to_contain_text("raise NotImplementedError()")  # the fetched cell is the stub
            editor.click()
            page.keyboard.press("Control+A")
            page.keyboard.type(TYPED[0])
            page.keyboard.press("Enter")
            page.keyboard.type(TYPED[1])
            expect(editor).to_contain_text(TYPED[1])
            expect(editor).not_to_contain_text("NotImplementedError")
            page.keyboard.press("Escape")
            shot(page, "notebook-answered")
            page.keyboard.press("Control+S")
            page.wait_for_function("() => !document.querySelector('.lm-DockPanel-tabBar .lm-TabBar-tab"
                                   ".lm-mod-current.jp-mod-dirty')", timeout=60_000, polling=250)
            assert not dialog_texts(page), f"saving opened a dialog: {dialog_texts(page)}"
            # what the browser saved, in the student's own file: the typed function, and it works
            source = answer_cell_source(hub, student)
            assert "NotImplementedError" not in source and TYPED[1] in source, source
            namespace = {}
            exec(compile(source, "answer_layer_sizes", "exec"), namespace)
            assert namespace["layer_sizes"](np.zeros((3, 5)), np.zeros((2, 5)), 4) == (3, 4, 2)

        with step(page, hub, "submit"):
            page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Assignments").click()
            page.locator(LIST).wait_for()
            refresh_list(page)
            row(page, "fetched").locator("button", has_text=re.compile(r"^Submit$", re.I)).click()
            # the submitted row, or nbgrader's "Invalid Submission" dialog
            row(page, "submitted").or_(page.locator(".jp-Dialog")).first.wait_for()
            assert not dialog_texts(page), f"Submit opened a dialog: {dialog_texts(page)}"
            wait_for_list(page)
            inbound = hub.exchange / "ffnn" / "inbound"
            assert [p for p in inbound.iterdir() if p.name.startswith(f"{student}+{ASSIGNMENT}+")], \
                "the submission is not in the exchange's inbound"
            shot(page, "submitted")

        with step(page, hub, "feedback"):
            # the grading service collects, autogrades and releases the feedback; the student's list says so
            # ("feedback available to fetch"), Fetch Feedback brings it home, and the row links to it
            deadline = time.monotonic() + FEEDBACK_TIMEOUT_S
            offered = False
            while True:
                submitted = row(page, "submitted")
                if submitted.locator("a", has_text="view feedback").count():
                    break
                fetch = submitted.locator("button", has_text=re.compile(r"^Fetch Feedback$", re.I))
                if (submitted.filter(has_text="feedback available to fetch").count() and fetch.count()
                        and fetch.is_enabled()):
                    offered = True
                    fetch.click()
                    # the button says "Fetching Feedback..." until the list is drawn again from the reply
                    page.wait_for_function(FETCHED, timeout=120_000, polling=250)
                    wait_for_list(page)
                    continue
                if time.monotonic() > deadline:
                    raise AssertionError(f"no feedback in the Assignment List {FEEDBACK_TIMEOUT_S} s after the "
                                         f"submission; the grading service's log:\n{hub.service_log()[-4000:]}")
                page.wait_for_timeout(3000)
                refresh_list(page)
            assert offered, "feedback reached the student's home without their pressing Fetch Feedback"
            shot(page, "feedback-in-list")
            submitted.locator("a", has_text="view feedback").first.click()
            # nbgrader's link opens the submission's feedback folder in the file browser; the page is in it
            page_item = page.locator(".jp-DirListing-item", has_text=f"{ASSIGNMENT}.html")
            page_item.wait_for()
            page_item.dblclick()
            frame = page.frame_locator(".jp-HTMLViewer:not(.lm-mod-hidden) iframe")
            heading = frame.locator("h4", has_text="Score:").first
            heading.wait_for(timeout=60_000)
            shot(page, "feedback-page")
            title = " ".join(heading.inner_text().split())
            rows = [" ".join(t.split()) for t in frame.locator("#toc li").all_inner_texts()]

        match = re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", title)
        assert match and title.startswith(ASSIGNMENT), f"the feedback page's heading is {title!r}"
        shown, top = float(match.group(1)), float(match.group(2))
        expected = points("test_layer_sizes")
        # only layer_sizes was answered: its test's points, and nothing else
        assert 0 < shown == expected < top, f"the feedback page shows {title!r}; layer_sizes is worth {expected:g}"
        layer_rows = [re.fullmatch(r"layer_sizes \(Score: ([\d.]+) / ([\d.]+)\)", r) for r in rows
                      if r.startswith("layer_sizes ")]
        assert len(layer_rows) == 1 and layer_rows[0] and \
            (float(layer_rows[0].group(1)), float(layer_rows[0].group(2))) == (expected, expected), \
            f"the feedback page's row for layer_sizes is not full marks: {rows}"
        score = hub.gradebook_scores()[(student, ASSIGNMENT)]
        assert score == shown == expected, f"the gradebook holds {score}, the page shows {shown}"
    finally:
        context.close()


def test_the_formgrader_is_for_the_instructor_only(browser, hub):
    student, instructor = hub.students[0], hub.instructor
    context, page = log_in(browser, hub, student)
    try:
        with step(page, hub, "student-no-formgrader"):
            labels = nbgrader_menu(page)
            assert "Assignment List" in labels, f"the student's Nbgrader menu has {labels}"
            assert not [label for label in labels if "formgrader" in label.lower()], labels
            listed = palette_search(page, "assignment list")
            assert "Assignment List" in listed, f"the palette finds {listed} for 'assignment list'"
            commands = palette_search(page, "formgrader")
            assert not [c for c in commands if "formgrader" in c.lower()], commands
            response = page.goto(f"{hub.url}/user/{student}/formgrader")
            shot(page, "student-formgrader-404")
            assert response is not None and response.status == 404, \
                f"/user/{student}/formgrader answered {response and response.status} to the student"
    finally:
        context.close()

    context, page = log_in(browser, hub, instructor)
    try:
        with step(page, hub, "instructor-formgrader"):
            labels = nbgrader_menu(page)
            assert "Formgrader" in labels, f"the instructor's Nbgrader menu has {labels}"
            response = page.goto(f"{hub.url}/user/{instructor}/formgrader")
            assert response is not None and response.status == 200, \
                f"/user/{instructor}/formgrader answered {response and response.status} to the instructor"
            names = page.locator("tbody td.name a")
            broken = page.get_by_text("the formgrader encountered an error")
            names.filter(has_text=ASSIGNMENT).or_(broken).first.wait_for(timeout=120_000)
            shot(page, "instructor-formgrader")
            if broken.count():
                said = [line for line in (hub.folder / "hub.log").read_text().splitlines()
                        if "nbgrader_config.py" in line or "course directory root" in line]
                raise AssertionError("the instructor's formgrader shows nbgrader's error page instead of the "
                                     "course's assignments; the hub's log says:\n" + "\n".join(said[-6:]))
            listed = [n.strip() for n in names.all_inner_texts()]
            assert ASSIGNMENT in listed, f"the formgrader lists {listed}"
    finally:
        context.close()
