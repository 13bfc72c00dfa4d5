"""The class hub (grader/hub/): real accounts, nbgrader's exchange with its permissions, grading on submit with
feedback returned through the exchange, the resubmission limit, a hostile submission, and bad input.

One hub for the module (tests/class_hub.py: `make hub`'s script as root, real Unix users made for the run); each
test acts through the exchange as its own student, with that student's permissions (`runuser`). The browser half
(log in, fetch, answer, submit, see the feedback) is tests/browser/test_hub_browser.py.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
from class_hub import ASSIGNMENT, ClassHub  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))
import hidden_cases  # noqa: E402

# seconds between two gradings of one student's assignment, for this hub (the resubmissions test makes its later
# submissions while the first is being graded, so they fall inside it however loaded the machine is)
INTERVAL = 45

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the hub makes real accounts: run the tests as root "
                                "(make test does, on CI)")


@pytest.fixture(scope="module")
def hub():
    # the seventh student's gradings fail on the grader's side (grade_submission.py's injected fault)
    with ClassHub(students=7, extra=1, interval=INTERVAL,
                  environment={"FFNN_GRADER_FAULT": "{6}:always"}) as running:
        yield running


def answered(released: Path, mistakes=(), demonstrations: bool = False) -> bytes:
    """The released notebook with every answer cell written as the solution has it, except the functions in
    ``mistakes``, written with corpus.MISTAKES's catalogued mistake; without the closing demonstrations (training
    runs that carry no marks, most of a grading's run time: corpus.without_demonstrations) unless asked."""
    source = nbformat.read(corpus.SOURCE, as_version=4)
    nb = nbformat.read(released, as_version=4)
    if not demonstrations:
        nb = corpus.without_demonstrations(nb)
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id in solutions:
            function = grade_id[len("answer_"):]
            cell.source = corpus.MISTAKES[function][0].strip() if function in mistakes else solutions[grade_id]
    return nbformat.writes(nb).encode()


def inbound(hub) -> dict:
    """{submission folder: {file: bytes}} of the exchange's inbound, read as root."""
    folder = hub.exchange / "ffnn" / "inbound"
    return {p.name: {f.name: f.read_bytes() for f in p.iterdir() if f.is_file()} for p in folder.iterdir()}


def test_students_read_only_what_is_theirs(hub):
    student, other = hub.students[0], hub.students[1]
    own = hub.fetch(student)
    assert own.exists() and (own.parent / "ffnn" / "check.py").exists(), "the release carries the package"
    assert not (own.parent / "ffnn" / "reference").exists()
    assert not (own.parent / "ffnn" / "provided" / "network.py").exists(), "notebook 1 gets no later answers"
    for secret in [ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", ROOT / "grader" / "nbgrader_config.py",
                   ROOT / "shared" / "ffnn" / "reference" / "two_layer.py", ROOT / ".git" / "config",
                   ROOT / "tests" / "notebook_answers.py", hub.state / "passwords.txt"]:
        assert secret.exists(), secret
        result = hub.as_student(student, "cat", str(secret))
        assert result.returncode != 0 and "Permission denied" in result.stderr, secret
    listing = hub.as_student(student, "ls", str(hub.exchange / "ffnn" / "inbound"))
    assert listing.returncode != 0 and "Permission denied" in listing.stderr
    assert hub.as_student(student, "touch", str(hub.exchange / "ffnn" / "outbound" / "x")).returncode != 0
    assert hub.as_student(other, "ls", f"/home/{student}").returncode != 0, "homes are private"
    # the course's Python, with the package from the released folder (the clone's own is closed to students)
    imported = hub.as_student(student, str(ROOT / ".venv" / "bin" / "python"), "-c",
                              f"import os; os.chdir('{own.parent}'); import sys; sys.path.insert(0, '');"
                              "import ffnn, ffnn.check; print(ffnn.__file__)")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip().startswith(str(own.parent)), imported.stdout
    blocked = hub.as_student(student, str(ROOT / ".venv" / "bin" / "python"), "-c", "import ffnn.reference")
    assert blocked.returncode != 0


def test_a_submission_is_graded_and_its_feedback_returned(hub):
    student = hub.students[0]
    notebook = hub.fetch(student)
    hub.write_as(student, notebook, answered(notebook, mistakes=["backward_propagation"]))
    submitted = hub.submit(student)
    assert submitted.returncode == 0, submitted.stderr
    pages = hub.wait_for_feedback(student)
    page = pages[-1].read_text()
    assert "forgot the 1/m factor" in page, "the named mistake reaches the student"
    score = hub.gradebook_scores()[(student, ASSIGNMENT)]
    assert 0 < score < 15
    assert f"{score:g}" in page
    for line in hidden_cases.hidden_source_lines(ASSIGNMENT):
        assert line not in page, f"a hidden test reached the student: {line}"
    assert "graded" in hub.service_log() and student in hub.service_log()
    batches = [line for line in hub.service_log().splitlines() if ": autograded " in line]
    assert "(canary graded and passed)" in batches[0], "the hub's first grading grades the canary"


def test_resubmissions_wait_for_the_interval_all_are_kept_and_the_latest_is_graded(hub):
    student = hub.students[1]
    notebook = hub.fetch(student)
    hub.write_as(student, notebook, answered(notebook, mistakes=["compute_cost", "predict"]))
    assert hub.submit(student).returncode == 0
    # two more once the first is being graded (collected): both wait for the interval, which runs from the first's
    # feedback (a notice says until when); then the latest is graded and the one between is superseded
    collected = hub.folder / "submitted" / student / ASSIGNMENT
    deadline = time.time() + 240
    while not collected.exists() and time.time() < deadline:
        time.sleep(0.5)
    assert collected.exists(), hub.service_log()[-3000:]
    hub.write_as(student, notebook, answered(notebook, mistakes=["predict"]))
    assert hub.submit(student).returncode == 0
    time.sleep(1.1)  # nbgrader names submissions by their time, to the microsecond; a clear gap between them
    hub.write_as(student, notebook, answered(notebook))
    assert hub.submit(student).returncode == 0
    mine = sorted(name for name in inbound(hub) if name.startswith(f"{student}+"))
    assert len(mine) == 3, "every submission stays in the exchange"
    pages = hub.wait_for_feedback(student, count=3)
    first = pages[0]
    assert "graded at most once" not in first.read_text() and "compute_cost" in first.read_text()
    for page in pages[1:]:
        assert "graded at most once every" in page.read_text(), page.read_text()

    def outcomes():
        state = json.loads((hub.folder / "on-submit" / "state.json").read_text())
        return [state["handled"].get(name, "") for name in mine]

    deadline = time.time() + INTERVAL + 240
    while not outcomes()[2] and time.time() < deadline:
        time.sleep(2)
    assert hub.gradebook_scores()[(student, ASSIGNMENT)] == 15, "the latest (all correct) is graded"
    outcomes = outcomes()
    assert outcomes[0].startswith("graded") and not outcomes[0].startswith("graded 15/15") and \
        outcomes[1].startswith("superseded") and outcomes[2].startswith("graded 15/15"), outcomes
    latest = hub.feedback_pages(student)[-1].read_text()
    assert "15" in latest and "graded at most once" not in latest
    assert first.exists(), "feedback fetched earlier is kept"


def test_a_hostile_submission_changes_nobody_elses_grade(hub):
    honest, attacker = hub.students[2], hub.students[3]
    notebook = hub.fetch(honest)
    hub.write_as(honest, notebook, answered(notebook))
    assert hub.submit(honest).returncode == 0
    hub.wait_for_feedback(honest)
    assert hub.gradebook_scores()[(honest, ASSIGNMENT)] == 15
    theirs = hub.fetch(attacker)
    gradebook = Path(hub.env["FFNN_GRADEBOOK_URL"][len("sqlite:///"):])
    source = nbformat.read(corpus.SOURCE, as_version=4)
    attack = corpus.hostile(corpus.without_demonstrations(copy.deepcopy(source)), hub.folder, str(gradebook))
    hub.write_as(attacker, theirs, nbformat.writes(attack["attacks-files"].notebook).encode())
    assert hub.submit(attacker).returncode == 0
    hub.wait_for_feedback(attacker)
    batch = [line for line in hub.service_log().splitlines() if f": autograded {attacker}" in line][-1]
    assert "(canary reused: passed at" in batch, "a canary that passed minutes ago in the same environment is reused"
    scores = hub.gradebook_scores()
    assert scores[(honest, ASSIGNMENT)] == 15, "the honest student's grade is unchanged"
    assert (attacker, ASSIGNMENT) in scores
    assert not (Path(f"/home/{honest}") / corpus.STARTUP_FILE).exists()
    assert "tampered" not in (ROOT / "shared" / "ffnn" / "check.py").read_text()


def test_bad_input_gets_a_clear_message_and_nothing_is_lost(hub):
    broken, wrong, empty = hub.students[4], hub.students[5], hub.students[0]
    outsider = hub.outsiders[0]
    # a notebook that is not JSON
    notebook = hub.fetch(broken)
    hub.write_as(broken, notebook, b'{"cells": [ this is not JSON')
    assert hub.submit(broken).returncode == 0
    # the wrong assignment: notebook 2 in notebook 1's folder; and a name the course does not have, which
    # nbgrader refuses to submit (so the test writes it into the exchange as the student could by hand)
    hub.fetch(wrong)
    mine = Path(f"/home/{wrong}/{ASSIGNMENT}")
    subprocess.run(["runuser", "-u", wrong, "--", "rm", str(mine / f"{ASSIGNMENT}.ipynb")], check=True)
    other = "02_l_layer_network"
    hub.write_as(wrong, mine / f"{other}.ipynb", (ROOT / "notebooks" / other / f"{other}.ipynb").read_bytes())
    assert hub.submit(wrong).returncode == 0
    refused = hub.submit(wrong, "01_two_layer_netwrk")
    assert refused.returncode != 0 and "Assignment not found" in refused.stderr
    crafted = hub.exchange / "ffnn" / "inbound" / f"{wrong}+01_two_layer_netwrk+2026-01-01 00:00:00.000000 UTC+x"
    subprocess.run(["runuser", "-u", wrong, "--", "cp", "-r", str(mine), str(crafted)], check=True)
    # links and special files written straight into the exchange: the grader (root) must not read through them
    hub.fetch(empty)
    linked = hub.exchange / "ffnn" / "inbound" / f"{empty}+{ASSIGNMENT}+2026-01-02 00:00:00.000000 UTC+y"
    subprocess.run(["runuser", "-u", empty, "--", "cp", "-r", f"/home/{empty}/{ASSIGNMENT}", str(linked)],
                   check=True)
    subprocess.run(["runuser", "-u", empty, "--", "ln", "-s", str(hub.state / "passwords.txt"),
                    str(linked / "passwords.txt")], check=True)
    subprocess.run(["runuser", "-u", empty, "--", "mkfifo", str(linked / "pipe")], check=True)
    # a submission without a notebook: a folder of the assignment's name holding a scratch file only
    scratch = Path(f"/home/{empty}/scratch")
    subprocess.run(["runuser", "-u", empty, "--", "mkdir", "-p", str(scratch / ASSIGNMENT)], check=True)
    hub.write_as(empty, scratch / ASSIGNMENT / "notes.txt", b"my notes\n")
    assert hub.submit(empty, cwd=scratch).returncode == 0
    # a student with an account who is not on the roster
    hub.fetch(outsider)
    assert hub.submit(outsider).returncode == 0
    before = inbound(hub)

    def line_about(who, phrase, timeout=180):
        deadline = time.time() + timeout
        while time.time() < deadline:
            lines = [line for line in hub.service_log().splitlines() if who in line and phrase in line]
            if lines:
                return lines[0]
            time.sleep(2)
        raise AssertionError(f"no log line about {who} with {phrase!r}:\n{hub.service_log()[-3000:]}")

    assert "not on this course's roster" in hub.wait_for_feedback(outsider)[-1].read_text()
    line_about(outsider, "not on this course's roster")
    page = hub.wait_for_feedback(wrong)[-1].read_text()
    assert f"You submitted {other}.ipynb, the notebook of assignment {other}" in page
    line_about(wrong, "the notebook of another assignment")
    line_about(wrong, "no released assignment named '01_two_layer_netwrk'")
    page = hub.wait_for_feedback(broken)[-1].read_text()
    assert "not valid JSON" in page and "scores 0" in page
    assert hub.gradebook_scores()[(broken, ASSIGNMENT)] == 0
    line_about(empty, "no notebook")
    line_about(empty, "passwords.txt is a symbolic link or a special file")
    assert "pipe is a symbolic link or a special file" in line_about(empty, "cannot be read safely")
    with pytest.raises(PermissionError):  # sealed: the student can no longer change what is graded
        os.setegid(os.stat(f"/home/{empty}").st_gid)
        os.seteuid(os.stat(f"/home/{empty}").st_uid)
        try:
            (linked / "late.txt").write_text("swapped in later")
        finally:
            os.seteuid(0)
            os.setegid(0)
    assert not any("password" in f.name for f in (hub.folder / "submitted").rglob("*")), "nothing read through"
    assert (scratch / ASSIGNMENT / "notes.txt").read_bytes() == b"my notes\n"
    after = inbound(hub)
    for name, files in before.items():
        assert after[name] == files, f"{name} changed in the exchange"
    assert any(name.startswith(f"{broken}+") and files.get(f"{ASSIGNMENT}.ipynb") == b'{"cells": [ this is not JSON'
               for name, files in after.items()), "the broken notebook is kept byte for byte"


def test_a_grading_that_fails_on_the_graders_side_is_tried_again_not_scored(hub):
    student = hub.students[6]
    notebook = hub.fetch(student)
    hub.write_as(student, notebook, answered(notebook))
    assert hub.submit(student).returncode == 0
    page = hub.wait_for_feedback(student)[-1].read_text()
    assert "the failure was on the grader's side, not in your work" in page and "graded again after" in page, \
        f"{page}\nthe service's log:\n{hub.service_log()[-3000:]}"
    assert (student, ASSIGNMENT) not in hub.gradebook_scores(), "nothing recorded: not a 0"
    deadline = time.time() + 60
    while True:  # the state is saved once the poll that graded it ends
        state = json.loads((hub.folder / "on-submit" / "state.json").read_text())
        mine = [name for name in state["attempts"] if name.startswith(f"{student}+")]
        if mine or time.time() > deadline:
            break
        time.sleep(1)
    assert len(mine) == 1 and state["attempts"][mine[0]] == 1 and mine[0] not in state["handled"], \
        "the submission stays pending for the next attempt"
