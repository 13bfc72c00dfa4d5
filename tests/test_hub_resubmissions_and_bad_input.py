"""The class hub's grading on submit over time and with bad input: resubmissions wait for the interval, every one
is kept and the latest is graded; a broken notebook, another assignment's notebook, an assignment the course does
not have, a submission without a notebook, links and special files, a student not on the roster: each gets a clear
message and nothing is lost.

A hub of its own (tests/class_hub.py), so that these tests, which mostly wait, run beside tests/test_class_hub.py
on another pytest worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from class_hub import ASSIGNMENT, ClassHub  # noqa: E402
from test_class_hub import answered, inbound  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# seconds between two gradings of one student's assignment, for this hub: long enough that a resubmission made
# right after the first feedback arrives falls inside it on a loaded machine (CI: two cores, the whole suite)
INTERVAL = 60

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the hub makes real accounts: run the tests as root "
                                "(make test does, on CI)")


@pytest.fixture(scope="module")
def hub():
    with ClassHub(students=6, extra=1, interval=INTERVAL) as running:
        yield running


def test_resubmissions_wait_for_the_interval_all_are_kept_and_the_latest_is_graded(hub):
    student = hub.students[1]
    notebook = hub.fetch(student)
    hub.write_as(student, notebook, answered(notebook, mistakes=["compute_cost", "predict"]))
    assert hub.submit(student).returncode == 0
    first = hub.wait_for_feedback(student)
    first_score = hub.gradebook_scores()[(student, ASSIGNMENT)]
    # two more within the interval: the first waits (a notice says until when), the second replaces it
    hub.write_as(student, notebook, answered(notebook, mistakes=["predict"]))
    assert hub.submit(student).returncode == 0
    pages = hub.wait_for_feedback(student, count=2, timeout=60)
    assert "graded at most once every" in pages[-1].read_text(), pages[-1].read_text()
    time.sleep(1.1)  # nbgrader names submissions by their time, to the microsecond; a clear gap between them
    hub.write_as(student, notebook, answered(notebook))
    assert hub.submit(student).returncode == 0
    mine = [name for name in inbound(hub) if name.startswith(f"{student}+")]
    assert len(mine) == 3, "every submission stays in the exchange"
    hub.wait_for_feedback(student, count=3, timeout=INTERVAL + 240)

    def outcomes():
        state = json.loads((hub.folder / "on-submit" / "state.json").read_text())
        return [state["handled"].get(name, "") for name in sorted(mine)]

    deadline = time.time() + INTERVAL + 240
    while not outcomes()[2] and time.time() < deadline:
        time.sleep(2)
    assert hub.gradebook_scores()[(student, ASSIGNMENT)] == 15 != first_score, "the latest (all correct) is graded"
    outcomes = outcomes()
    assert outcomes[0].startswith("graded") and outcomes[1].startswith("superseded") and \
        outcomes[2].startswith("graded 15/15"), outcomes
    latest = hub.feedback_pages(student)[-1].read_text()
    assert "15" in latest and "graded at most once" not in latest
    assert first[0].exists(), "feedback fetched earlier is kept"


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
