"""The course as people see it, in a real headless browser (Debian's chromium driven by Playwright).

Students: `make lab`'s server (student set-up) on a copy of notebooks/: every student notebook opens, runs all
its cells up to the first test, which asks for the missing code; the Validate button reports; no instructor panels.
Instructors: every source notebook runs in the browser with all tests passing and every plot drawn; after an
autograde, the formgrader lists assignments, students and scores, and opens a submission with per-cell results.

Screenshots and server logs go to artifacts/browser/ (git-ignored). When Chromium or Playwright is missing, the
session installs them first (Debian's chromium with apt-get when running as root; the pinned Playwright with pip into
this interpreter), or fails saying what to install.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "grader"))
sys.path.insert(0, str(ROOT / "tests"))
import course  # noqa: E402
import lab  # noqa: E402

ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM_CANDIDATES = ("chromium", "/usr/bin/chromium")
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


# ------------------------------------------------------------------------------------ chromium and playwright

def find_chromium():
    """Debian's chromium: `chromium` on PATH, else /usr/bin/chromium; None when neither is an executable."""
    for candidate in CHROMIUM_CANDIDATES:
        path = shutil.which(candidate)
        if path and os.access(path, os.X_OK):
            return path
    return None


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _tail(result) -> str:
    return ((result.stdout or "") + (result.stderr or ""))[-2000:]


def ensure_chromium() -> str:
    """The chromium executable; installed with apt-get when it is missing and we are root, else a clear failure."""
    found = find_chromium()
    if found:
        return found
    if not is_root() or not shutil.which("apt-get"):
        pytest.fail("the browser tests need Debian's chromium, which is not installed (no `chromium` on PATH, no "
                    "/usr/bin/chromium). Install it: `sudo apt-get install -y chromium`, or run `make test-browser` "
                    "as root, which installs it.", pytrace=False)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "chromium"]
    result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1800)
    updated = ""
    if result.returncode != 0:  # a stale package index: refresh it once and try again
        update = subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, text=True, timeout=900)
        result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1800)
        result.stdout = _tail(update) + "\n" + (result.stdout or "")
        updated = " (also after `apt-get update`)"
    found = find_chromium()
    if result.returncode != 0 or not found:
        pytest.fail(f"chromium is missing and `{' '.join(install)}`{updated} did not install it "
                    f"(exit {result.returncode}). Install Debian's chromium yourself: "
                    f"`sudo apt-get install -y chromium`.\n{_tail(result)}", pytrace=False)
    return found


def pinned(package: str) -> str:
    """``package==version`` as requirements-lock.txt (else requirements.txt) pins it, or the bare name."""
    for name in ("requirements-lock.txt", "requirements.txt"):
        path = ROOT / name
        match = path.exists() and re.search(rf"^{re.escape(package)}==([^\s;#]+)", path.read_text(), re.M | re.I)
        if match:
            return f"{package}=={match.group(1)}"
    return package


def ensure_playwright():
    """Playwright's sync API; the pinned version is pip-installed into this interpreter when it is missing."""
    try:
        return importlib.import_module("playwright.sync_api")
    except ImportError:
        pass
    spec = pinned("playwright")
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", spec]
    if (ROOT / "requirements-lock.txt").exists():
        command += ["-c", str(ROOT / "requirements-lock.txt")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    importlib.invalidate_caches()
    try:
        return importlib.import_module("playwright.sync_api")
    except ImportError as error:
        pytest.fail(f"the browser tests need Playwright, which is not installed in {sys.executable}, and "
                    f"`{' '.join(command)}` did not install it (exit {result.returncode}: {error}). Install it: "
                    f"`{sys.executable} -m pip install {spec}` (or `make env`).\n{_tail(result)}", pytrace=False)


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


def _lab_server(tmp_path_factory, name, notebooks: Path):
    """JupyterLab in the student set-up on a copy of ``notebooks``; stopped when the session ends."""
    folder = tmp_path_factory.mktemp(name)
    shutil.copytree(notebooks, folder / notebooks.name)
    env = lab.student_environment(course.notebook_environment())
    env.update({"JUPYTERLAB_SETTINGS_DIR": str(lab_settings(folder)), "JUPYTER_RUNTIME_DIR": str(folder / "rt")})
    server = Server(name, folder / notebooks.name, env)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def student_server(tmp_path_factory):
    yield from _lab_server(tmp_path_factory, "student", course.RELEASE)


@pytest.fixture(scope="session")
def source_server(tmp_path_factory):
    yield from _lab_server(tmp_path_factory, "source", course.SOURCE)


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


def run_all(page, timeout_s=240, name="notebook"):
    """Clear every output, run all cells from the menu, wait until the kernel has run something and is idle.
    When it does not get there in time: a screenshot, and a failure that says how far the notebook got."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Edit$")).click()
    page.locator(".lm-Menu-itemLabel", has_text="Clear Outputs of All Cells").click()
    page.wait_for_function(f"() => {NUMBERED}.length === 0")
    before = 0
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    try:
        page.wait_for_function(
            f"""() => {{
                const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
                const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
                return {NUMBERED}.length > {before} && !prompts.some(p => p.textContent.includes('*'))
                       && indicator && indicator.getAttribute('data-status') === 'idle';
            }}""", timeout=timeout_s * 1000, polling=500)
    except Exception as error:  # playwright's TimeoutError (its class comes with the lazily imported module)
        if type(error).__name__ != "TimeoutError":
            raise
        state = page.evaluate(r"""() => {
            const cells = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')];
            const prompt = c => ((c.querySelector('.jp-InputArea-prompt') || {}).textContent || '').trim();
            const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
            return {ran: cells.filter(c => /\d/.test(prompt(c))).length,
                    running: cells.map((c, i) => prompt(c).includes('*') ? i : -1).filter(i => i >= 0),
                    kernel: indicator ? indicator.getAttribute('data-status') : 'no indicator'};
        }""")
        shot = ARTIFACTS / f"{name}-run-all-timeout.png"
        page.screenshot(path=str(shot))
        pytest.fail(f"{name}: Run All did not finish within {timeout_s} s: {state['ran']} cells ran, cells "
                    f"{state['running'][:10]} still queued or running, kernel {state['kernel']}; screenshot {shot}",
                    pytrace=False)


def cell_report(page):
    """For every cell in order: its text output, whether it shows an error (and the error's text), how many images
    it shows, and its input prompt ("[12]:" once it ran)."""
    return page.evaluate(r"""() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')].map(c => {
            const errors = [...c.querySelectorAll(
                '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map(o => o.innerText);
            return {
                output: [...c.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText).join('\n'),
                error: errors.length > 0,
                error_text: errors.join('\n'),
                images: c.querySelectorAll('.jp-OutputArea-output img').length,
                prompt: (c.querySelector('.jp-InputArea-prompt') || {}).textContent || ''
            };
        })""")


def validate(page, name):
    page.locator(".validate-button").first.click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for(timeout=240_000)
    text = dialog.inner_text()
    dialog.screenshot(path=str(ARTIFACTS / f"{name}-validate.png"))
    dialog.locator("button", has_text="Ok").first.click()
    return text


NOT_IMPLEMENTED_MESSAGE = "replace `raise NotImplementedError()` with your code"


def first_answer_and_test(nb):
    """Indices of the first answer cell (nbgrader solution) and of the first test cell (grade, grade_id test_*)."""
    first_answer = next((i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("solution")), None)
    first_test = next((i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade")
                       and str(nbgrader_meta(c).get("grade_id", "")).startswith("test_")), None)
    return first_answer, first_test


def check_runs_to_the_first_test(name, nb, cells):
    """Every cell before the first test cell ran without an error output, except the first answer cell, whose
    NotImplementedError is expected; the first test cell asks for the missing code. Returns the first test's index."""
    first_answer, first_test = first_answer_and_test(nb)
    assert first_answer is not None and first_test is not None and first_answer < first_test, \
        f"{name}: expected an answer cell before the first test cell (answer {first_answer}, test {first_test})"
    assert len(cells) == len(nb.cells), f"{name}: {len(cells)} cells in the page, {len(nb.cells)} in the file"
    for index in range(first_test + 1):
        cell, shown = nb.cells[index], cells[index]
        label = f"{name}, cell {index}" + (f" ({nbgrader_meta(cell)['grade_id']})"
                                           if nbgrader_meta(cell).get("grade_id") else "")
        if cell.cell_type == "code" and cell.source.strip():
            assert re.search(r"\[\d+\]", shown["prompt"]), \
                f"{label} did not run (prompt {shown['prompt']!r}); output seen: {shown['output'][-500:]!r}"
        if index == first_test:
            break
        if index == first_answer and shown["error"]:
            assert "NotImplementedError" in shown["error_text"], \
                f"{label} (the first answer cell) failed with something else than the expected " \
                f"NotImplementedError: {shown['error_text'][-800:]!r}"
            continue
        assert not shown["error"], \
            f"{label} (before the first test cell) failed in the browser: {shown['error_text'][-800:]!r}"
    message = cells[first_test]["output"]
    assert NOT_IMPLEMENTED_MESSAGE in message, \
        f"{name}, cell {first_test} ({nbgrader_meta(nb.cells[first_test])['grade_id']}, the first test cell) does " \
        f"not ask to replace `raise NotImplementedError()`; it shows: {message[-800:]!r}"
    return first_test


@pytest.mark.parametrize("assignment", course.ASSIGNMENTS)
def test_student_notebook_runs_to_the_first_test_which_asks_for_code(browser, student_server, assignment):
    nb = nbformat.read(course.release_notebook(assignment), as_version=4)
    page = open_notebook(browser, student_server, f"{assignment}/{assignment}.ipynb")
    try:
        run_all(page, name=f"{assignment}-student")
        check_runs_to_the_first_test(f"{assignment}.ipynb", nb, cell_report(page))
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
        run_all(page, timeout_s=300, name=f"{assignment}-source")
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

def autograde_with_make(env, log_path):
    """`make autograde JOBS=2` (the README's command) on the course folders that ``env``'s FFNN_* variables name.

    make hands its environment to the recipe, and grader/nbgrader_config.py reads the FFNN_* overrides, so the
    repository's grader/submitted, autograded and gradebook are never touched. `-o .venv/.installed` keeps make from
    re-running pip on the environment this test already runs in (other processes may be using it); BIN is this
    interpreter's folder, so the autograde runs with the same Python. The system-packages step runs as usual."""
    env = {k: v for k, v in env.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "ASSIGNMENT", "STUDENT", "ZIP", "JOBS")}
    command = ["make", "--no-print-directory", "-C", str(ROOT), "-o", ".venv/.installed", "autograde", "JOBS=2",
               f"BIN={Path(sys.executable).parent}"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    log_path.write_text(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}")
    assert result.returncode == 0, (f"`{' '.join(command)}` failed ({result.returncode}); log {log_path}\n"
                                    f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def gradebook_view(db_url, assignment, notebook, students):
    """What the gradebook holds, read with nbgrader's Gradebook API: assignments, every student's overall score,
    every submission's score for ``notebook`` and whether a test failed, and its per-cell {grade_id: (score, max)}."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        view = SimpleNamespace(
            assignments=sorted(a.name for a in gb.assignments),
            submissions={a.name: len(a.submissions) for a in gb.assignments},
            totals={d["id"]: (float(d["score"]), float(d["max_score"])) for d in gb.student_dicts()},
            notebook={d["student"]: (float(d["score"]), float(d["max_score"]), bool(d["failed_tests"]))
                      for d in gb.notebook_submission_dicts(notebook, assignment)},
            cells={student: {g.name: (float(g.score), float(g.max_score))
                             for g in gb.find_submission_notebook(notebook, assignment, student).grades}
                   for student in students})
    return view


@pytest.fixture(scope="session")
def formgrader(tmp_path_factory):
    """A few submissions autograded with `make autograde`, then a server with the formgrader, and what the
    gradebook holds (the expectations of the formgrader test)."""
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
    db_url = f"sqlite:///{folder / 'gradebook.db'}"
    env = {**os.environ, "FFNN_SUBMITTED": str(submitted), "FFNN_AUTOGRADED": str(folder / "autograded"),
           "FFNN_FEEDBACK": str(folder / "feedback"), "FFNN_GRADEBOOK_URL": db_url,
           "FFNN_RELEASE": str(folder / "release")}
    output = autograde_with_make(env, ARTIFACTS / "formgrader-autograde.log")
    students = ("ada", "bob", "cy")
    view = gradebook_view(db_url, corpus.ASSIGNMENT, corpus.ASSIGNMENT, students)
    # the autograde's own report agrees with the gradebook; it is moved out of the course's grader/reports/
    match = re.search(r"report (\S+\.json)", output)
    assert match, f"the autograde printed no report path:\n{output[-2000:]}"
    report_path = Path(match.group(1))
    report = json.loads(report_path.read_text())
    shutil.move(report_path, ARTIFACTS / "formgrader-autograde-report.json")
    reported = {e["student"]: (e["score"], e["max_score"]) for e in report["submissions"]}
    assert reported == {s: view.notebook[s][:2] for s in students}, \
        f"the autograde's report says {reported}; the gradebook holds {view.notebook}"
    server_env = {**env, "JUPYTER_CONFIG_PATH": str(ROOT / "grader"), "JUPYTER_RUNTIME_DIR": str(folder / "rt")}
    server = Server("formgrader", ROOT, server_env)
    yield SimpleNamespace(server=server, gradebook=view, assignment=corpus.ASSIGNMENT, notebook=corpus.ASSIGNMENT,
                          students=students)
    server.stop()


def _score(text):
    """(score, max) from the formgrader's "12.5 / 13" (None when the text is not that)."""
    match = re.fullmatch(r"\s*(-?[\d.]+)\s*/\s*(-?[\d.]+)\s*", text or "")
    return (float(match.group(1)), float(match.group(2))) if match else None


def _same(shown, expected):
    """The formgrader rounds to two decimals."""
    return shown is not None and all(abs(a - round(b, 2)) < 1e-9 for a, b in zip(shown, expected))


def test_formgrader_lists_assignments_students_scores_and_opens_a_submission(browser, formgrader):
    book, server = formgrader.gradebook, formgrader.server
    # the fixture made a meaningful gradebook: full marks for the reference, none for the stub, one lost test cell
    lost = sorted(g for g, (score, _) in book.cells["cy"].items() if score == 0)
    assert lost == ["test_backward_propagation"], f"cy lost {lost} in the gradebook"
    assert all(score == top for score, top in book.cells["ada"].values()), book.cells["ada"]
    assert all(score == 0 for score, _ in book.cells["bob"].values()), book.cells["bob"]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    try:
        # assignments: one row per course assignment (solutions/), with as many submissions as the gradebook holds
        page.goto(server.url("formgrader"))
        page.wait_for_function("() => document.querySelectorAll('tbody td.name a').length > 0", polling=250)
        rows = page.eval_on_selector_all("tbody tr", """rows => rows.filter(r => r.querySelector('td.name'))
            .map(r => [r.querySelector('td.name').innerText.trim(),
                       (r.querySelector('td.num-submissions') || {innerText: ''}).innerText])""")
        listed = {name: count.strip() for name, count in rows}
        page.screenshot(path=str(ARTIFACTS / "formgrader-assignments.png"))
        assert formgrader.assignment in book.assignments, book.assignments
        for assignment in sorted(set(course.ASSIGNMENTS) | set(book.assignments)):
            assert assignment in listed, f"the formgrader's assignments page has no row for {assignment}: {rows}"
            assert listed[assignment] == str(book.submissions.get(assignment, 0)), \
                f"formgrader assignments page, {assignment}: {listed[assignment]!r} submissions shown, " \
                f"{book.submissions.get(assignment, 0)} in the gradebook"

        # students: per row, the student id and the overall score the gradebook holds
        page.goto(server.url("formgrader/manage_students"))
        page.wait_for_function("() => document.querySelectorAll('tbody td.id').length > 0", polling=250)
        rows = page.eval_on_selector_all("tbody tr", """rows => rows.filter(r => r.querySelector('td.id'))
            .map(r => [r.querySelector('td.id').innerText.trim(), r.querySelector('td.score').innerText.trim()])""")
        page.screenshot(path=str(ARTIFACTS / "formgrader-students.png"))
        shown = dict(rows)
        assert sorted(shown) == sorted(book.totals), f"students listed {sorted(shown)}, gradebook {sorted(book.totals)}"
        for student in formgrader.students:
            assert _same(_score(shown[student]), book.totals[student]), \
                f"formgrader students page, row {student}: score {shown[student]!r}, the gradebook holds " \
                f"{book.totals[student][0]:g} / {book.totals[student][1]:g}"

        # the notebook's submissions: per row, student, score and "tests failed" as the gradebook holds them
        page.goto(server.url(f"formgrader/gradebook/{formgrader.assignment}/{formgrader.notebook}"))
        page.wait_for_function("() => document.querySelectorAll('tbody td.name a.name-shown').length > 0",
                               polling=250)
        rows = page.eval_on_selector_all("tbody tr", """rows => rows
            .filter(r => r.querySelector('td.name a.name-shown'))
            .map(r => ({student: r.querySelector('td.name a.name-shown').textContent.trim(),
                        href: r.querySelector('td.name a.name-shown').getAttribute('href'),
                        score: r.querySelector('td.score').innerText.trim(),
                        failed: r.querySelector('td.tests-failed .glyphicon-ok') !== null}))""")
        page.screenshot(path=str(ARTIFACTS / "formgrader-submissions.png"))
        submissions = {row["student"]: row for row in rows}
        assert sorted(submissions) == sorted(book.notebook), \
            f"submissions listed {sorted(submissions)}, gradebook {sorted(book.notebook)}"
        for student, (score, top, failed) in book.notebook.items():
            row = submissions[student]
            assert _same(_score(row["score"]), (score, top)), \
                f"formgrader submissions page, row {student}: score {row['score']!r}, gradebook {score:g} / {top:g}"
            assert row["failed"] == failed, f"row {student}: tests failed shown {row['failed']}, gradebook {failed}"

        # cy's submission: every graded cell's id and score as shown, against the gradebook's per-cell scores
        page.goto(server.url(submissions["cy"]["href"].lstrip("/")))
        page.wait_for_function("() => window.formgrader && formgrader.grades && formgrader.grades.loaded === true",
                               polling=250)
        cells = page.eval_on_selector_all("input.score", """inputs => inputs.map(i => {
            const heading = i.closest('.panel-heading');
            const label = heading && heading.querySelector('.nbgrader-label code');
            return {id: i.id, label: label ? label.textContent.trim() : null,
                    shown: (i.value !== '' ? i.value : i.getAttribute('placeholder')) + ' ' +
                           i.parentElement.textContent.trim()};
        })""")
        page.screenshot(path=str(ARTIFACTS / "formgrader-submission.png"), full_page=True)
        expected = book.cells["cy"]
        shown = {cell["id"]: cell for cell in cells}
        assert sorted(shown) == sorted(expected), \
            f"cy's submission shows graded cells {sorted(shown)}; the gradebook has {sorted(expected)}"
        for grade_id, (score, top) in expected.items():
            cell = shown[grade_id]
            assert cell["label"] == grade_id, \
                f"cy's submission: the cell scored as {grade_id} is labelled {cell['label']!r}"
            assert _same(_score(cell["shown"]), (score, top)), \
                f"cy's submission, {grade_id}: shows {cell['shown']!r}; the gradebook holds {score:g} of {top:g}"
    finally:
        page.close()


# ------------------------------------------------------------------------------- the formgrader's Autograde button

BUTTON_STUDENTS = ("attacks-files", "monkeypatch")


@pytest.fixture(scope="session")
def formgrader_button(tmp_path_factory):
    """A formgrader over two collected, not yet graded, hostile submissions of notebook 1: one that tries to
    delete the gradebook, one that monkeypatches NumPy and the checker around a wrong answer."""
    import corpus
    folder = tmp_path_factory.mktemp("button")
    db = folder / "gradebook.db"
    expected = corpus.build(folder / "submitted", gradebook_path=str(db), only=BUTTON_STUDENTS, light=True)
    env = {**os.environ, "FFNN_SUBMITTED": str(folder / "submitted"), "FFNN_AUTOGRADED": str(folder / "autograded"),
           "FFNN_FEEDBACK": str(folder / "feedback"), "FFNN_GRADEBOOK_URL": f"sqlite:///{db}",
           "FFNN_RELEASE": str(folder / "release")}
    made = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", corpus.ASSIGNMENT, "--force"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    server_env = {**env, "JUPYTER_CONFIG_PATH": str(ROOT / "grader"), "JUPYTER_RUNTIME_DIR": str(folder / "rt")}
    server = Server("formgrader-button", ROOT, server_env)
    yield SimpleNamespace(server=server, db=db, expected=expected, folder=folder)
    server.stop()


def test_formgraders_autograde_button_grades_in_the_sandbox(browser, formgrader_button):
    """Pressing the formgrader's Autograde button (nbgrader's own autograde, in the server's process) on each
    hostile submission: the gradebook survives the one that deletes it, the monkeypatched wrong answer loses its
    cell, and both are graded exactly as `make autograde` grades them."""
    import corpus
    fixture, server = formgrader_button, formgrader_button.server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(240_000)
    try:
        page.goto(server.url(f"formgrader/manage_submissions/{corpus.ASSIGNMENT}"))
        page.wait_for_function("() => document.querySelectorAll('tbody td.autograde a').length >= 2", polling=250)
        for student in BUTTON_STUDENTS:
            row = page.locator("tbody tr", has=page.locator("td.student-id", has_text=student))
            row.locator("td.autograde a").click()
            modal = page.locator("#success-modal, #error-modal")
            modal.wait_for(state="visible")
            text = modal.inner_text()
            page.screenshot(path=str(ARTIFACTS / f"formgrader-button-{student}.png"))
            assert "Successfully autograded" in text, f"the button's answer for {student}: {text[:2000]}"
            modal.locator(".modal-footer button").click()
            modal.wait_for(state="detached")
    finally:
        page.close()
    assert fixture.db.is_file(), "the gradebook was deleted"
    view = gradebook_view(f"sqlite:///{fixture.db}", corpus.ASSIGNMENT, corpus.ASSIGNMENT, BUTTON_STUDENTS)
    for student in BUTTON_STUDENTS:
        lost = {cell for cell, (score, top) in view.cells[student].items() if score < top}
        assert lost == fixture.expected[student].lost, (student, view.cells[student])
    graded = nbformat.read(fixture.folder / "autograded" / "attacks-files" / corpus.ASSIGNMENT /
                           f"{corpus.ASSIGNMENT}.ipynb", as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in graded.cells])
    assert "gradebook untouched" in outputs and "changed the gradebook" not in outputs
