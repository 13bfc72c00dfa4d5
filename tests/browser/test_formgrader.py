"""Instructors' side in the browser: after `make autograde`, the formgrader lists assignments, students and
scores, and opens a submission with per-cell results; its Autograde button grades hostile submissions in the
sandbox."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from browser_pages import (ARTIFACTS, ROOT, Server, _same, _score, accessibility_problems, autograde_with_make, course,
                           gradebook_view, nbgrader_meta)


@pytest.fixture(scope="session")
def formgrader(tmp_path_factory):
    """A few submissions autograded with `make autograde`, then a server with the formgrader, and what the
    gradebook holds (the expectations of the formgrader test)."""
    import corpus
    folder = tmp_path_factory.mktemp("instructor")
    submitted = folder / "submitted"
    # without the closing demonstrations (nothing graded depends on them; neither does the canary grade them)
    for student, source in (("ada", corpus.SOURCE), ("bob", corpus.RELEASE)):
        (submitted / student / corpus.ASSIGNMENT).mkdir(parents=True)
        nbformat.write(corpus.without_demonstrations(nbformat.read(source, as_version=4)),
                       submitted / student / corpus.ASSIGNMENT / f"{corpus.ASSIGNMENT}.ipynb")
    mistake = corpus.without_demonstrations(nbformat.read(corpus.SOURCE, as_version=4))
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
    made = subprocess.run([sys.executable, str(ROOT / "grader" / "instructor.py"), "feedback"], cwd="/", env=env,
                          capture_output=True, text=True, timeout=600)  # `make feedback`
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    server_env = {**env, "JUPYTER_CONFIG_PATH": str(ROOT / "grader"), "JUPYTER_RUNTIME_DIR": str(folder / "rt")}
    server = Server("formgrader", ROOT, server_env)
    yield SimpleNamespace(server=server, gradebook=view, assignment=corpus.ASSIGNMENT, notebook=corpus.ASSIGNMENT,
                          students=students, feedback=folder / "feedback", submitted=submitted,
                          autograded=folder / "autograded", db_url=db_url)
    server.stop()


def test_formgrader_lists_assignments_students_scores_and_opens_a_submission(browser, formgrader):
    book, server = formgrader.gradebook, formgrader.server
    # the fixture made a meaningful gradebook: full marks for the reference, none for the stub, one lost test cell
    lost = sorted(g for g, (score, _) in book.cells["cy"].items() if score == 0)
    assert lost == ["test_backward_propagation"], f"cy lost {lost} in the gradebook"
    assert all(score == top for score, top in book.cells["ada"].values()), book.cells["ada"]
    assert all(score == 0 for score, _ in book.cells["bob"].values()), book.cells["bob"]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    problems = []  # accessibility: the formgrader is nbgrader's; new problems must be listed upstream
    try:
        # assignments: one row per course assignment (solutions/), with as many submissions as the gradebook holds
        page.goto(server.url("formgrader"))
        page.wait_for_function("() => document.querySelectorAll('tbody td.name a').length > 0", polling=250)
        rows = page.eval_on_selector_all("tbody tr", """rows => rows.filter(r => r.querySelector('td.name'))
            .map(r => [r.querySelector('td.name').innerText.trim(),
                       (r.querySelector('td.num-submissions') || {innerText: ''}).innerText])""")
        listed = {name: count.strip() for name, count in rows}
        page.screenshot(path=str(ARTIFACTS / "formgrader-assignments.png"))
        problems += accessibility_problems(page, "formgrader", "formgrader-assignments")
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
        problems += accessibility_problems(page, "formgrader", "formgrader-students")
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
        problems += accessibility_problems(page, "formgrader", "formgrader-submissions")
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
        problems += accessibility_problems(page, "formgrader", "formgrader-submission")
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
    assert not problems, "the formgrader (nbgrader's pages):\n" + "\n".join(problems)


def test_grades_and_similarity_reports_are_accessible(browser, formgrader, tmp_path):
    """`make grades` and `make similarity` on the fixture's class, each page opened in the browser: no serious or
    critical axe-core violation, and the histogram's text alternative is written from the scores."""
    env = {**os.environ, "FFNN_SUBMITTED": str(formgrader.submitted), "FFNN_AUTOGRADED": str(formgrader.autograded),
           "FFNN_GRADEBOOK_URL": formgrader.db_url, "FFNN_GRADES": str(tmp_path / "grades"),
           "FFNN_REPORTS": str(tmp_path / "reports")}
    for command in (["similarity.py", "--assignment", formgrader.assignment], ["instructor.py", "grades"]):
        made = subprocess.run([sys.executable, str(ROOT / "grader" / command[0]), *command[1:]], cwd="/", env=env,
                              capture_output=True, text=True, timeout=300)
        assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    problems = []
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        for name, path in (("grades-report", tmp_path / "grades" / "report.html"),
                           ("similarity-report", tmp_path / "reports" / f"similarity-{formgrader.assignment}.html")):
            page.goto(path.as_uri())
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            problems += accessibility_problems(page, "course", name)
            if name == "grades-report":
                alt = page.locator("img").first.get_attribute("alt")
    finally:
        page.close()
    assert not problems, "\n".join(problems)
    totals = sorted(t for t, _ in formgrader.gradebook.totals.values())
    assert alt.startswith(f"Histogram of the {len(totals)} totals of {formgrader.assignment}: from {totals[0]:g} "
                          f"to {totals[-1]:g}"), alt


def test_feedback_page_reads_well_offline(browser, formgrader):
    """cy's feedback page (`make feedback`) opened from its file with every network request refused: the formulas
    are drawn (MathML), the failure text wraps inside the page, every figure has its text alternative, and every
    score row names its function. The window is narrow (640 px, a phone on its side) so that lines which would not
    fit unwrapped exist: the wrap check is then about real lines."""
    page_path = formgrader.feedback / "cy" / formgrader.assignment / f"{formgrader.notebook}.html"
    page = browser.new_page(viewport={"width": 640, "height": 900})
    requested = []

    def refuse(route):
        requested.append(route.request.url)
        route.abort()

    page.route(re.compile(r"^(https?|wss?)://"), refuse)
    try:
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        page.screenshot(path=str(ARTIFACTS / "feedback-page.png"), full_page=True)
        shown = page.evaluate("""() => {
            const formulas = [...document.querySelectorAll('math')];
            const drawn = formulas.filter(m => m.getBoundingClientRect().width > 0).length;
            const rows = [...document.querySelectorAll('#toc li')].map(li => li.innerText.trim());
            const pres = [...document.querySelectorAll('div.output_area pre')];
            // how wide each output would be without wrapping: a copy laid out with white-space: pre
            const unwrapped = pres.filter(p => {
                const copy = p.cloneNode(true);
                copy.style.whiteSpace = 'pre';
                p.parentElement.appendChild(copy);
                const wider = copy.scrollWidth > copy.clientWidth + 1;
                copy.remove();
                return wider;
            }).length;
            const images = [...document.querySelectorAll('div.output_area img')].map(i => i.getAttribute('alt') || '');
            return {formulas: formulas.length, drawn, rows, unwrapped, images, text: document.body.innerText,
                    overflowing: pres.filter(p => p.scrollWidth > p.clientWidth + 1).length,
                    page_wider: document.documentElement.scrollWidth > window.innerWidth + 1};
        }""")
        shown["problems"] = accessibility_problems(page, "course", "feedback-page")
        text = shown.pop("text")
    finally:
        page.close()
    assert requested == [], f"the feedback page asked the network for {requested}"
    assert not shown["problems"], "the feedback page:\n" + "\n".join(shown["problems"])
    assert shown["formulas"] > 20 and shown["drawn"] == shown["formulas"], shown
    assert shown["unwrapped"] >= 1, f"no output line is wider than the window: the wrap check proves nothing {shown}"
    assert shown["overflowing"] == 0 and not shown["page_wider"], shown
    # each figure's alt is its data-written description, the one printed as its "Figure:" caption
    assert shown["images"] and all(alt and f"Figure: {alt[:40]}" in text for alt in shown["images"]), \
        shown["images"]
    tests = [row for row in shown["rows"] if "(Score:" in row]
    assert tests and not [row for row in tests if row.startswith("Test cell")], shown["rows"]
    assert any(row.startswith("backward_propagation (Score: 0") for row in tests), shown["rows"]


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
        page.goto(server.url("formgrader"))  # the token logs this page in; the links keep the session
        page.wait_for_function("() => document.querySelectorAll('tbody td.name a').length > 0", polling=250)
        page.goto(f"{server.base}/formgrader/manage_submissions/{corpus.ASSIGNMENT}")
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


def test_the_readme_lists_every_known_accessibility_problem():
    """README.md's table is the list tests/browser/known_accessibility.py accepts: each rule with its link."""
    from known_accessibility import KNOWN
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Accessibility", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| lab ") or line.startswith("| formgrader ")]
    assert len(rows) == len(KNOWN)
    for (page, rule, _, link, what), row in zip(KNOWN, rows):
        assert f"| {page} | `{rule}` | {what} |" in row and f"({link})" in row, row
