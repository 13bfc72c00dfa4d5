"""Autograde submissions in parallel, sandboxed, with verdicts the student's code cannot influence.

    python grader/autograde.py [--assignment A] [--student S] [--jobs N] [--no-sandbox]   (make autograde)

For every submission (grader/submitted/<student>/<assignment>/) it:

1. stages a copy (the submission itself is never modified): notebooks that are not valid JSON and files over
   ``--max-file-mb`` are left out and reported; a single notebook under another name is graded as the expected one;
2. draws the hidden-test cases for this (student, assignment) from a course secret, so a re-run gives the same
   cases and the same scores, and writes the inputs for the sandbox and the answers for the grader;
3. in a worker process (one per core): nbgrader's sanitizing steps (restoring locked, deleted or retyped test
   cells from the gradebook), then execution in the sandboxed kernel (sandbox.py) with a time limit per cell and
   per notebook; a kernel that dies (memory, os._exit, a crash) is restarted, the cells before are replayed
   silently and the crashing cell is recorded as failed, so the rest of the notebook is still graded;
4. back in this process, one submission at a time: every graded test cell gets its verdict from the hidden tests'
   records (ffnn.reference.hidden.verdict) instead of from what the kernel printed; hidden-test source that
   student code may have echoed is redacted from every output; nbgrader's SaveAutoGrades writes the gradebook.

Ends with a summary table (students, scores, failures and why) and a JSON report in grader/reports/.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # noqa: E402
import sandbox  # noqa: E402

ROOT = course.ROOT
GRADER = ROOT / "grader"
REPORTS = GRADER / "reports"
SECRET = GRADER / ".grading-secret"
HIDDEN_CALL = re.compile(r"hidden_tests\(\s*[\"'](\w+)[\"']\s*,\s*(\w+)")

DEFAULTS = {"cell_timeout": 60, "notebook_timeout": 600, "max_file_mb": 20, "restarts": 3}


@dataclass
class Job:
    assignment: str
    student: str
    submitted: str          # the student's submission folder (read only)
    work: str               # this job's scratch folder
    slot: int = 0
    notes: list = field(default_factory=list)
    notebooks: list = field(default_factory=list)   # notebook names (no .ipynb) that were staged


# ----------------------------------------------------------------------------------------------------------------
# Course layout
# ----------------------------------------------------------------------------------------------------------------

def coursedir(config):
    from nbgrader.coursedir import CourseDirectory
    return CourseDirectory(config=config)


def expected_notebooks(assignment) -> list[str]:
    return sorted(p.stem for p in (course.SOURCE / assignment).glob("*.ipynb"))


def hidden_functions(assignment) -> dict:
    """{grade_id: (suite, function)} of every test cell with hidden tests in the source notebooks."""
    import nbformat
    found = {}
    for name in expected_notebooks(assignment):
        nb = nbformat.read(course.SOURCE / assignment / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            match = HIDDEN_CALL.search(cell.source) if meta.get("grade") else None
            if match:
                found[meta["grade_id"]] = (match.group(1), match.group(2))
    return found


def hidden_source_lines(assignment) -> list[str]:
    """The lines of the hidden-test blocks. They hold nothing secret (the cases are drawn at grading time), but
    student code that echoes cell sources (an IPython pre_run_cell hook) must not show them in feedback either."""
    import nbformat
    lines = ["### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"]
    for name in expected_notebooks(assignment):
        for cell in nbformat.read(course.SOURCE / assignment / f"{name}.ipynb", as_version=4).cells:
            for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
                lines += [line.strip() for line in block.splitlines() if len(line.strip()) >= 12]
    return lines


def _redact(output, lines):
    def clean(text):
        for line in lines:
            text = text.replace(line, "[hidden test code removed]")
        return text
    if output.get("output_type") == "stream":
        output["text"] = clean(output.get("text", ""))
    elif output.get("output_type") == "error":
        output["evalue"] = clean(output.get("evalue", ""))
        output["traceback"] = [clean(t) for t in output.get("traceback", [])]
    else:
        for key, value in list(output.get("data", {}).items()):
            if isinstance(value, str):
                output["data"][key] = clean(value)


def ensure_secret():
    """The course secret behind the hidden cases' seeds: made once, atomically, readable by its owner only."""
    try:
        descriptor = os.open(SECRET, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32))


def job_seed(assignment, student) -> int:
    """Same (student, assignment), same hidden cases: re-grading is reproducible, yet unguessable."""
    digest = hashlib.sha256(f"{SECRET.read_text().strip()}:{assignment}:{student}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def discover(cdir, assignment=None, student=None) -> list[tuple[str, str, Path]]:
    submitted = Path(cdir.root) / cdir.submitted_directory
    found = []
    if not submitted.is_dir():
        return found
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        if student and student_dir.name != student:
            continue
        for assignment_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            if assignment and assignment_dir.name != assignment:
                continue
            if assignment_dir.name not in course.ASSIGNMENTS:
                continue
            found.append((assignment_dir.name, student_dir.name, assignment_dir))
    return found


# ----------------------------------------------------------------------------------------------------------------
# Staging a submission (the submission itself is only read)
# ----------------------------------------------------------------------------------------------------------------

def stage(job: Job, max_file_mb: float) -> Path:
    import nbformat
    source = Path(job.submitted)
    target = Path(job.work) / "submitted" / job.student / job.assignment
    target.mkdir(parents=True, exist_ok=True)
    expected = expected_notebooks(job.assignment)
    extra_notebooks = []
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.is_symlink():
            if path.is_symlink():
                job.notes.append(f"ignored symbolic link {path.name}")
            continue
        relative = path.relative_to(source)
        if path.stat().st_size > max_file_mb * 1024 * 1024:
            job.notes.append(f"ignored {relative} ({path.stat().st_size / 2**20:.0f} MB > {max_file_mb} MB)")
            continue
        if path.suffix == ".ipynb" and len(relative.parts) == 1:
            try:
                notebook = nbformat.read(path, as_version=4)
            except Exception as error:  # noqa: BLE001 - any unreadable notebook is reported the same way
                job.notes.append(f"{relative} is not a readable notebook ({type(error).__name__}: "
                                 f"{str(error).splitlines()[0][:160]}); it scores 0")
                continue
            _untangle_metadata(notebook, job.notes)
            if path.stem not in expected:
                extra_notebooks.append((path, notebook))
                continue
            job.notebooks.append(path.stem)
            nbformat.write(notebook, target / relative)
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    missing = [name for name in expected if name not in job.notebooks]
    if len(missing) == 1 and len(extra_notebooks) == 1 and not any("not a readable" in n for n in job.notes):
        nbformat.write(extra_notebooks[0][1], target / f"{missing[0]}.ipynb")
        job.notebooks.append(missing[0])
        job.notes.append(f"graded {extra_notebooks[0][0].name} as {missing[0]}.ipynb (renamed notebook)")
        missing = []
    for name in missing:
        if not any(name in note for note in job.notes):
            job.notes.append(f"{name}.ipynb is missing; it scores 0")
    return target


def _untangle_metadata(notebook, notes):
    """Keep one cell per grade_id (the first) and drop nbgrader metadata that has no grade_id: nbgrader 0.9 stops
    on such cells instead of restoring the originals. The cells stay; they are just no longer graded cells."""
    seen = set()
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(grade_id, str) or not grade_id or grade_id in seen:
            cell.metadata.pop("nbgrader")
            notes.append(f"ignored a copy of cell {grade_id}" if grade_id else "ignored broken cell metadata")
            continue
        seen.add(grade_id)


# ----------------------------------------------------------------------------------------------------------------
# Execution (worker side)
# ----------------------------------------------------------------------------------------------------------------

def _error_output(ename, evalue):
    from nbformat.v4 import new_output
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _has_error(cell):
    return any(o.output_type == "error" for o in cell.get("outputs", []))


class RobustExecute:
    """Runs a notebook cell by cell in the (sandboxed) kernel with per-cell and per-notebook time limits, and goes
    on after a kernel death: restart, replay the cells before silently, record the crashing cell as failed."""

    def __init__(self, cell_timeout, notebook_timeout, restarts, kernel_name="python3"):
        self.cell_timeout, self.notebook_timeout = cell_timeout, notebook_timeout
        self.restarts, self.kernel_name = restarts, kernel_name
        self.events = []

    def _client(self, nb, cwd):
        from traitlets.config import Config
        config = Config()
        # Unix sockets in this job's runtime folder: the sandbox has no network, and no other job can connect.
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = os.path.join(os.environ["JUPYTER_RUNTIME_DIR"], "kernel")
        client = _BoundedClient(nb, config=config, timeout=self.cell_timeout, kernel_name=self.kernel_name, allow_errors=True,
                                interrupt_on_timeout=True, raise_on_iopub_timeout=False,
                                error_on_timeout={"ename": "CellTimeoutError",
                                                  "evalue": f"the cell ran longer than {self.cell_timeout} s",
                                                  "traceback": [f"CellTimeoutError: the cell ran longer than "
                                                                f"{self.cell_timeout} s"]},
                                extra_arguments=["--HistoryManager.enabled=False",
                                                 "--InteractiveShell.xmode=Minimal"],
                                resources={"metadata": {"path": str(cwd)}})

        def on_cell_executed(cell, cell_index, execute_reply):
            content = execute_reply["content"]
            if content.get("ename") == "CellTimeoutError":
                # the interrupt shows up as a bare KeyboardInterrupt: say what happened instead
                cell.outputs = [o for o in cell.outputs if o.get("ename") != "KeyboardInterrupt"]
            # A timeout's error comes only in the reply: make it an output so the grade sees it.
            if content["status"] == "error" and not _has_error(cell):
                cell.outputs.append(_error_output(execute_reply["content"]["ename"],
                                                  execute_reply["content"]["evalue"]))
        client.on_cell_executed = on_cell_executed
        return client

    def run(self, nb, cwd):
        asyncio.run(self._run(nb, cwd))
        return nb

    async def _run(self, nb, cwd):
        from nbclient.exceptions import DeadKernelError
        deadline = time.monotonic() + self.notebook_timeout
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
        crashed, position, restarts = set(), 0, 0
        while position < len(code):
            client = self._client(nb, cwd)
            try:
                async with client.async_setup_kernel():
                    await client.async_wait_for_reply(await _ensure(client.kc.kernel_info()))
                    for index in code[:position]:           # replay after a restart, outputs discarded
                        if index not in crashed:
                            client.timeout = max(1, min(self.cell_timeout, int(deadline - time.monotonic())))
                            await client.async_execute_cell(copy.deepcopy(nb.cells[index]), index)
                    while position < len(code):
                        index = code[position]
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            self._not_run(nb, code[position:], f"the notebook used up its {self.notebook_timeout} s")
                            return
                        client.timeout = max(1, int(min(self.cell_timeout, remaining)))
                        capped = remaining < self.cell_timeout  # a timeout now is the notebook's cap, not the cell's
                        if capped:
                            why = f"the notebook used up its {self.notebook_timeout} s"
                            client.error_on_timeout = {**client.error_on_timeout, "evalue": why,
                                                       "traceback": [f"CellTimeoutError: {why}"]}
                        watchdog = asyncio.ensure_future(self._watch_writes(client))
                        try:
                            await client.async_execute_cell(nb.cells[index], index, execution_count=position + 1)
                        except DeadKernelError:
                            nb.cells[index].outputs.append(_error_output(
                                "KernelDied", "the kernel stopped while running this cell (memory limit, "
                                "os._exit or a crash)"))
                            self.events.append(f"kernel died in cell {index}")
                            crashed.add(index)
                            position += 1
                            raise
                        finally:
                            watchdog.cancel()
                        position += 1
                        if capped and any(o.get("ename") == "CellTimeoutError" for o in nb.cells[index].outputs):
                            self.events.append(f"cell {index} stopped: {why}")
            except DeadKernelError:
                restarts += 1
                if restarts > self.restarts:
                    self._not_run(nb, code[position:], "the kernel died too often")
                    return
                continue
            except Exception as error:  # noqa: BLE001 - a kernel that cannot start or answer fails the rest
                self.events.append(f"execution stopped: {type(error).__name__}: {error}")
                self._not_run(nb, code[position:], f"execution stopped ({type(error).__name__})")
                return

    async def _watch_writes(self, client):
        """Stop the kernel when it has written more than WRITE_LIMIT bytes into the folders it shares with the
        grader (its IPC folder and the hidden tests' outputs, which are on the grader's disk, not in the jail's
        sized tmpfs): the file-size limit bounds each file, this bounds them all."""
        folders = [os.environ.get("JUPYTER_RUNTIME_DIR"), os.environ.get("FFNN_HIDDEN_OUTPUT")]
        folders = [Path(f) for f in folders if f]
        while True:
            await asyncio.sleep(WRITE_POLL_SECONDS)
            used = sum(_bytes_in(folder) for folder in folders)
            if used > WRITE_LIMIT:
                self.events.append(f"the kernel wrote {used / 2**20:.0f} MB into folders it shares with the grader "
                                   f"(limit {WRITE_LIMIT / 2**20:.0f} MB): stopped it")
                process = getattr(getattr(client.km, "provisioner", None), "process", None)
                if process is not None:
                    try:
                        os.kill(process.pid, signal.SIGKILL)  # the jail dies with its launcher (--die-with-parent)
                    except ProcessLookupError:
                        pass
                for folder in folders:
                    _remove_big_files(folder)
                return

    def _not_run(self, nb, indices, why):
        self.events.append(f"{len(indices)} cell(s) not run: {why}")
        for index in indices:
            nb.cells[index].outputs = [_error_output("NotRun", f"not run: {why}")]


OUTPUT_LIMIT = 8 * 1024 * 1024  # bytes of outputs kept per notebook; the rest is dropped, with a note
WRITE_LIMIT = int(os.environ.get("FFNN_WRITE_LIMIT_MB", "96")) * 2**20  # bytes the kernel may leave on the grader's disk
WRITE_POLL_SECONDS = 0.2


def _bytes_in(folder: Path) -> int:
    total = 0
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            try:
                info = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            total += info.st_blocks * 512 if info.st_blocks else info.st_size
    return total


def _remove_big_files(folder: Path, keep_below=1 * 2**20):
    """Delete what a runaway kernel wrote (files of 1 MB or more; the grader's own files are smaller)."""
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                if os.lstat(path).st_size >= keep_below:
                    os.unlink(path)
            except OSError:
                pass


def _bounded_client_class():
    from nbclient import NotebookClient

    class BoundedClient(NotebookClient):
        """Keeps at most OUTPUT_LIMIT bytes of a notebook's outputs in memory: printing without end in a loop
        must not exhaust the grader (the kernel's own memory is limited by the sandbox, the grader's is not)."""

        kept = 0

        def output(self, outs, msg, display_id, cell_index):
            size = len(json.dumps(msg.get("content", {}), default=str))
            if self.kept + size > OUTPUT_LIMIT:
                if not getattr(self, "_noted", False):
                    self._noted = True
                    from nbformat.v4 import new_output
                    outs.append(new_output("stream", name="stdout",
                                           text=f"[output beyond {OUTPUT_LIMIT // 2**20} MB dropped]\n"))
                return None
            self.kept += size
            return super().output(outs, msg, display_id, cell_index)

    return BoundedClient


def _BoundedClient(*args, **kwargs):
    return _bounded_client_class()(*args, **kwargs)


async def _ensure(value):
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value


def _robust_execute_preprocessor(cell_timeout, notebook_timeout, restarts, events):
    from nbgrader.preprocessors import NbGraderPreprocessor

    class SandboxedExecute(NbGraderPreprocessor):
        def preprocess(self, nb, resources):
            runner = RobustExecute(cell_timeout, notebook_timeout, restarts)
            cwd = resources.get("metadata", {}).get("path") or os.getcwd()
            runner.run(nb, cwd)
            events.extend(runner.events)
            return nb, resources
    return SandboxedExecute


def worker(spec_path: str) -> int:
    """One submission, in its own process: stage, draw the hidden cases, sanitize and execute (sandboxed), then
    record the grades (one worker at a time, under a lock). Writes result.json next to the spec."""
    spec = json.loads(Path(spec_path).read_text())
    job = Job(**spec["job"])
    work = Path(job.work)
    started = time.monotonic()
    config = main_config(spec["db_url"])
    events, phases = [], {}
    prepare(job, Path(spec["template"]), spec)
    phases["prepare"] = time.monotonic() - started
    if job.notebooks:
        os.environ.update(spec["env"])
        local = course.load_config(**{
            "CourseDirectory.root": str(work), "CourseDirectory.source_directory": "source",
            "CourseDirectory.submitted_directory": "submitted", "CourseDirectory.autograded_directory": "executed",
            "CourseDirectory.feedback_directory": "feedback",
            "CourseDirectory.db_url": f"sqlite:///{work}/gradebook.db", "OverwriteCells.add_missing_cells": True,
            "Autograde.autograde_preprocessors": [_robust_execute_preprocessor(
                spec["cell_timeout"], spec["notebook_timeout"], spec["restarts"], events)]})
        from nbgrader.apps import NbGraderAPI
        result = NbGraderAPI(coursedir=coursedir(local), config=local).autograde(job.assignment, job.student,
                                                                                 force=True, create=True)
        job.notes += events
        if not result["success"]:
            job.notes.append("nbgrader could not autograde: " + _last_line(result.get("error") or
                                                                           result.get("log") or ""))
    phases["execute"] = time.monotonic() - started - phases["prepare"]
    answers = json.loads((work / "answers.json").read_text())
    verdicts = compute_verdicts(job, answers, work / "hidden" / "outputs")  # outside the lock: no waiting on it
    waited = time.monotonic()
    with gradebook_lock(spec["lock"]):
        phases["lock wait"] = time.monotonic() - waited
        entry = finish(config, job, verdicts, time.monotonic() - started)
    phases["record"] = time.monotonic() - waited - phases["lock wait"]
    entry["phases"] = {k: round(v, 2) for k, v in phases.items()}
    (work / "result.json").write_text(json.dumps(entry))
    return 0


def _last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][-300:] if lines else ""


class gradebook_lock:
    """One writer at a time: nbgrader's gradebook code is not written for concurrent writers."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        import fcntl
        self.handle = open(self.path, "a")
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        import fcntl
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def main_config(db_url=None):
    config = course.load_config()
    if db_url:
        config["CourseDirectory"]["db_url"] = db_url
    return config


# ----------------------------------------------------------------------------------------------------------------
# Verdicts and the gradebook (this process)
# ----------------------------------------------------------------------------------------------------------------

RECORD_LIMIT = 16 * 1024 * 1024
SAFE_MIMETYPES = ("text/plain", "image/png", "image/jpeg")


def read_record(path: Path):
    """A hidden-test record written by the kernel: a regular file (no symlink, no FIFO) of bounded size, or None."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > RECORD_LIMIT:
            return None
        data = handle.read(RECORD_LIMIT + 1)
    try:
        record = json.loads(data)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def student_sources(job: Job) -> list[str]:
    """The code the student wrote (answer cells and cells they added), as nbgrader ran it: read here, outside
    the kernel, for the static part of the vectorization check."""
    import nbformat
    sources = []
    work = Path(job.work)
    for name in job.notebooks:
        for folder in ("executed", "submitted"):
            path = work / folder / job.student / job.assignment / f"{name}.ipynb"
            if not path.is_file():
                continue
            try:
                nb = nbformat.read(path, as_version=4)
            except Exception:  # noqa: BLE001 - an unreadable notebook has no code to read
                continue
            sources += [cell.source for cell in nb.cells if cell.cell_type == "code" and
                        (cell.metadata.get("nbgrader", {}).get("solution") or not cell.metadata.get("nbgrader"))]
            break
    return sources


def compute_verdicts(job: Job, answers_by_suite, outputs_dir: Path) -> dict:
    """{grade_id: (passed, feedback)} for every test cell with hidden tests, judged here from the kernel's records."""
    from ffnn.grading import output_path
    from ffnn.reference.hidden import verdict
    verdicts = {}
    graded = hidden_functions(job.assignment)
    sources = student_sources(job)
    names = {name for _, name in graded.values()}
    for grade_id, (suite, name) in graded.items():
        record = read_record(output_path(outputs_dir, suite, name))
        try:
            verdicts[grade_id] = verdict(answers_by_suite[suite], name, record, sources, names - {name})
        except Exception as error:  # noqa: BLE001 - a malformed record fails its own cell, nothing else
            verdicts[grade_id] = (False, f"{name}: the hidden tests' record could not be read "
                                         f"({type(error).__name__}).")
    return verdicts


def _safe_outputs(cell):
    """Keep what the formgrader and feedback pages can show without running anything: text and images."""
    kept = []
    for output in cell.get("outputs", []):
        if output.get("output_type") in ("display_data", "execute_result"):
            output["data"] = {k: v for k, v in output.get("data", {}).items() if k in SAFE_MIMETYPES}
            if not output["data"]:
                continue
        kept.append(output)
    cell["outputs"] = kept


def _verdict_preprocessor(verdicts, redact=()):
    from nbgrader.preprocessors import NbGraderPreprocessor

    class ApplyHiddenVerdicts(NbGraderPreprocessor):
        """Each graded test cell passes only if the trusted verdict of its hidden tests passes and the cell
        raised nothing; outputs that could run code in an instructor's browser (HTML, JavaScript, SVG) and
        student-added markdown are neutralized, and nothing the kernel printed can award points."""

        def preprocess(self, nb, resources):
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type in ("markdown", "raw") and not meta:
                    # a cell the student added: show its text, never its HTML
                    cell.cell_type = "markdown"
                    cell.source = "```\n" + cell.source.replace("`", "'") + "\n```"
                    continue
                if cell.cell_type != "code":
                    continue
                _safe_outputs(cell)
                for output in cell.outputs:
                    _redact(output, redact)
                if not meta.get("grade"):
                    continue
                kept = [o for o in cell.outputs if o.output_type in ("stream", "display_data", "error")
                        and not (o.output_type == "stream" and o.name == "stderr")]
                errors = [o for o in kept if o.output_type == "error"]
                kept = [o for o in kept if o.output_type != "error"]
                passed, message = verdicts.get(meta["grade_id"], (True, ""))
                if errors:
                    kept.append(errors[0])
                elif not passed:
                    kept.append(_error_output("HiddenTestFailure", message))
                cell.outputs = kept
            return nb, resources
    return ApplyHiddenVerdicts


def record_grades(config, job: Job, verdicts, executed_dir):
    """nbgrader's grade-saving steps on the executed notebooks, with our verdicts, into the main gradebook."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.apps import NbGraderAPI
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, LimitOutput, SaveAutoGrades
    staged = Path(job.work) / "graded-input" / job.student / job.assignment
    staged.mkdir(parents=True, exist_ok=True)
    if executed_dir.is_dir():
        for path in executed_dir.iterdir():
            if path.is_file():
                shutil.copyfile(path, staged / path.name)
    timestamp = Path(job.submitted) / "timestamp.txt"
    if timestamp.is_file() and not timestamp.is_symlink() and timestamp.stat().st_size < 200:
        shutil.copyfile(timestamp, staged / "timestamp.txt")
    merged = copy.deepcopy(config)
    merged["CourseDirectory"]["submitted_directory"] = str(Path(job.work) / "graded-input")
    merged["Autograde"]["sanitize_preprocessors"] = []
    merged["Autograde"]["autograde_preprocessors"] = [_verdict_preprocessor(verdicts,
                                                                            hidden_source_lines(job.assignment)),
                                                      ClearMetadataPreprocessor,
                                                      LimitOutput,
                                                      SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    api = NbGraderAPI(coursedir=coursedir(merged), config=merged)
    return api.autograde(job.assignment, job.student, force=True, create=True)


def record_zero(config, job: Job):
    """A submission with no gradable notebook: every graded cell scores 0 (nbgrader's own rule for a missing
    notebook), and the reason stays in the report."""
    from nbgrader.api import Gradebook
    cdir = coursedir(config)
    with Gradebook(cdir.db_url, cdir.course_id) as gradebook:
        gradebook.update_or_create_student(job.student)
        submission = gradebook.update_or_create_submission(job.assignment, job.student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gradebook.db.commit()


def scores(config, assignment, student):
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(coursedir(config).db_url, coursedir(config).course_id) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return None
        return submission.score, submission.max_score


# ----------------------------------------------------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------------------------------------------------

def template_gradebook(config, assignments, scratch: Path) -> Path:
    """A gradebook that knows the assignments (cells, points) and nothing else matters to a worker: its private
    copy is where nbgrader's sanitizing steps look up the original cells. A SQLite main gradebook is simply
    copied; for another database one is generated once for the run."""
    template = scratch / "template.db"
    db_url = coursedir(config).db_url
    if db_url.startswith("sqlite:///"):
        shutil.copyfile(db_url[len("sqlite:///"):], template)
        return template
    from nbgrader.apps import NbGraderAPI
    root = scratch / "template"
    (root / "source").mkdir(parents=True)
    for assignment in assignments:
        shutil.copytree(course.SOURCE / assignment, root / "source" / assignment)
    overrides = copy.deepcopy(config)
    overrides["CourseDirectory"]["root"] = str(root)
    overrides["CourseDirectory"]["source_directory"] = "source"
    overrides["CourseDirectory"]["release_directory"] = "release"
    overrides["CourseDirectory"]["db_url"] = f"sqlite:///{template}"
    api = NbGraderAPI(coursedir=coursedir(overrides), config=overrides)
    for assignment in assignments:
        result = api.generate_assignment(assignment)
        if not result["success"]:
            raise SystemExit(f"autograde: cannot read the assignment {assignment}: {result.get('error')}")
    return template


def ensure_assignments_in_gradebook(config, assignments):
    """The main gradebook must know each assignment (as `make release` records it); add what is missing."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.apps import NbGraderAPI
    missing = []
    with Gradebook(coursedir(config).db_url, coursedir(config).course_id) as gradebook:
        for assignment in assignments:
            try:
                gradebook.find_assignment(assignment)
            except MissingEntry:
                missing.append(assignment)
    if missing:
        with tempfile.TemporaryDirectory() as scratch:
            overrides = copy.deepcopy(config)
            overrides["CourseDirectory"]["release_directory"] = scratch
            api = NbGraderAPI(coursedir=coursedir(overrides), config=overrides)
            for assignment in missing:
                result = api.generate_assignment(assignment)
                if not result["success"]:
                    raise SystemExit(f"autograde: cannot add {assignment} to the gradebook: {result.get('error')}")


def prepare(job: Job, template: Path, spec: dict):
    """Stage the submission and write this job's hidden cases (inputs for the sandbox, answers for us)."""
    from ffnn.reference.hidden import build, split
    work = Path(job.work)
    stage(job, spec["max_file_mb"])
    shutil.copytree(course.SOURCE / job.assignment, work / "source" / job.assignment)
    shutil.copyfile(template, work / "gradebook.db")
    by_suite = {}
    for suite, name in hidden_functions(job.assignment).values():
        by_suite.setdefault(suite, []).append(name)
    seed = job_seed(job.assignment, job.student)
    inputs, answers = {}, {}
    for suite, names in by_suite.items():
        inputs[suite], answers[suite] = split(build(suite, names, seed=seed + sum(map(ord, suite))))
    hidden = work / "hidden"
    (hidden / "outputs").mkdir(parents=True)
    (hidden / "cases.json").write_text(json.dumps(inputs))
    (hidden / "cases.json").chmod(0o644)
    hidden.chmod(0o755)
    (work / "answers.json").write_text(json.dumps(answers))
    runtime = spec["env"]["JUPYTER_RUNTIME_DIR"]
    Path(runtime).mkdir(parents=True, exist_ok=True)
    spec["env"].update({"FFNN_HIDDEN_CASES": str(hidden / "cases.json"), "FFNN_HIDDEN_OUTPUT": str(hidden / "outputs")})


def job_spec(job: Job, template: Path, options, use_sandbox: bool, lock: Path, db_url: str) -> Path:
    # in the run's scratch folder, but not under the job's (student ids can be long): a Unix socket's path may
    # not exceed ~107 bytes
    runtime = tempfile.mkdtemp(prefix="fk-", dir=Path(job.work).parent)
    env = {**course.NOTEBOOK_ENV, "JUPYTER_RUNTIME_DIR": runtime, "FFNN_SANDBOX_RUNTIME": runtime,
           "FFNN_SANDBOX_SLOT": str(job.slot)}
    if use_sandbox:
        env["JUPYTER_PATH"] = str(sandbox.kernelspec_dir())
    spec = {"job": asdict(job), "env": env, "template": str(template), "lock": str(lock), "db_url": db_url,
            "cell_timeout": options.cell_timeout, "notebook_timeout": options.notebook_timeout,
            "restarts": DEFAULTS["restarts"], "max_file_mb": options.max_file_mb}
    path = Path(job.work) / "spec.json"
    path.write_text(json.dumps(spec))
    return path


class Worker:
    """A long-lived grading process (its own session, so it can be killed with everything it started): it reads
    one job spec path per line and answers 'done' when the job's result.json is written."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.log = open(log_path, "a")
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "worker-loop"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
                                        start_new_session=True, bufsize=1)
        os.set_blocking(self.process.stdout.fileno(), False)
        self.buffer = ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, spec_path: Path):
        self.process.stdin.write(f"{spec_path}\n")
        self.process.stdin.flush()

    def poll_done(self) -> bool:
        try:
            self.buffer += self.process.stdout.read() or ""
        except (BlockingIOError, TypeError):
            pass
        if "done\n" in self.buffer:
            self.buffer = self.buffer.replace("done\n", "", 1)
            return True
        return False

    def kill(self):
        if self.alive():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        self.log.close()


def worker_loop() -> int:
    """``autograde.py worker-loop``: grade the jobs named on stdin, one at a time."""
    # The 'done' answers get a private copy of stdout; fd 1 itself becomes the log, so nothing a kernel (or the
    # code it runs) writes to its inherited stdout can be taken for an answer.
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    environment = dict(os.environ)
    for line in sys.stdin:
        os.environ.clear()
        os.environ.update(environment)
        try:
            worker(line.strip())
        except Exception:  # noqa: BLE001 - the job's missing result.json tells the main process
            import traceback
            traceback.print_exc()
        answers.write("done\n")
    return 0


class Progress:
    def __init__(self, total):
        self.total, self.done, self.start = total, 0, time.monotonic()
        self.tty = sys.stdout.isatty()

    def update(self, line):
        self.done += 1
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        elapsed = time.monotonic() - self.start
        text = f"[{bar}] {self.done}/{self.total} {elapsed:6.1f} s  {line}"
        print(("\r" + text.ljust(110)) if self.tty else text, end="" if self.tty else "\n", flush=True)

    def close(self):
        if self.tty:
            print()


def run(options) -> int:
    config = course.load_config()
    if options.db_url:
        config["CourseDirectory"]["db_url"] = options.db_url
    for option, key in (("submitted", "submitted_directory"), ("autograded", "autograded_directory")):
        if getattr(options, option):
            config["CourseDirectory"][key] = str(Path(getattr(options, option)).resolve())
    cdir = coursedir(config)
    if cdir.db_url.startswith("sqlite:///"):
        Path(cdir.db_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    use_sandbox = not options.no_sandbox
    if use_sandbox:
        ok, why = sandbox.available()
        if not ok:
            print(f"autograde: the sandbox is not available: {why}.\n  Refusing to run student code without it; "
                  f"pass --no-sandbox only for trusted submissions.", file=sys.stderr)
            return 2
    submissions = discover(cdir, options.assignment, options.student)
    if not submissions:
        where = Path(cdir.root) / cdir.submitted_directory
        print(f"autograde: no submissions in {where} for assignment={options.assignment or 'any'} "
              f"student={options.student or 'any'} (run `make collect` first).")
        return 1
    assignments = sorted({a for a, _, _ in submissions})
    ensure_secret()
    ensure_assignments_in_gradebook(config, assignments)
    jobs_n = max(1, options.jobs or os.cpu_count() or 1)
    scratch = Path(tempfile.mkdtemp(prefix="ffnn-autograde-"))
    scratch.chmod(0o755)
    template = template_gradebook(config, assignments, scratch)
    report = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "jobs": jobs_n, "sandbox": use_sandbox,
              "submissions": []}
    print(f"autograde: {len(submissions)} submission(s), {jobs_n} in parallel, sandbox "
          f"{'on' if use_sandbox else 'OFF'}")
    progress = Progress(len(submissions))
    pending = [Job(a, s, str(path), str(scratch / f"{s}--{a}")) for a, s, path in submissions]
    # one writer at a time, also across two `make autograde` runs on the same SQLite gradebook
    lock = Path(cdir.db_url[len("sqlite:///"):] + ".lock") if cdir.db_url.startswith("sqlite:///") \
        else Path(tempfile.gettempdir()) / f"ffnn-gradebook-{hashlib.sha256(cdir.db_url.encode()).hexdigest()[:12]}.lock"
    cap = options.notebook_timeout * 1.5 + 120
    workers = {slot: None for slot in range(jobs_n)}  # slot -> Worker (long-lived: imports paid once)
    busy = {}                                          # slot -> (job, started)
    try:
        while pending or busy:
            for slot in workers:
                if slot in busy or not pending:
                    continue
                if workers[slot] is None or not workers[slot].alive():
                    workers[slot] = Worker(scratch / f"worker-{slot}.log")
                job = pending.pop(0)
                job.slot = slot
                Path(job.work).mkdir(parents=True)
                workers[slot].send(job_spec(job, template, options, use_sandbox, lock, cdir.db_url))
                busy[slot] = (job, time.monotonic())
            time.sleep(0.05)
            for slot, (job, started) in list(busy.items()):
                worker = workers[slot]
                finished = worker.poll_done()
                if not finished and worker.alive() and time.monotonic() - started <= cap:
                    continue
                del busy[slot]
                result = Path(job.work) / "result.json"
                if finished and result.exists():
                    entry = json.loads(result.read_text())
                else:  # the grader failed, not the student: leave the gradebook as it was and say so
                    if finished:
                        why = "the grading step raised an error"
                    elif worker.alive():
                        why = "the wall-clock cap was reached"
                        worker.kill()
                        workers[slot] = None
                    else:
                        why = f"the worker exited ({worker.process.returncode})"
                        workers[slot] = None
                    job.notes.append(f"NOT GRADED: {why}; see {worker.log_path}")
                    entry = {"assignment": job.assignment, "student": job.student, "graded": False,
                             "score": None, "max_score": None, "seconds": round(time.monotonic() - started, 1),
                             "notes": job.notes}
                report["submissions"].append(entry)
                total = "-" if entry["score"] is None else f"{entry['score']:g}/{entry['max_score']:g}"
                progress.update(f"{job.student} {job.assignment} {total}")
    finally:
        progress.close()
        for worker in workers.values():
            if worker is not None:
                worker.kill()
        if not options.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print_summary(report)
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / f"autograde-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=1))
    print(f"\nautograde: gradebook {cdir.db_url}\n           autograded notebooks in "
          f"{Path(cdir.root) / cdir.autograded_directory}\n           report {path}")
    return 0 if all(e["graded"] for e in report["submissions"]) else 1


def finish(config, job: Job, verdicts, seconds: float) -> dict:
    """Record the grades of an executed (or ungradable) submission in the gradebook; return its report entry.

    A submission without a gradable notebook scores 0 (nbgrader's rule). When the grader itself fails, the
    gradebook is left as it was and the entry says "not graded": a grading bug must not erase earlier grades."""
    executed = Path(job.work) / "executed" / job.student / job.assignment
    if not job.notebooks:
        record_zero(config, job)
        return entry_for(config, job, seconds, graded=True)
    if not (executed.is_dir() and any(executed.glob("*.ipynb"))):
        job.notes.append("NOT GRADED: nbgrader produced no executed notebook (see the worker log)")
        return entry_for(config, job, seconds, graded=False)
    graded = record_grades(config, job, verdicts, executed)
    if not graded["success"]:
        job.notes.append("NOT GRADED: recording the grades failed: " + _last_line(graded.get("error") or ""))
    return entry_for(config, job, seconds, graded=bool(graded["success"]))


def entry_for(config, job: Job, seconds: float, graded: bool) -> dict:
    score = scores(config, job.assignment, job.student)
    return {"assignment": job.assignment, "student": job.student, "graded": graded,
            "score": None if score is None else score[0], "max_score": None if score is None else score[1],
            "seconds": round(seconds, 1), "notes": job.notes}


def print_summary(report):
    rows = [(e["student"], e["assignment"],
             "-" if e["score"] is None else f"{e['score']:g} / {e['max_score']:g}",
             f"{e['seconds']:.0f} s", "; ".join(e["notes"]) or "ok") for e in report["submissions"]]
    headers = ("student", "assignment", "score", "time", "notes")
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(4)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)) + "  notes")
    print("  ".join("-" * w for w in widths) + "  -----")
    for row in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths)) + "  " + row[4][:300])


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["worker-loop"]:
        return worker_loop()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default=None)
    parser.add_argument("--student", default=None)
    parser.add_argument("--jobs", type=int, default=None, help="parallel workers (default: all cores)")
    parser.add_argument("--db-url", default=None, help="gradebook (default: nbgrader_config.py's)")
    parser.add_argument("--submitted", default=None, help="submissions folder (default: grader/submitted)")
    parser.add_argument("--autograded", default=None, help="output folder (default: grader/autograded)")
    parser.add_argument("--cell-timeout", type=int, default=DEFAULTS["cell_timeout"])
    parser.add_argument("--notebook-timeout", type=int, default=DEFAULTS["notebook_timeout"])
    parser.add_argument("--max-file-mb", type=float, default=DEFAULTS["max_file_mb"])
    parser.add_argument("--no-sandbox", action="store_true", help="run student code unconfined (trusted only)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folders (for debugging)")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
