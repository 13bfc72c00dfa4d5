"""What the browser tests share: Chromium and Playwright, a Jupyter server under test, and what a page shows.

The tests (test_student_pages.py, test_source_notebooks.py, test_formgrader.py; fixtures in conftest.py) see the course as people see it,
in a real headless browser (Debian's chromium driven by Playwright). Screenshots and server logs go to
artifacts/browser/ (git-ignored). When Chromium or Playwright is missing, the session installs them first (Debian's
chromium with apt-get when running as root; the pinned Playwright with pip into this interpreter), or fails saying
what to install.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

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


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


class Server:
    """A Jupyter server on 127.0.0.1 (a free port), its log kept under artifacts/.

    Each server has a token of its own, so a test can never talk to another test's server: with several pytest
    workers, two servers may pick the same free port, and the one that loses the race exits (it is then started
    again on another port)."""

    def __init__(self, name, root, env, extra=()):
        worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
        self.name, self.token = name, secrets.token_hex(16)
        self.log_path = ARTIFACTS / f"{name}-server.log"
        first = 19000 + 200 * worker
        for _ in range(5):
            self.port = lab.free_port(first)
            self.base = f"http://127.0.0.1:{self.port}"
            self.log = open(self.log_path, "w")
            self.process = subprocess.Popen(lab.command(self.port, root) + list(extra),
                                            env=lab.with_token(env, self.token), stdout=self.log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
            if self._started():
                return
            self.stop()
            first = self.port + 1
        pytest.fail(f"the {name} server did not start; its log: {self.log_path}\n{self.log_path.read_text()[-3000:]}")

    def _started(self) -> bool:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=2)
                return self.process.poll() is None
            except OSError:
                if self.process.poll() is not None:
                    return False
                time.sleep(0.5)
        return False

    def url(self, path):
        return f"{self.base}/{path}{'&' if '?' in path else '?'}token={self.token}"

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
        self.log.close()


#: Where a page's own content is, by page kind: in JupyterLab the notebook's rendered Markdown and outputs; pages the
#: course writes (feedback, grades report) are all its own; the formgrader's are all nbgrader's.
COURSE_CONTENT = {"lab": ".jp-RenderedHTMLCommon, .jp-OutputArea-output", "course": "html", "formgrader": None}


def accessibility_problems(page, kind: str, name: str) -> list[str]:
    """axe-core's serious and critical violations on ``page`` that tests/browser/known_accessibility.py does not
    list, each said to be in the course's own content or in the tool's interface. The full result goes to
    artifacts/browser/axe-<name>.json."""
    from axe_playwright_python.sync_playwright import Axe
    from known_accessibility import IN_COURSE_CONTENT, known
    violations = Axe().run(page).response["violations"]
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(violations, indent=1))
    problems = []
    for violation in violations:
        if violation["impact"] not in ("serious", "critical"):
            continue
        for node in violation["nodes"]:
            target = node["target"][-1] if node["target"] else "html"
            content = COURSE_CONTENT[kind]
            ours = bool(content) and page.evaluate(
                "([t, c]) => { const e = document.querySelector(t); return !!(e && e.closest(c)); }",
                [target if isinstance(target, str) else "html", content])
            excused = known(kind, violation["id"], node["html"]) and (
                not ours or (kind, violation["id"]) in IN_COURSE_CONTENT)
            if not excused:
                where = "in the course's own content" if ours else "not in tests/browser/known_accessibility.py"
                problems.append(f"{violation['id']} ({violation['impact']}, {where}): {violation['help']}: "
                                f"{target}: {node['html'][:200]}")
    return problems


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


def _lab_server(tmp_path_factory, name, notebooks: Path):
    """JupyterLab in the student set-up on a copy of ``notebooks``; stopped when the session ends."""
    folder = tmp_path_factory.mktemp(name)
    shutil.copytree(notebooks, folder / notebooks.name)
    env = lab.student_environment(course.notebook_environment())
    env.update({"JUPYTERLAB_SETTINGS_DIR": str(lab_settings(folder)), "JUPYTER_RUNTIME_DIR": str(folder / "rt")})
    server = Server(name, folder / notebooks.name, env)
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
    # the status bar names the kernel once it is started and idle ("Python 3 (ipykernel) | Idle"); before that,
    # Run All on a loaded machine opens JupyterLab's "Select Kernel" dialog instead of running anything
    page.wait_for_function(KERNEL_IDLE, timeout=120_000, polling=250)
    return page


KERNEL_IDLE = ("() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
               ".some(e => /\\(ipykernel\\)\\s*\\|\\s*Idle/.test(e.textContent))")


def close_dialogs(page, name) -> list[str]:
    """The text of every JupyterLab dialog open on ``page``, each closed with its default (accept) button after a
    screenshot; "Select Kernel" is accepted with the notebook's own kernel, which is what Run All needs."""
    dialogs = page.locator(".jp-Dialog")
    texts = []
    for index in range(dialogs.count()):
        dialog = dialogs.nth(0)
        texts.append(" ".join(dialog.inner_text().split())[:300])
        page.screenshot(path=str(ARTIFACTS / f"{name}-dialog-{index}.png"))
        dialog.locator(".jp-Dialog-button.jp-mod-accept").first.click()
        dialog.wait_for(state="detached", timeout=30_000)
    return texts


NUMBERED = "[...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].filter(p => /\\d/.test(p.textContent))"


STARTED = ("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]"
           ".some(p => /\\d|\\*/.test(p.textContent))")


def _start_run_all(page, name, attempts=3):
    """Run > Run All Cells, and make sure it started: a cell queued or numbered within 30 s. A click that did not
    reach the notebook (a menu that closed under the pointer, a notebook panel not yet current) is tried again after
    closing whatever is open and focusing the notebook, at most ``attempts`` times, with a screenshot of each miss.
    A JupyterLab dialog in the way is accepted, and its text is in the failure message if the run never starts."""
    dialogs = []
    for attempt in range(1, attempts + 1):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            page.wait_for_function(STARTED, timeout=30_000, polling=250)
            return
        except Exception as error:  # playwright's TimeoutError
            if type(error).__name__ != "TimeoutError":
                raise
        page.screenshot(path=str(ARTIFACTS / f"{name}-run-all-not-started-{attempt}.png"))
        dialogs += close_dialogs(page, f"{name}-run-all-{attempt}")
        if page.evaluate(STARTED):  # the dialog was "Select Kernel", and accepting it started the run
            return
        page.keyboard.press("Escape")
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").first.click()
    seen = f"; dialogs seen: {dialogs}" if dialogs else ""
    pytest.fail(f"{name}: Run All Cells did not start any cell in {attempts} tries of 30 s (the kernel never got a "
                f"cell){seen}; screenshots {ARTIFACTS}/{name}-run-all-not-started-*.png", pytrace=False)


def run_all(page, timeout_s=240, name="notebook"):
    """Clear every output, run all cells from the menu, wait until the kernel has run something and is idle.
    When it does not get there in time: a screenshot, and a failure that says how far the notebook got."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Edit$")).click()
    page.locator(".lm-Menu-itemLabel", has_text="Clear Outputs of All Cells").click()
    page.wait_for_function(f"() => {NUMBERED}.length === 0")
    before = 0
    _start_run_all(page, name)
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


def _score(text):
    """(score, max) from the formgrader's "12.5 / 13" (None when the text is not that)."""
    match = re.fullmatch(r"\s*(-?[\d.]+)\s*/\s*(-?[\d.]+)\s*", text or "")
    return (float(match.group(1)), float(match.group(2))) if match else None


def _same(shown, expected):
    """The formgrader rounds to two decimals."""
    return shown is not None and all(abs(a - round(b, 2)) < 1e-9 for a, b in zip(shown, expected))
