"""Grading throughput: the course's autograde against plain `nbgrader autograde`, measured in one run.

    python tests/benchmarks/bench_grading.py [--students 4] [--jobs N]

Every student submits the four notebooks (the reference solutions, so every cell runs to the end). Printed:

- baseline: plain `nbgrader autograde <assignment>` (one invocation per assignment, all students, one after the
  other; the hidden tests judge in the kernel, as they do outside the grader);
- grader/autograde.py with the sandbox, and without it (same submissions, all cores);
- submissions per minute, the speed-up over the baseline (goal >= 1.8x on 2 cores) and the sandbox's overhead
  (goal <= 15 %), plus the start-up time of one kernel, plain and sandboxed, measured separately.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "grader"))
import course  # noqa: E402
import sandbox  # noqa: E402

PYTHON = sys.executable


def submissions(folder: Path, students: int):
    for s in range(students):
        for assignment in course.ASSIGNMENTS:
            target = folder / f"student{s:03d}" / assignment
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(course.source_notebook(assignment), target / f"{assignment}.ipynb")


def baseline(students: int) -> float:
    """Plain nbgrader in a course folder of its own: generate, then autograde each assignment for everyone."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        shutil.copytree(course.SOURCE, root / "source", ignore=shutil.ignore_patterns("*.md"))
        submissions(root / "submitted", students)
        (root / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.root = {str(root)!r}\n"
            f"c.CourseDirectory.db_url = 'sqlite:///{root}/gradebook.db'\nc.Execute.timeout = 300\n")
        env = course.notebook_environment()
        env.pop("FFNN_HIDDEN_CASES", None)
        for assignment in course.ASSIGNMENTS:
            subprocess.run([PYTHON, "-m", "nbgrader", "generate_assignment", assignment, "--force"], cwd=root,
                           env=env, check=True, capture_output=True)
        start = time.perf_counter()
        for assignment in course.ASSIGNMENTS:
            result = subprocess.run([PYTHON, "-m", "nbgrader", "autograde", assignment, "--force"], cwd=root,
                                    env=env, capture_output=True, text=True)
            if result.returncode != 0:
                raise SystemExit(f"baseline autograde failed:\n{result.stderr[-3000:]}")
        return time.perf_counter() - start


def ours(students: int, jobs: int, use_sandbox: bool) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        submissions(root / "submitted", students)
        env = {**os.environ, "FFNN_SUBMITTED": str(root / "submitted"), "FFNN_AUTOGRADED": str(root / "autograded"),
               "FFNN_GRADEBOOK_URL": f"sqlite:///{root}/gradebook.db"}
        # as after `make release`: the gradebook knows the assignments (the baseline's generate is untimed too)
        subprocess.run([PYTHON, "-c", "import sys; sys.path.insert(0, 'grader'); import course; "
                        "[course.api().generate_assignment(a) for a in course.ASSIGNMENTS]"], cwd=ROOT,
                       env={**env, "FFNN_RELEASE": str(root / "release")}, check=True, capture_output=True)
        arguments = [PYTHON, str(ROOT / "grader" / "autograde.py"), "--jobs", str(jobs), "--notebook-timeout", "600"]
        if not use_sandbox:
            arguments.append("--no-sandbox")
        start = time.perf_counter()
        result = subprocess.run(arguments, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(f"autograde failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        lines = [line for line in result.stdout.splitlines() if line.startswith("student")]
        scores = [line for line in lines if line.split()[1:2] != ["assignment"]]  # not the table's header
        if any(line.split()[-1] != "ok" for line in scores):
            print("  note: some submissions reported notes:\n   " + "\n   ".join(lines))
        return elapsed


def kernel_startup(use_sandbox: bool, repeats: int = 5) -> float:
    from jupyter_client.manager import KernelManager
    times = []
    for _ in range(repeats):
        runtime = tempfile.mkdtemp(prefix="fk-", dir="/tmp")
        saved = dict(os.environ)
        os.environ.update({"JUPYTER_RUNTIME_DIR": runtime, "FFNN_SANDBOX_RUNTIME": runtime})
        if use_sandbox:
            os.environ["JUPYTER_PATH"] = str(sandbox.kernelspec_dir())
        try:
            start = time.perf_counter()
            manager = KernelManager(kernel_name="python3", transport="ipc", ip=f"{runtime}/kernel")
            manager.start_kernel()
            client = manager.client()
            client.start_channels()
            client.wait_for_ready(timeout=60)
            times.append(time.perf_counter() - start)
            client.stop_channels()
            manager.shutdown_kernel(now=True)
        finally:
            os.environ.clear()
            os.environ.update(saved)
            shutil.rmtree(runtime, ignore_errors=True)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    options = parser.parse_args(argv)
    n = options.students * len(course.ASSIGNMENTS)
    ok, why = sandbox.available()
    print(f"Grading throughput: {options.students} students x {len(course.ASSIGNMENTS)} notebooks = {n} "
          f"submissions, {options.jobs} job(s) on {os.cpu_count()} cores; sandbox {'available' if ok else why}")
    start_plain, start_jail = kernel_startup(False), kernel_startup(True) if ok else float("nan")
    print(f"  kernel start-up (median of 5): plain {start_plain * 1000:.0f} ms, sandboxed {start_jail * 1000:.0f} ms")
    t_base = baseline(options.students)
    t_jail = ours(options.students, options.jobs, True) if ok else float("nan")
    t_free = ours(options.students, options.jobs, False)
    rows = [("plain nbgrader autograde, serial (baseline)", t_base), ("grader/autograde.py, sandboxed", t_jail),
            ("grader/autograde.py, no sandbox", t_free)]
    print(f"\n  {'what':46s} {'time':>8s} {'subm./min':>10s} {'vs baseline':>12s}")
    for what, seconds in rows:
        print(f"  {what:46s} {seconds:7.1f}s {n / seconds * 60:10.1f} {t_base / seconds:11.2f}x")
    speedup, overhead = t_base / t_jail, t_jail / t_free - 1
    print(f"\n  speed-up over the baseline, sandboxed: {speedup:.2f}x  (goal >= 1.8x on 2 cores)  "
          f"{'PASS' if speedup >= 1.8 else 'MISS'}")
    print(f"  sandbox overhead: {overhead:+.1%}  (goal <= 15 %)  {'PASS' if overhead <= 0.15 else 'MISS'}")


if __name__ == "__main__":
    main()
