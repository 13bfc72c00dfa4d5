"""Grading step: run the notebook in the sandbox and judge its hidden tests outside the kernel.

For one submitted notebook: draw its hidden cases (hidden_cases.draw) into a sized tmpfs shared with the kernel,
run every cell in the sandboxed kernel (kernel_runner.KernelRunner: time limits, restarts after a crash, a hang or
a broken kernel), then judge what the kernel recorded against the answers, here in the grader's process. The
verdicts go to ``resources["ffnn"]`` for ApplyHiddenVerdicts (and, for make autograde's workers, to
``verdicts_file``). Where the machine cannot sandbox, it refuses, naming `make autograde`, and runs nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from traitlets import Bool, Integer, Unicode

import course
import hidden_cases
import sandbox
from kernel_runner import KernelRunner

from .course_step import CourseStep


class GradingRefused(RuntimeError):
    """This machine or this run cannot grade safely; nothing was run."""


class SandboxedExecute(CourseStep):
    """See the module's docstring."""

    cell_timeout = Integer(60, help="seconds a cell may run").tag(config=True)
    notebook_timeout = Integer(600, help="seconds a whole notebook may run").tag(config=True)
    restarts = Integer(3, help="kernel restarts allowed (after a crash, a hang, a broken kernel)").tag(config=True)
    hang_budget = Integer(120, help="seconds of hung cells and restarts a notebook may cost").tag(config=True)
    slot = Integer(-1, help="sandbox slot (a uid and memory cgroup of its own) that the caller holds; -1: claim a "
                            "free one for this notebook (sandbox.claim_slot)").tag(config=True)
    scratch = Unicode("", help="folder for this notebook's shared tmpfs (default: a temporary one)").tag(config=True)
    verdicts_file = Unicode("", help="also write {notebook: verdicts} here (make autograde's workers)").tag(config=True)
    use_sandbox = Bool(True, help="False only for trusted notebooks (make autograde --no-sandbox)").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        assignment, student, notebook = info["assignment"], info["student"], info["notebook"]
        if self.use_sandbox:
            ok, why = sandbox.available()
            if not ok:
                raise GradingRefused(f"refusing to run student code outside the grading sandbox: {why}. Grade with "
                                     f"`make autograde` on a machine that can sandbox (see README, Autograding).")
        claim = sandbox.claim_slot() if self.slot < 0 else None
        slot = self.slot if claim is None else claim.slot
        made = not self.scratch
        scratch = Path(self.scratch) if self.scratch else Path(tempfile.mkdtemp(prefix="ffnn-grade-"))
        scratch.mkdir(parents=True, exist_ok=True)
        scratch.chmod(0o755)
        # a Unix socket's path may not exceed ~107 bytes: a short folder name
        runtime = Path(tempfile.mkdtemp(prefix="fk-", dir=scratch))
        try:
            shared = sandbox.shared_folder(runtime) if self.use_sandbox else contextlib.nullcontext(runtime)
            with shared:
                runtime.chmod(0o755)
                hidden = runtime / "hidden"
                answers = hidden_cases.draw(assignment, student, hidden, notebook)
                env = {**os.environ, **course.NOTEBOOK_ENV, "NBGRADER_EXECUTION": "autograde",
                       "FFNN_HIDDEN_CASES": str(hidden / "cases.json"),
                       "FFNN_HIDDEN_OUTPUT": str(hidden / "outputs"),
                       "FFNN_SANDBOX_RUNTIME": str(runtime), "FFNN_SANDBOX_SLOT": str(slot),
                       "FFNN_ASSIGNMENT": assignment}
                env.pop("MPLBACKEND", None)
                no_cgroup = self.use_sandbox and sandbox.memory_cgroup(slot) is None
                # without a memory cgroup, the watchdog holds the sandbox's memory cap
                watch = (lambda kill, events: sandbox.memory_watchdog(slot, kill, events)) if no_cgroup else None
                runner = KernelRunner(self.cell_timeout, self.notebook_timeout, self.restarts, self.hang_budget,
                                      runtime_dir=runtime, env=env, watch=watch,
                                      kernel_dirs=[sandbox.kernelspec_dir() / "kernels"] if self.use_sandbox else None)
                cwd = resources.get("metadata", {}).get("path") or str(scratch)
                runner.run(nb, cwd)
                verdicts = hidden_cases.verdicts(assignment, notebook, answers, hidden / "outputs",
                                                 hidden_cases.student_sources(nb))
        finally:
            if claim is not None:
                claim.release()
            if made:
                sandbox.unmount_below(scratch)
                shutil.rmtree(scratch, ignore_errors=True)
            else:
                shutil.rmtree(runtime, ignore_errors=True)
        for event in runner.events:
            self.note(event)
        resources.setdefault("ffnn", {})["verdicts"] = verdicts
        if self.verdicts_file:
            path = Path(self.verdicts_file)
            stored = json.loads(path.read_text()) if path.exists() else {}
            stored[notebook] = verdicts
            path.write_text(json.dumps(stored))
        return nb, resources
