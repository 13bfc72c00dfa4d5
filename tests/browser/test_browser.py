"""The course as people see it, in a real headless browser (Debian's chromium driven by Playwright).

Students: `make lab`'s server (student set-up) on a copy of notebooks/: every student notebook opens, runs all
its cells up to the first test, which asks for the missing code; the Validate button reports; no instructor panels.
Instructors: every source notebook runs in the browser with all tests passing and every plot drawn; after an
autograde, the formgrader lists assignments, students and scores, and opens a submission with per-cell results.

Screenshots and server logs go to artifacts/browser/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "grader"))
sys.path.insert(0, str(ROOT / "tests"))
import course  # noqa: E402
import lab  # noqa: E402

ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage"]
TOKEN = "browser-test-token"


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


class Server:
    """A Jupyter server on 127.0.0.1 (a free port), its log kept under artifacts/."""

    def __init__(self, name, root, env, extra=()):
        self.name, self.port = name, lab.free_port(19000)
        self.log_path = ARTIFACTS / f"{name}-server.log"
        self.base = f"http://127.0.0.1:{self.port}"
        arguments = lab.command(self.port, root) + list(extra)
        env = lab.with_token(env, TOKEN)
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(arguments, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/api/status?token={TOKEN}", timeout=2)
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.5)
        self.stop()
        pytest.fail(f"the {name} server did not start; its log: {self.log_path}\n{self.log_path.read_text()[-3000:]}")

    def url(self, path):
        return f"{self.base}/{path}{'&' if '?' in path else '?'}token={TOKEN}"

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
        self.log.close()


def lab_settings(folder: Path) -> Path:
    """JupyterLab user settings for the tests: every cell rendered (no windowing), no autosave, no news."""
    settings = folder / "lab-settings"
    tracker = settings / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    docmanager = settings / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True, exist_ok=True)
    (docmanager / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    news = settings / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True, exist_ok=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false",
                                                                       "checkForUpdates": False}))
    return settings


@pytest.fixture(scope="session")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test-browser` installs it"
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def student_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("student")
    shutil.copytree(course.RELEASE, folder / "notebooks")
    env = lab.student_environment(course.notebook_environment())
    env.update({"JUPYTERLAB_SETTINGS_DIR": str(lab_settings(folder)), "JUPYTER_RUNTIME_DIR": str(folder / "rt")})
    server = Server("student", folder / "notebooks", env)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def source_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("source")
    shutil.copytree(course.SOURCE, folder / "solutions")
    env = lab.student_environment(course.notebook_environment())
    env.update({"JUPYTERLAB_SETTINGS_DIR": str(lab_settings(folder)), "JUPYTER_RUNTIME_DIR": str(folder / "rt")})
    server = Server("source", folder / "solutions", env)
    yield server
    server.stop()


def open_notebook(browser, server, path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    # a workspace of its own, so the page does not also restore notebooks opened by earlier tests
    workspace = re.sub(r"\W", "-", path)
    page.goto(server.url(f"lab/workspaces/{workspace}/tree/{path}?reset"))
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    return page


NUMBERED = "[...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].filter(p => /\\d/.test(p.textContent))"


def run_all(page, timeout_s=240):
    """Clear every output, run all cells from the menu, wait until the kernel has run something and is idle."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Edit$")).click()
    page.locator(".lm-Menu-itemLabel", has_text="Clear Outputs of All Cells").click()
    page.wait_for_function(f"() => {NUMBERED}.length === 0")
    before = 0
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    page.wait_for_function(
        f"""() => {{
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
            const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
            return {NUMBERED}.length > {before} && !prompts.some(p => p.textContent.includes('*'))
                   && indicator && indicator.getAttribute('data-status') === 'idle';
        }}""", timeout=timeout_s * 1000, polling=500)


def cell_report(page):
    """For every cell in order: its text output, whether it shows an error, and how many images it shows."""
    return page.evaluate(r"""() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')].map(c => ({
            output: [...c.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText).join('\n'),
            error: c.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
                   .length > 0,
            images: c.querySelectorAll('.jp-OutputArea-output img').length,
            prompt: (c.querySelector('.jp-InputArea-prompt') || {}).textContent || ''
        }))""")


def validate(page, name):
    page.locator(".validate-button").first.click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for(timeout=240_000)
    text = dialog.inner_text()
    dialog.screenshot(path=str(ARTIFACTS / f"{name}-validate.png"))
    dialog.locator("button", has_text="Ok").first.click()
    return text


@pytest.mark.parametrize("assignment", course.ASSIGNMENTS)
def test_student_notebook_runs_to_the_first_test_which_asks_for_code(browser, student_server, assignment):
    nb = nbformat.read(course.release_notebook(assignment), as_version=4)
    first_answer = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("solution"))
    first_test = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade") and i > first_answer)
    page = open_notebook(browser, student_server, f"{assignment}/{assignment}.ipynb")
    try:
        run_all(page)
        cells = cell_report(page)
        assert len(cells) == len(nb.cells), f"{assignment}: {len(cells)} cells in the page, {len(nb.cells)} in the file"
        for index in range(first_answer):
            assert not cells[index]["error"], (f"{assignment}, cell {index} (before the first answer) failed in the "
                                               f"browser: {cells[index]['output'][-500:]}")
        message = cells[first_test]["output"]
        assert "replace `raise NotImplementedError()` with your code" in message, \
            f"{assignment}, first test cell {first_test} shows: {message[-800:]!r}"
        page.screenshot(path=str(ARTIFACTS / f"{assignment}-student.png"), full_page=False)
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


@pytest.mark.parametrize("assignment", course.ASSIGNMENTS)
def test_source_notebook_passes_every_test_and_draws_every_plot(browser, source_server, assignment):
    nb = nbformat.read(course.source_notebook(assignment), as_version=4)
    page = open_notebook(browser, source_server, f"{assignment}/{assignment}.ipynb")
    try:
        run_all(page, timeout_s=300)
        cells = cell_report(page)
        assert len(cells) == len(nb.cells)
        shots = 0
        for index, (cell, shown) in enumerate(zip(nb.cells, cells)):
            name = nbgrader_meta(cell).get("grade_id", f"cell {index}")
            assert not shown["error"], f"{assignment}, {name} failed in the browser: {shown['output'][-800:]}"
            if cell.cell_type == "code" and cell.source.strip().endswith("plt.show()"):
                assert shown["images"] >= 1, f"{assignment}, {name}: the plot did not render"
                image = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index) \
                    .locator(".jp-OutputArea-output img").first
                image.screenshot(path=str(ARTIFACTS / f"{assignment}-plot-{shots:02d}-{name}.png"))
                shots += 1
        assert shots >= 3, f"{assignment}: only {shots} plots"
        if assignment == course.ASSIGNMENTS[-1]:
            text = validate(page, f"{assignment}-source")
            assert "Success! Your notebook passes all the tests." in text, text[:500]
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------- instructors

@pytest.fixture(scope="session")
def formgrader(tmp_path_factory):
    """A few submissions autograded with `grader/autograde.py`, then a server with the formgrader."""
    import corpus
    folder = tmp_path_factory.mktemp("instructor")
    submitted = folder / "submitted"
    for student, source in (("ada", corpus.SOURCE), ("bob", corpus.RELEASE)):
        (submitted / student / corpus.ASSIGNMENT).mkdir(parents=True)
        shutil.copy(source, submitted / student / corpus.ASSIGNMENT / f"{corpus.ASSIGNMENT}.ipynb")
    mistake = nbformat.read(corpus.SOURCE, as_version=4)
    code, _ = corpus.MISTAKES["backward_propagation"]
    next(c for c in mistake.cells if nbgrader_meta(c).get("grade_id") == "answer_backward_propagation").source = code
    (submitted / "cy" / corpus.ASSIGNMENT).mkdir(parents=True)
    nbformat.write(mistake, submitted / "cy" / corpus.ASSIGNMENT / f"{corpus.ASSIGNMENT}.ipynb")
    env = {**os.environ, "FFNN_SUBMITTED": str(submitted), "FFNN_AUTOGRADED": str(folder / "autograded"),
           "FFNN_FEEDBACK": str(folder / "feedback"), "FFNN_GRADEBOOK_URL": f"sqlite:///{folder / 'gradebook.db'}",
           "FFNN_RELEASE": str(folder / "release")}
    result = subprocess.run([sys.executable, str(ROOT / "grader" / "autograde.py"), "--jobs", "2"], env=env,
                            capture_output=True, text=True, timeout=900)
    (ARTIFACTS / "formgrader-autograde.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    server_env = {**env, "JUPYTER_CONFIG_PATH": str(ROOT / "grader"), "JUPYTER_RUNTIME_DIR": str(folder / "rt")}
    server = Server("formgrader", ROOT, server_env)
    yield server
    server.stop()


def test_formgrader_lists_assignments_students_scores_and_opens_a_submission(browser, formgrader):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    try:
        page.goto(formgrader.url("formgrader"))
        page.wait_for_selector("text=" + course.ASSIGNMENTS[0])
        assignments = page.inner_text("body")
        for assignment in course.ASSIGNMENTS:
            assert assignment in assignments, f"formgrader does not list {assignment}"
        page.screenshot(path=str(ARTIFACTS / "formgrader-assignments.png"))
        page.goto(formgrader.url("formgrader/manage_students"))
        page.wait_for_selector("text=ada")
        students = page.inner_text("body")
        for student in ("ada", "bob", "cy"):
            assert student in students, f"formgrader does not list {student}: {students[:1000]}"
        assert "13" in students and "10" in students  # ada's full marks, cy's 13 - 3
        page.screenshot(path=str(ARTIFACTS / "formgrader-students.png"))
        page.goto(formgrader.url(f"formgrader/gradebook/{course.ASSIGNMENTS[0]}/{course.ASSIGNMENTS[0]}"))
        # names are hidden by default (anonymous grading); the link to cy's submission is there all the same
        page.wait_for_selector("a[href*='/formgrader/submissions/']", state="attached")
        links = page.eval_on_selector_all("a[href*='/formgrader/submissions/']",
                                          "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])")
        href = next(h for text, h in links if text == "cy")
        page.goto(formgrader.url(href.lstrip("/")))
        page.wait_for_selector("text=test_backward_propagation", timeout=60_000)
        submission = page.inner_text("body")
        assert "test_backward_propagation" in submission and "test_predict" in submission
        page.screenshot(path=str(ARTIFACTS / "formgrader-submission.png"), full_page=True)
    finally:
        page.close()
