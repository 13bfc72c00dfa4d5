"""The course's notebooks, step by step: record outputs, generate student versions, check them.

    python grader/course.py record   [ASSIGNMENT ...]   # run the source notebooks, keep their outputs
    python grader/course.py generate [ASSIGNMENT ...]   # nbgrader generate_assignment -> notebooks/
    python grader/course.py check                       # sources pass, student versions fail every test
    python grader/course.py timings                     # seconds per source notebook, fresh kernel

Outputs are recorded under the same seeds and thread counts that nbval uses to check them
(``NOTEBOOK_ENV``), so `make test` compares like with like.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kernel_sockets  # noqa: E402
import release_guard  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "solutions"
RELEASE = ROOT / "notebooks"
CONFIG = ROOT / "grader" / "nbgrader_config.py"

# nbgrader runs tools of this environment by name (alembic, when it creates a gradebook): find them first.
if str(Path(sys.executable).parent) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

#: The assignments, in course order; each is a folder of solutions/ with one notebook of the same name.
ASSIGNMENTS = ["01_two_layer_network", "02_l_layer_network", "03_activations", "04_costs", "05_capstone"]

#: Environment of every kernel that records or checks outputs.
NOTEBOOK_ENV = {"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "OMP_NUM_THREADS": "1", "IPYKERNEL_CELL_NAME": "<IPY-INPUT>"}


def notebook_environment(base=None) -> dict:
    env = dict(os.environ if base is None else base)
    env.update(NOTEBOOK_ENV)
    # nbgrader runs tools of this environment (alembic) by name
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("MPLBACKEND", None)  # the inline backend, as students see it
    return env


def source_notebook(assignment: str) -> Path:
    path = SOURCE / assignment / f"{assignment}.ipynb"
    if not path.exists():
        raise SystemExit(f"course.py: no source notebook {path}; assignments are {ASSIGNMENTS}.")
    return path


def release_notebook(assignment: str, release_dir: Path = RELEASE) -> Path:
    return release_dir / assignment / f"{assignment}.ipynb"


def load_config(**overrides):
    """nbgrader's Config from grader/nbgrader_config.py, with dotted-name overrides."""
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()
    for dotted, value in overrides.items():
        section, name = dotted.rsplit(".", 1)
        config[section][name] = value
    return config


def coursedir(config):
    """nbgrader's view of the course's folders and gradebook under ``config``."""
    from nbgrader.coursedir import CourseDirectory
    return CourseDirectory(config=config)


def api(config=None, **overrides):
    """nbgrader's in-process API (no CLI start-up) under ``config`` (default: the course's, with ``overrides``)."""
    from nbgrader.apps import NbGraderAPI
    if config is not None and overrides:
        raise TypeError("course.api: give a config or overrides of the course's config, not both")
    config = load_config(**overrides) if config is None else config
    return NbGraderAPI(coursedir=coursedir(config), config=config)


def folder(config, key) -> Path:
    """One of nbgrader's course folders under ``config``, e.g. ``folder(config, "submitted_directory")``."""
    directory = coursedir(config)
    return Path(directory.root) / getattr(directory, key)


def kernel_config():
    """Kernels the course starts talk over Unix sockets in a private folder (``kernel_sockets``), not TCP."""
    from traitlets.config import Config
    return kernel_sockets.configure(Config())


def execute(path: Path, timeout: int = 300, allow_errors: bool = False):
    """Run a notebook top to bottom in a fresh kernel (its folder as working directory); return it, run."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    with _environment(notebook_environment()):
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                       resources={"metadata": {"path": str(path.parent)}}, config=kernel_config()).execute()
    return nb


def execute_allowing_errors(path: Path, timeout: int = 300):
    """``execute`` that keeps going past errors, as a student's Run All of an unfinished notebook does."""
    return execute(path, timeout, allow_errors=True)


class _environment:
    def __init__(self, env):
        self.env = env

    def __enter__(self):
        self.saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)

    def __exit__(self, *exc):
        os.environ.clear()
        os.environ.update(self.saved)


def _clean(nb):
    """Drop what changes from run to run and says nothing: execution timestamps."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def record(assignments):
    import nbformat
    for assignment in assignments:
        path = source_notebook(assignment)
        start = time.perf_counter()
        nb = _clean(execute(path))
        nbformat.write(nb, path)
        print(f"recorded {path.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")


def generate(assignments, release_dir: Path = RELEASE):
    """nbgrader generate_assignment for each assignment, into ``release_dir``; a file there that differs from
    what was last generated is moved aside first, never written over (``release_guard``)."""
    with tempfile.TemporaryDirectory() as scratch, _environment(notebook_environment()):
        grader = api(**{"CourseDirectory.release_directory": str(release_dir),
                        "CourseDirectory.db_url": f"sqlite:///{scratch}/gradebook.db"})
        for assignment in assignments:
            source_notebook(assignment)
            with release_guard.generating(release_dir, assignment):
                result = grader.generate_assignment(assignment, force=True, create=True)
                if not result["success"]:
                    raise SystemExit(f"generate_assignment {assignment} failed:\n{result.get('error')}\n"
                                     f"{result.get('log')}")
            print(f"generated {release_notebook(assignment, release_dir)}")


def validate(path: Path, invert: bool = False):
    """nbgrader's Validator on one notebook: {'passed': [...], 'failed': [...], ...}."""
    from nbgrader.validator import Validator
    with _environment(notebook_environment()):
        validator = Validator(config=load_config(**{"Validator.invert": invert}))
        return validator.validate(str(path))


#: Goal for one source notebook, top to bottom in a fresh kernel on a 2-core machine (seconds).
NOTEBOOK_GOAL_SECONDS = 20.0


def timings(assignments):
    """Print each source notebook's run time against the goal; returns 1 if one misses it."""
    status = 0
    for assignment in assignments:
        start = time.perf_counter()
        execute(source_notebook(assignment))
        seconds = time.perf_counter() - start
        verdict = "PASS" if seconds <= NOTEBOOK_GOAL_SECONDS else "MISS"
        status |= verdict == "MISS"
        print(f"{assignment}: {seconds:5.1f} s (fresh kernel, top to bottom; goal <= {NOTEBOOK_GOAL_SECONDS:.0f} s: "
              f"{verdict}, on {os.cpu_count()} cores)")
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["record", "generate", "check", "timings"])
    parser.add_argument("assignments", nargs="*", default=ASSIGNMENTS)
    options = parser.parse_args(argv)
    unknown = [a for a in options.assignments if a not in ASSIGNMENTS]
    if unknown:
        parser.error(f"unknown assignment(s) {unknown}; choose from {ASSIGNMENTS}")
    if options.command == "record":
        record(options.assignments)
    elif options.command == "generate":
        generate(options.assignments)
    elif options.command == "timings":
        return timings(options.assignments)
    else:
        status = 0
        for assignment in options.assignments:
            results = validate(source_notebook(assignment))
            bad = {k: v for k, v in results.items() if v}
            print(f"{assignment} (source): {'all tests pass' if not bad else json.dumps(bad, indent=1)[:2000]}")
            status |= bool(bad)
        return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
