"""Grading on the Celery queue (grader/grading_queue.py) against the local workers, measured in one run.

    python tests/benchmarks/bench_queue.py [--submissions 16] [--rounds 3]

The same submissions (notebook 1's solution, its graded part, so every cell runs) are graded in three modes with
`grader/autograde.py`, each run into a fresh gradebook, timed from the end of the canary (which every mode grades
locally, the same way) to the end of the run. A machine's speed drifts (a shared host), so the modes take turns,
in a rotated order each round, and each mode's median is compared; the workers' template gradebook is made
before the first round, so no mode pays for it:

- local: the run's own workers, --jobs 2 (the default on 2 cores);
- queue, 1 worker: a Redis broker on loopback and one `grading_queue.py worker --jobs 1`;
- queue, 2 workers: two such workers (as two machines would run them).

Printed: submissions per minute, the speed-up of 2 queue workers over 1 (goal >= 1.8x on 2 cores) and the queue's
overhead per submission against the local workers (goal <= 10 %).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import corpus  # noqa: E402
import nbformat  # noqa: E402

PYTHON = sys.executable


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def submissions(folder: Path, count: int):
    notebook = corpus.without_demonstrations(nbformat.read(corpus.SOURCE, as_version=4))
    for number in range(count):
        target = folder / f"student{number:03d}" / corpus.ASSIGNMENT
        target.mkdir(parents=True)
        nbformat.write(notebook, target / f"{corpus.ASSIGNMENT}.ipynb")


def graded_seconds(env: dict, jobs: int) -> tuple[float, str]:
    """Seconds from 'canary passed' to the end of an autograde run; its output."""
    process = subprocess.Popen([PYTHON, str(ROOT / "grader" / "autograde.py"), "--jobs", str(jobs)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    start, lines = None, []
    for line in process.stdout:
        lines.append(line)
        if start is None and "canary passed" in line:
            start = time.perf_counter()
    process.wait()
    output = "".join(lines)
    if process.returncode != 0 or start is None:
        raise SystemExit(f"bench_queue: autograde failed ({process.returncode}):\n{output[-3000:]}")
    return time.perf_counter() - start, output


def run(mode: str, workers: int, count: int, broker_url: str | None, scratch: Path) -> float:
    folder = scratch / mode.replace(" ", "-")
    submissions(folder / "submitted", count)
    env = {**os.environ, "FFNN_SUBMITTED": str(folder / "submitted"), "FFNN_AUTOGRADED": str(folder / "autograded"),
           "FFNN_GRADEBOOK_URL": f"sqlite:///{folder / 'gradebook.db'}"}
    env.pop("FFNN_BROKER_URL", None)
    started = []
    if broker_url:
        env["FFNN_BROKER_URL"] = broker_url
        for number in range(workers):
            log = open(folder / f"worker-{number}.log", "w")
            started.append(subprocess.Popen([PYTHON, str(ROOT / "grader" / "grading_queue.py"), "worker", "--jobs",
                                             "1", "--name", f"bench{number}@{socket.gethostname()}"], env=env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    try:
        seconds, _ = graded_seconds(env, jobs=workers)
    finally:
        for process in started:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    print(f"  {mode:<18} {count} submissions in {seconds:6.1f} s = {60 * count / seconds:5.1f} per minute",
          flush=True)
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="ffnn-bench-queue-"))
    port = free_port()
    broker = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(scratch),
                               "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
                              stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        time.sleep(1)
        print(f"Grading {options.submissions} submissions of {corpus.ASSIGNMENT} (the solution's graded part), "
              f"{os.cpu_count()} cores:")
        modes = [("local, 2 jobs", 2, None), ("queue, 1 worker", 1, url), ("queue, 2 workers", 2, url)]
        run("warm-up (queue)", 1, 2, url, scratch)  # the machine's template gradebook, made once
        times = {name: [] for name, _, _ in modes}
        for number in range(options.rounds):
            print(f"round {number + 1} of {options.rounds}:", flush=True)
            for name, workers, broker_url in modes[number % 3:] + modes[:number % 3]:
                times[name].append(run(name, workers, options.submissions, broker_url, scratch / str(number)))
        local, one, two = (statistics.median(times[name]) for name, _, _ in modes)
        print("medians: " + ", ".join(f"{name} {statistics.median(t):.1f} s" for name, t in times.items()))
    finally:
        broker.terminate()
        broker.wait()
        shutil.rmtree(scratch, ignore_errors=True)
    speedup, overhead = one / two, two / local - 1
    verdict = "PASS" if speedup >= 1.8 else "MISS"
    print(f"  speed-up of 2 queue workers over 1: {speedup:.2f}x (goal >= 1.8x): {verdict}")
    print(f"  queue's overhead against the local workers (2 each): {overhead:+.1%} per submission (goal <= 10 %): "
          f"{'PASS' if overhead <= 0.10 else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
