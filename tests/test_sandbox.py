"""The grading kernel's jail (grader/sandbox.py): what student code can and cannot do in it."""

import os
import sys
import tempfile
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))
import sandbox  # noqa: E402


@pytest.fixture(scope="module")
def kernel():
    ok, why = sandbox.available()
    assert ok, f"the grading sandbox must work on this machine: {why}"
    runtime = tempfile.mkdtemp(prefix="fk-", dir="/tmp")
    saved = dict(os.environ)
    os.environ.update({"JUPYTER_RUNTIME_DIR": runtime, "FFNN_SANDBOX_RUNTIME": runtime,
                       "JUPYTER_PATH": str(sandbox.kernelspec_dir()), "FFNN_SANDBOX_SLOT": "7",
                       "FFNN_SANDBOX_MEMORY_MB": "1536", "FFNN_SANDBOX_PROCESSES": "64"})
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=f"{runtime}/kernel")
    try:
        manager.start_kernel()
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        yield client
    finally:
        os.environ.clear()
        os.environ.update(saved)
        manager.shutdown_kernel(now=True)


def run(client, code, timeout=60):
    """Execute code; return (printed text, error name or None)."""
    reply = client.execute_interactive(code, timeout=timeout, output_hook=lambda msg: outputs.append(msg))
    return "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream"), \
        reply["content"].get("ename")


outputs = []


@pytest.fixture(autouse=True)
def fresh_outputs():
    outputs.clear()


def test_runs_as_an_unprivileged_user_in_an_empty_folder(kernel):
    text, error = run(kernel, "import os; print(os.getuid(), os.listdir('.'))")
    assert error is None
    uid, listing = text.split(" ", 1)
    assert int(uid) == sandbox.BASE_UID + 7
    # only what the launcher put there (its connection file, a font cache) and IPython's own folder
    assert set(eval(listing)) <= {"connection.json", "matplotlib", ".ipython"}, listing


def test_course_package_yes_reference_no(kernel):
    text, error = run(kernel, "import ffnn.check, ffnn.data; print('ok')")
    assert error is None and "ok" in text
    _, error = run(kernel, "import ffnn.reference")
    assert error == "ModuleNotFoundError"


@pytest.mark.parametrize("path", ["solutions", "grader/nbgrader_config.py", "shared/ffnn/reference/two_layer.py",
                                  "grader/gradebook.db", "tests"])
def test_repository_files_are_invisible(kernel, path):
    _, error = run(kernel, f"open({str(ROOT / path)!r}).read()")
    assert error in ("FileNotFoundError", "IsADirectoryError") and not (error is None)
    if error == "IsADirectoryError":
        pytest.fail(f"{path} is visible")


def test_no_network(kernel):
    _, error = run(kernel, "import socket; socket.create_connection(('127.0.0.1', 22), timeout=3)")
    assert error in ("ConnectionRefusedError", "OSError", "TimeoutError")
    text, _ = run(kernel, "import socket\ntry:\n socket.getaddrinfo('pypi.org', 443)\nexcept OSError as e:\n print('no dns')")
    assert "no dns" in text


def test_memory_limit_raises_memory_error(kernel):
    _, error = run(kernel, "import numpy as np; x = np.ones((40000, 40000))")
    assert error == "MemoryError"
    text, error = run(kernel, "print('still alive')")
    assert error is None and "still alive" in text


def test_process_limit_stops_a_fork_bomb(kernel):
    text, error = run(kernel, "import subprocess\nprocs = []\ntry:\n    for _ in range(500):\n"
                              "        procs.append(subprocess.Popen(['sleep', '5']))\nexcept OSError as e:\n"
                              "    print('stopped at', len(procs))\nfor p in procs:\n    p.kill()")
    assert "stopped at" in text and int(text.split()[-1]) < 64


def test_file_size_limit(kernel):
    _, error = run(kernel, "open('big', 'wb').write(b'0' * (100 * 1024 * 1024))")
    assert error == "OSError"


def test_scratch_space_is_bounded(kernel):
    """The writable folders are sized tmpfs: filling them fails instead of filling the machine."""
    text, error = run(kernel, "import os\nwritten = 0\ntry:\n    for i in range(100):\n"
                              "        with open(f'chunk{i}', 'wb') as f:\n            f.write(b'0' * 32 * 1024 * 1024)\n"
                              "        written += 32\nexcept OSError as e:\n    print('stopped after', written, 'MB')")
    assert "stopped after" in text and int(text.split()[2]) <= sandbox.LIMITS["HOME_MB"]
    run(kernel, "import glob, os\nfor p in glob.glob('chunk*'):\n    os.remove(p)")
