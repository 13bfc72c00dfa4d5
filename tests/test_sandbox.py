"""The grading kernel's jail (grader/sandbox.py): what student code can and cannot do in it.

Everything here runs the real thing: bubblewrap, setpriv and prlimit, the memory cgroup, the sandboxed IPython
kernel, and the executor (kernel_runner.py: per-cell timeout, per-notebook wall-clock cap, restarts after a kernel
death, a hang or a broken kernel).

The module's kernel is started the way the grading step (preprocessors/sandboxed_execute.py) starts it: its shared
folder (IPC sockets, hidden cases and outputs) is a sized tmpfs in a run's scratch folder next to the job folders
of this and another student (staged submission, answers, gradebook copy), and a course folder with submitted/,
autograded/, feedback/ and a gradebook exists on the host.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))
import sandbox  # noqa: E402

ASSIGNMENT = "01_two_layer_network"
# Slots of their own (a uid, so a process limit, and a memory cgroup each), claimed like every grading process
# claims them, so nothing else on the machine uses them meanwhile: the module's kernel and jail_command()'s runs.
_CLAIMS = (sandbox.claim_slot(), sandbox.claim_slot())
KERNEL_SLOT, JAIL_SLOT = (claim.slot for claim in _CLAIMS)


def _write(path: Path, text: str, mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def _notebook(marker: str) -> str:
    return nbformat.writes(new_notebook(cells=[new_code_cell(f"# {marker}")]))


@pytest.fixture(scope="module")
def layout():
    """A course folder and a run's scratch folder shaped like autograde.py's, each file holding a marker."""
    # Modes as on a real course: world-readable folders and files (nbgrader's, the staged copies, the answers),
    # so only the jail's mount namespace, not file permissions, keeps them from the kernel.
    course_root = Path(tempfile.mkdtemp(prefix="ffnn-course-"))
    course_root.chmod(0o755)
    scratch = Path(tempfile.mkdtemp(prefix="ffnn-autograde-"))
    scratch.chmod(0o755)  # as autograde.run() leaves it
    paths = {}
    grader = course_root / "grader"
    for student in ("me", "other"):
        paths[f"course submitted {student}"] = grader / "submitted" / student / ASSIGNMENT
        _write(paths[f"course submitted {student}"] / f"{ASSIGNMENT}.ipynb", _notebook(f"SECRET-submitted-{student}"))
        _write(grader / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
               _notebook(f"SECRET-autograded-{student}"))
        _write(grader / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html", f"SECRET-feedback-{student}")
        job = scratch / f"{student}--{ASSIGNMENT}"
        paths[f"job {student}"] = job
        _write(job / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", _notebook(f"SECRET-staged-{student}"))
        _write(job / "submitted" / student / ASSIGNMENT / "extra.txt", f"SECRET-extra-{student}")
        _write(job / "executed" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", _notebook(f"SECRET-executed-{student}"))
        _write(job / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", _notebook("SECRET-hidden-test-source"))
        _write(job / "answers.json", '{"SECRET": "answers"}')
        _write(job / "gradebook.db", "SECRET-gradebook-copy")
        _write(job / "spec.json", '{"SECRET": "spec"}')
        _write(job / "hidden" / "cases.json", json.dumps({"student": student}))
        (job / "hidden" / "outputs").mkdir()
        (job / "hidden").chmod(0o755)
    _write(grader / "gradebook.db", "SECRET-gradebook")
    _write(grader / ".grading-secret", "SECRET-course-secret", 0o600)
    _write(scratch / "template.db", "SECRET-template-gradebook")
    _write(scratch / "worker-0.log", "SECRET-worker-log")
    # the kernel's shared folder, as SandboxedExecute makes it: a sized tmpfs with the IPC sockets and hidden/
    runtime = Path(tempfile.mkdtemp(prefix="fk-", dir=scratch))
    with sandbox.shared_folder(runtime):
        runtime.chmod(0o755)
        _write(runtime / "hidden" / "cases.json", json.dumps({"student": "me"}))
        (runtime / "hidden" / "outputs").mkdir()
        (runtime / "hidden").chmod(0o755)
        yield {"course": course_root, "scratch": scratch, "runtime": runtime, "paths": paths,
               "cases": runtime / "hidden" / "cases.json", "outputs": runtime / "hidden" / "outputs"}
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(course_root, ignore_errors=True)


@pytest.fixture(scope="module")
def kernel(layout):
    ok, why = sandbox.available()
    assert ok, f"the grading sandbox must work on this machine: {why}"
    runtime = layout["runtime"]
    saved = dict(os.environ)
    os.environ.update({"JUPYTER_RUNTIME_DIR": str(runtime), "FFNN_SANDBOX_RUNTIME": str(runtime),
                       "JUPYTER_PATH": str(sandbox.kernelspec_dir()), "FFNN_SANDBOX_SLOT": str(KERNEL_SLOT),
                       "FFNN_SANDBOX_MEMORY_MB": "1536", "FFNN_SANDBOX_TOTAL_MEMORY_MB": "1536",
                       "FFNN_SANDBOX_PROCESSES": "64",
                       "FFNN_HIDDEN_CASES": str(layout["cases"]), "FFNN_HIDDEN_OUTPUT": str(layout["outputs"])})
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


def run_json(client, code):
    """Execute code that prints one JSON document last; return it."""
    text, error = run(client, code)
    assert error is None, text
    return json.loads(text.strip().splitlines()[-1])


outputs = []


@pytest.fixture(autouse=True)
def fresh_outputs():
    outputs.clear()


# ----------------------------------------------------------------------------------------------------------------
# Who the kernel is and what it can see
# ----------------------------------------------------------------------------------------------------------------

def test_runs_as_an_unprivileged_user_in_an_empty_folder(kernel):
    text, error = run(kernel, "import os; print(os.getuid(), os.listdir('.'))")
    assert error is None
    uid, listing = text.split(" ", 1)
    assert int(uid) == sandbox.BASE_UID + KERNEL_SLOT
    # only what the launcher put there (its connection file, a font cache) and IPython's own folder
    assert set(eval(listing)) <= {"connection.json", "matplotlib", ".ipython"}, listing


def test_course_package_yes_reference_no(kernel):
    text, error = run(kernel, "import ffnn.check, ffnn.data; print('ok')")
    assert error is None and "ok" in text
    _, error = run(kernel, "import ffnn.reference")
    assert error == "ModuleNotFoundError"


@pytest.mark.parametrize("path", ["solutions", "grader/nbgrader_config.py", "shared/ffnn/reference/two_layer.py",
                                  "grader/gradebook.db", "grader/submitted", "grader/autograded", "grader/feedback",
                                  "grader/.grading-secret", "grader/reports", "tests"])
def test_repository_files_are_invisible(kernel, path):
    _, error = run(kernel, f"open({str(ROOT / path)!r}).read()")
    assert error in ("FileNotFoundError", "IsADirectoryError") and not (error is None)
    if error == "IsADirectoryError":
        pytest.fail(f"{path} is visible")


PROBE = """
import json, os
def probe(path):
    try:
        if os.path.isdir(path):
            return 'LISTED ' + ','.join(os.listdir(path))
        with open(path) as handle:
            return 'READ ' + handle.read(60)
    except OSError as error:
        return type(error).__name__
print(json.dumps({p: probe(p) for p in PATHS}))
"""


def test_other_submissions_and_grading_files_cannot_be_read(kernel, layout):
    """Every file of the course and of the run that is not this kernel's hidden cases and outputs is out of reach:
    another student's submission (as collected and as staged), autograded notebooks, feedback, the gradebook and
    its copies, the course secret, the hidden tests' source and answers, and this student's own staged files."""
    scratch, course_root, runtime = layout["scratch"], layout["course"], layout["runtime"]
    # reachable on purpose: the kernel's shared folder (IPC sockets, its hidden cases and outputs), its parent
    meant = {scratch, runtime, runtime / "hidden", layout["cases"]}
    secret = sorted(p for p in [course_root, *course_root.rglob("*"), *scratch.rglob("*")]
                    if p not in meant and not {layout["runtime"], layout["outputs"]} & {p, *p.parents})
    assert len(secret) > 40 and all(p.exists() for p in secret)   # they are there, on the host
    assert layout["paths"]["job other"] / "hidden" / "cases.json" in secret
    seen = run_json(kernel, f"PATHS = {[str(p) for p in secret]!r}\n" + PROBE)
    leaked = {p: r for p, r in seen.items() if r != "FileNotFoundError"}
    assert not leaked, f"visible inside the sandbox: {leaked}"


def test_only_this_kernels_hidden_cases_and_outputs_are_reachable(kernel, layout):
    """What the run's scratch folder looks like from inside: the kernel's own shared folder with its hidden cases
    (readable, not writable) and outputs folder (writable); no sibling, not even its own staged submission."""
    scratch, runtime = layout["scratch"], layout["runtime"]
    seen = run_json(kernel, f"PATHS = {[str(scratch), str(runtime / 'hidden')]!r}\n" + PROBE)
    assert seen[str(scratch)] == f"LISTED {runtime.name}"
    assert sorted(seen[str(runtime / "hidden")].removeprefix("LISTED ").split(",")) == ["cases.json", "outputs"]
    code = f"""
import json, os
cases, outputs = {str(layout['cases'])!r}, {str(layout['outputs'])!r}
result = {{'cases': json.load(open(cases)), 'env': [os.environ['FFNN_HIDDEN_CASES'], os.environ['FFNN_HIDDEN_OUTPUT']]}}
try:
    open(cases, 'a').write('tampered')
    result['cases writable'] = True
except OSError as error:
    result['cases writable'] = error.strerror
with open(os.path.join(outputs, 'probe.json'), 'w') as handle:
    handle.write('{{}}')
print(json.dumps(result))
"""
    result = run_json(kernel, code)
    assert result["cases"] == {"student": "me"} and result["env"] == [str(layout["cases"]), str(layout["outputs"])]
    assert result["cases writable"] is not True
    assert layout["cases"].read_text() == json.dumps({"student": "me"})
    assert (layout["outputs"] / "probe.json").read_text() == "{}"   # the grader reads what the kernel wrote


def _mounts(kernel):
    """[(mount point, root on its file system, options)] of the kernel's mount namespace."""
    rows = run_json(kernel, "import json\nprint(json.dumps([l.split()[3:6] for l in open('/proc/self/mountinfo')]))")
    return [(point, root, options.split(",")) for root, point, options in rows]


def test_only_the_intended_folders_are_mounted(kernel, layout):
    """The jail's mounts are an allow-list: anything bound in addition (a course folder, a submission, the repo)
    makes this fail. Read-only stays read-only, also where a read-only folder lies inside a writable one (the
    launcher's setup folder inside the IPC folder)."""
    runtime = layout["runtime"]
    system = {p for p in ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc") if os.path.exists(p)}
    read_only = system | {str(p) for p in sandbox._python_roots()} | {str(sandbox.PACKAGE), str(layout["cases"])}
    writable = {"/", "/tmp", sandbox.JAIL_HOME, "/dev", "/dev/shm", "/dev/pts", str(runtime), str(layout["outputs"])}
    unexpected, wrong = [], []
    for point, _, options in _mounts(kernel):
        if point == "/proc" or point.startswith("/proc/") or point.startswith("/dev/") and point not in writable:
            continue                                 # procfs of the jail's own pid namespace, device nodes
        if point in writable:
            continue
        if point in read_only or Path(point).parent == runtime and Path(point).name.startswith("setup-"):
            if "ro" not in options:
                wrong.append(point)
            continue
        unexpected.append(point)
    assert not unexpected, f"mounted in the jail, but not meant to be: {unexpected}"
    assert not wrong, f"meant to be read-only: {wrong}"
    # and the launcher's files inside the (writable) IPC folder really cannot be changed
    code = (f"import errno, glob, os\n[path] = glob.glob({str(runtime)!r} + '/setup-*/connection.json')\n"
            "try:\n    os.chmod(path, 0o600)\n    print('changed')\n"
            "except OSError as e:\n    print(errno.errorcode[e.errno])")
    text, error = run(kernel, code)
    assert error is None and text.split()[-1] == "EROFS", text


WRITABLE_MOUNTS = """
import json, os
found = []
for line in open('/proc/self/mountinfo'):
    left, right = line.split(' - ')
    point, fstype, options = left.split()[4], right.split()[0], right.split()[2]
    if os.path.isdir(point) and os.access(point, os.W_OK):
        found.append([point, fstype, options])
print(json.dumps(found))
"""


def test_every_writable_place_is_sized_scratch_space(kernel, layout):
    """Every folder the kernel's user can write to is a tmpfs of a set size (the jail's HOME, /dev/shm, and the
    shared folder the grader mounted), so no writing, however spread over files, can fill the grader's disk."""
    writable = run_json(kernel, WRITABLE_MOUNTS)
    points = {point for point, _, _ in writable}
    assert {sandbox.JAIL_HOME, "/dev/shm", str(layout["runtime"]), str(layout["outputs"])} <= points, points
    unsized = [(point, fstype, options) for point, fstype, options in writable
               if point != "/dev/pts" and (fstype != "tmpfs" or "size=" not in options)]
    assert not unsized, f"writable, but not sized scratch space: {unsized}"


def test_filling_the_shared_folder_fails_the_writes_not_the_grader(kernel, layout):
    """The shared folder is on the grader's side but sized: writing file after file there (each under the
    file-size limit) stops with ENOSPC at SHARED_MB, and the kernel goes on."""
    code = (f"import errno, os\nwritten = 0\ntry:\n    for i in range(40):\n"
            f"        with open(os.path.join({str(layout['outputs'])!r}, f'fill{{i}}'), 'wb') as f:\n"
            f"            f.write(b'0' * 16 * 2**20)\n        written += 16\nexcept OSError as e:\n"
            f"    print(errno.errorcode[e.errno], written)\n"
            f"for name in os.listdir({str(layout['outputs'])!r}):\n"
            f"    os.remove(os.path.join({str(layout['outputs'])!r}, name))")
    text, error = run(kernel, code)
    assert error is None, text
    code_name, written = text.split()
    assert code_name == "ENOSPC" and int(written) <= sandbox.LIMITS["SHARED_MB"], text
    text, error = run(kernel, "print('still alive')")
    assert error is None and "still alive" in text


# ----------------------------------------------------------------------------------------------------------------
# Network
# ----------------------------------------------------------------------------------------------------------------

def test_no_network(kernel):
    """Only a (down) loopback interface, and a server listening on the host's loopback cannot be reached."""
    server = socket.create_server(("127.0.0.1", 0))
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(f"\0ffnn-sandbox-test-{os.getpid()}")   # abstract Unix sockets belong to a network namespace
    abstract.listen()
    try:
        port = server.getsockname()[1]
        text, error = run(kernel, "import socket; print(socket.if_nameindex())")
        assert error is None and text.strip() == "[(1, 'lo')]", text
        _, error = run(kernel, f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3)")
        assert error in ("ConnectionRefusedError", "OSError", "TimeoutError")
        _, error = run(kernel, f"import socket\nsocket.socket(socket.AF_UNIX).connect({abstract.getsockname()!r})")
        assert error in ("ConnectionRefusedError", "FileNotFoundError")
        text, _ = run(kernel, "import socket\ntry:\n socket.getaddrinfo('pypi.org', 443)\n"
                              "except OSError as e:\n print('no dns')")
        assert "no dns" in text
    finally:
        server.close()
        abstract.close()


# ----------------------------------------------------------------------------------------------------------------
# Resource limits
# ----------------------------------------------------------------------------------------------------------------

def test_limits_are_the_configured_ones(kernel):
    code = ("import json, resource as r\nprint(json.dumps({n: r.getrlimit(getattr(r, 'RLIMIT_' + n)) "
            "for n in ('AS', 'CPU', 'NPROC', 'FSIZE', 'NOFILE', 'CORE')}))")
    seen = run_json(kernel, code)
    expected = {"AS": 1536 * 2**20, "CPU": sandbox.LIMITS["CPU_SECONDS"], "NPROC": 64,
                "FSIZE": sandbox.LIMITS["FILE_MB"] * 2**20, "NOFILE": sandbox.LIMITS["OPEN_FILES"], "CORE": 0}
    assert seen == {name: [value, value] for name, value in expected.items()}   # soft = hard: no raising them


def test_memory_limit_raises_memory_error(kernel):
    # 2 GiB of address space, never touched: fine without the limit on any machine, refused under 1536 MB
    _, error = run(kernel, "import numpy as np; x = np.empty(2**28)")
    assert error == "MemoryError"
    text, error = run(kernel, "print('still alive')")
    assert error is None and "still alive" in text


TWO_GIBIBYTES = ("import subprocess, sys\nchild = \"import numpy, time; a = numpy.ones(2**27); print('got 1 GiB', "
                 "flush=True); time.sleep(3)\"\nprocs = [subprocess.Popen([sys.executable, '-c', child], "
                 "stdout=subprocess.PIPE, text=True) for _ in range(2)]\nprint(sum('got' in p.communicate()[0] "
                 "for p in procs), 'GiB held at once')")


def test_memory_limit_holds_for_the_sandbox_as_a_whole(kernel):
    """Two processes, each well under the per-process limit, touching 1 GiB each: together they pass the sandbox's
    1536 MB, so the memory cgroup stops one of them."""
    assert sandbox.memory_cgroup(KERNEL_SLOT) is not None, "this machine has a memory cgroup: it must be used"
    text, error = run(kernel, TWO_GIBIBYTES)
    assert error is None, text
    assert int(text.split()[0]) * 1024 < 1536, text


def test_process_limit_stops_a_fork_bomb(kernel):
    text, error = run(kernel, "import subprocess\nprocs = []\ntry:\n    for _ in range(500):\n"
                              "        procs.append(subprocess.Popen(['sleep', '5']))\nexcept OSError as e:\n"
                              "    print('stopped at', len(procs))\nfor p in procs:\n    p.kill()\n    p.wait()")
    assert "stopped at" in text and int(text.split()[-1]) < 64


def test_file_size_limit(kernel):
    """A write beyond FILE_MB fails with EFBIG (not a full disk) and leaves exactly FILE_MB behind."""
    code = ("import errno, os\ntry:\n    open('big', 'wb').write(b'0' * (100 * 1024 * 1024))\nexcept OSError as e:\n"
            "    print(errno.errorcode[e.errno], os.path.getsize('big'))\nos.remove('big')")
    text, error = run(kernel, code)
    assert error is None and text.split() == ["EFBIG", str(sandbox.LIMITS["FILE_MB"] * 2**20)], text


def test_scratch_space_is_bounded(kernel):
    """The writable folders are sized tmpfs: filling them fails instead of filling the machine."""
    text, error = run(kernel, "import os\nwritten = 0\ntry:\n    for i in range(100):\n"
                              "        with open(f'chunk{i}', 'wb') as f:\n            f.write(b'0' * 32 * 1024 * 1024)\n"
                              "        written += 32\nexcept OSError as e:\n    print('stopped after', written, 'MB')")
    assert "stopped after" in text and int(text.split()[2]) <= sandbox.LIMITS["HOME_MB"]
    run(kernel, "import glob, os\nfor p in glob.glob('chunk*'):\n    os.remove(p)")


CPU_PROBE = r"""
import json, os, resource, sys, time
limit = float(sys.argv[1])
def spawn(body):
    pid = os.fork()
    if pid == 0:
        try:
            body()
        finally:
            os._exit(0)
    return pid
def burn():
    end = time.monotonic() + 4 * limit + 2     # without the limit: stop by itself, and fail the test
    while time.monotonic() < end:
        pass
start = time.monotonic()
result = {"rlimit": resource.getrlimit(resource.RLIMIT_CPU)}
for name, pid in (("burn", spawn(burn)), ("nap", spawn(lambda: time.sleep(limit + 1)))):
    _, status, usage = os.wait4(pid, 0)
    result[name] = {"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                    "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                    "cpu": usage.ru_utime + usage.ru_stime, "wall": time.monotonic() - start}
print(json.dumps(result))
"""


def test_cpu_limit_kills_a_process_after_its_cpu_seconds(monkeypatch):
    """RLIMIT_CPU counts CPU time, not wall time: a busy loop is killed (SIGKILL, soft = hard limit) once it has
    used CPU_SECONDS, while a process that only sleeps outlives that many wall-clock seconds."""
    cpu = 1
    monkeypatch.setenv("FFNN_SANDBOX_CPU_SECONDS", str(cpu))
    command = sandbox.jail_command([sys.executable, "-c", CPU_PROBE, str(cpu)], slot=JAIL_SLOT, writable=[],
                                   readable=[], env={})
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["rlimit"] == [cpu, cpu]
    burn, nap = result["burn"], result["nap"]
    assert burn["signal"] in (signal.SIGKILL, signal.SIGXCPU), burn
    assert cpu - 0.2 <= burn["cpu"] <= cpu + 0.5, burn          # stopped by the CPU seconds it used ...
    assert burn["wall"] >= burn["cpu"] - 0.05, burn
    assert nap["exit"] == 0 and nap["signal"] is None, nap      # ... not by the time that passed
    assert nap["wall"] > cpu + 0.9 and nap["cpu"] < 0.5, nap




@pytest.mark.parametrize("assignment,importable", [
    ("02_l_layer_network", []), ("", []), ("04_costs", ["activations", "network"]),
    ("05_capstone", ["activations", "network", "tasks"])])
def test_the_jail_holds_only_the_provided_modules_its_assignment_may_see(assignment, importable):
    """ffnn/provided/ holds answers of earlier notebooks (notebook 2's network, notebook 4's costs): a kernel
    grading an earlier notebook cannot import them; an unnamed assignment gets none."""
    probe = ("import importlib, json\nfound = []\nfor name in ('activations', 'network', 'tasks'):\n"
             "    try:\n        importlib.import_module('ffnn.provided.' + name)\n        found.append(name)\n"
             "    except ImportError:\n        pass\nprint(json.dumps(found))")
    command = sandbox.jail_command([sys.executable, "-c", probe], slot=JAIL_SLOT, writable=[], readable=[], env={},
                                  assignment=assignment)
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == importable
