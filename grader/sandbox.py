"""The grading kernel's sandbox: student code runs under resource limits in a file-system jail.

One thing, at about 450 lines: the jail and the limits a grading kernel runs under, and the probes that say
whether this machine can build them.

nbgrader starts the kernel named in the notebook ("python3"). While grading, ``kernelspec_dir()`` comes first on
JUPYTER_PATH, so "python3" resolves to this module's launcher. The launcher (still the grader's user) builds a
bubblewrap jail and execs the real kernel inside it as an unprivileged user, under prlimit:

- visible, read-only: the system libraries, the Python installation, the course environment's packages and the
  student-facing part of the course package as the graded assignment (FFNN_ASSIGNMENT) may see it (``ffnn``
  without ``ffnn/reference`` and without the provided answers of later notebooks), plus, when set, the
  hidden-test cases of this run (inputs only, no expected outputs);
- writable: a private, empty working directory (the kernel's cwd and HOME), the kernel's IPC socket directory
  and, when set, the directory where hidden tests write the student's outputs;
- invisible: everything else, so solutions/, the gradebook, grader/, other submissions, the exchange and the
  autograded notebook (which holds the hidden tests' source) cannot be read or written;
- no network (a new network namespace; the kernel talks to nbgrader over Unix sockets, ``transport = "ipc"``);
- limits: address space, CPU seconds, processes (as a uid of its own per worker slot, so a fork bomb in one
  sandbox cannot starve another), file size, open files; memory for the sandbox as a whole (a memory cgroup per
  slot where the machine has one, otherwise ``memory_watchdog``, which the executor runs beside every cell); every
  writable folder is sized scratch space (tmpfs: the jail's own, and ``shared_folder``, the tmpfs the grader mounts
  for the kernel's sockets and the hidden tests' files). The wall-clock cap is the executor's (kernel_runner.py).

``python grader/sandbox.py check`` reports whether the machine can sandbox (bubblewrap and prlimit present, user
namespaces allowed).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "shared" / "ffnn"

#: Default limits of one grading kernel; environment variables FFNN_SANDBOX_<NAME> override them.
LIMITS = {
    "MEMORY_MB": 3072,      # address space; NumPy raises MemoryError beyond it
    "CPU_SECONDS": 600,     # CPU time of the kernel (the executor's wall-clock cap is usually hit first)
    "PROCESSES": 256,       # tasks (processes and threads) of the sandbox's uid
    "FILE_MB": 64,          # largest file the kernel may write
    "OPEN_FILES": 256,
    "HOME_MB": 256,         # the kernel's working folder (a tmpfs)
    "TMP_MB": 64,           # /tmp (a tmpfs)
    "SHM_MB": 64,           # /dev/shm (a tmpfs)
    "TOTAL_MEMORY_MB": 3072,  # resident memory of all the sandbox's processes (and its tmpfs pages) together
    "SHARED_MB": 96,        # the folder shared with the grader: IPC sockets, hidden cases and records (a tmpfs)
}
BASE_UID = 61000  # sandbox uids: BASE_UID + worker slot; they own nothing outside the jail
SLOT_LOCKS = Path("/tmp")  # fixed (not $TMPDIR): every grading process on the machine must see the same locks


class claim_slot:
    """``with claim_slot(first, last) as slot:`` a sandbox slot (a uid and a memory cgroup of its own) that no other
    grading process on this machine uses meanwhile: an flock on /tmp/ffnn-sandbox-slot-<n>.lock, held until
    ``release()`` or the end of the block (or of this process)."""

    def __init__(self, first=0, last=64):
        import fcntl
        for slot in range(first, last):
            handle = open(SLOT_LOCKS / f"ffnn-sandbox-slot-{slot}.lock", "a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self.slot, self.handle = slot, handle
            atexit.register(self.release)
            return
        raise RuntimeError(f"every sandbox slot from {first} to {last - 1} is in use")

    def release(self):
        if not self.handle.closed:
            self.handle.close()

    def __enter__(self):
        return self.slot

    def __exit__(self, *exc):
        self.release()
        return False


def limit(name: str) -> int:
    return int(os.environ.get(f"FFNN_SANDBOX_{name}", LIMITS[name]))


def available() -> tuple[bool, str]:
    """Whether this machine can run the sandbox, and why not."""
    if os.geteuid() != 0:
        return False, ("grading in the sandbox needs root (it runs each kernel as a user of its own and mounts sized "
                       "scratch space): run `sudo make autograde`")
    for tool in ("bwrap", "prlimit", "setpriv"):
        if shutil.which(tool) is None:
            package = {"bwrap": "bubblewrap", "prlimit": "util-linux", "setpriv": "util-linux"}[tool]
            return False, f"'{tool}' is missing: install Debian's {package} (apt-get install -y {package})"
    probe = subprocess.run(["bwrap", "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "--", "/bin/true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return False, f"bubblewrap cannot create namespaces here: {probe.stderr.strip()}"
    folder = Path(tempfile.mkdtemp(prefix="ffnn-mount-probe-"))
    try:
        with shared_folder(folder, size_mb=1):
            pass
    except OSError as error:
        return False, f"cannot mount a sized tmpfs for the kernel's shared folder: {error}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return True, "ok"


# ----------------------------------------------------------------------------------------------------------------
# Sized scratch space shared with the grader
# ----------------------------------------------------------------------------------------------------------------

def _libc():
    import ctypes
    import ctypes.util
    return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


class shared_folder:
    """``with shared_folder(path):`` a tmpfs of ``SHARED_MB`` mounted on ``path`` (made if missing) for the kernel's
    IPC sockets and the hidden tests' cases and records, so what the kernel writes there is bounded as a whole, not
    just file by file; unmounted (and emptied) at the end."""

    def __init__(self, path: Path, size_mb=None):
        self.path, self.size_mb = Path(path), size_mb or limit("SHARED_MB")

    def __enter__(self):
        import ctypes
        self.path.mkdir(parents=True, exist_ok=True)
        options = f"size={self.size_mb}m,mode=0755".encode()
        no_setuid_no_devices = 2 | 4  # MS_NOSUID | MS_NODEV
        if _libc().mount(b"tmpfs", str(self.path).encode(), b"tmpfs", no_setuid_no_devices, options) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"mount tmpfs on {self.path}: {os.strerror(error)}")
        return self.path

    def __exit__(self, *exc):
        _libc().umount2(str(self.path).encode(), 2)  # MNT_DETACH: also while a dying kernel still holds it
        return False


def unmount_below(folder: Path) -> None:
    """Unmount every shared folder still mounted under ``folder`` (a run that was interrupted)."""
    prefix = str(Path(folder).resolve()) + "/"
    with open("/proc/self/mounts") as handle:
        points = [line.split()[1] for line in handle if line.split()[1].startswith(prefix)]
    for point in sorted(points, key=len, reverse=True):
        _libc().umount2(point.encode(), 2)


# ----------------------------------------------------------------------------------------------------------------
# Memory of the sandbox as a whole
# ----------------------------------------------------------------------------------------------------------------

def memory_cgroup(slot: int):
    """The memory cgroup of a worker slot (made and capped at TOTAL_MEMORY_MB on first use), or None where the
    machine has no writable memory cgroup (then ``memory_watchdog`` holds the cap). FFNN_SANDBOX_CGROUP=off
    forces the watchdog."""
    if os.environ.get("FFNN_SANDBOX_CGROUP") == "off":
        return None
    cap = limit("TOTAL_MEMORY_MB") * 2**20
    for base, files in _cgroup_bases():
        group = base / f"ffnn-sandbox-{slot}"
        try:
            group.mkdir(exist_ok=True)
        except OSError:
            continue
        if not (group / files[0]).exists():
            continue
        # cgroup v1 wants memory <= memory+swap at every step: lowering, the first file first; raising, the other
        # way round. Writing both twice does either.
        for name in files + files:
            try:
                (group / name).write_text(str(cap))
            except OSError:
                pass
        try:
            held = (group / files[0]).read_text().strip()
        except OSError:
            continue
        if held != "max" and abs(int(held) - cap) <= 2**16:
            return group
    return None


def _cgroup_bases():
    """(folder, limit files) where this process may make a child memory cgroup: cgroup v1's memory hierarchy,
    then cgroup v2's unified one."""
    found = []
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        number, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            found.append((Path("/sys/fs/cgroup/memory") / path.lstrip("/"),
                          ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes")))
    for line in lines:
        number, controllers, path = line.split(":", 2)
        if number == "0" and controllers == "":
            for root in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
                if (root / "cgroup.controllers").exists() and "memory" in (root / "cgroup.controllers").read_text():
                    found.append((root / path.lstrip("/"), ("memory.max", "memory.swap.max")))
    return found


def join_memory_cgroup(slot: int) -> bool:
    """Put this process (and so everything it starts) into the slot's memory cgroup; False where there is none."""
    group = memory_cgroup(slot)
    if group is None:
        return False
    procs = group / "cgroup.procs"
    try:
        procs.write_text(str(os.getpid()))
    except OSError:
        return False
    return True


def _resident_bytes(uid: int) -> int:
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            status = Path(entry.path, "status").read_text()
        except OSError:
            continue
        if f"\nUid:\t{uid}\t" not in status:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


async def memory_watchdog(slot: int, kill, events, interval=0.2):
    """Where no memory cgroup holds the sandbox's memory cap: stop the kernel when the resident memory of all the
    slot user's processes together passes TOTAL_MEMORY_MB (checked every ``interval`` seconds)."""
    import asyncio
    cap = limit("TOTAL_MEMORY_MB") * 2**20
    uid = BASE_UID + slot
    while True:
        await asyncio.sleep(interval)
        used = _resident_bytes(uid)
        if used > cap:
            events.append(f"the sandbox's processes held {used / 2**20:.0f} MB together (cap "
                          f"{cap / 2**20:.0f} MB): stopped the kernel")
            kill()
            return


def kernelspec_dir() -> Path:
    """A Jupyter data directory whose kernel 'python3' is the sandboxed launcher (put it first on JUPYTER_PATH)."""
    directory = Path(tempfile.gettempdir()) / f"ffnn-sandbox-kernels-{os.getuid()}-{_digest()}"
    spec = directory / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    kernel = {"argv": [sys.executable, str(Path(__file__).resolve()), "kernel", "{connection_file}"],
              "display_name": "Python 3 (grading sandbox)", "language": "python",
              # a signal could not reach the kernel through the jail's new session; a message can
              "interrupt_mode": "message", "metadata": {"debugger": False}}
    text = json.dumps(kernel, indent=1)
    target = spec / "kernel.json"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
    return directory


def _digest() -> str:
    import hashlib
    return hashlib.sha256(f"{sys.executable}{Path(__file__).resolve()}".encode()).hexdigest()[:10]


def _python_roots() -> list[Path]:
    """Directories the interpreter and its packages live in."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(os.path.realpath(sys.executable)).parent.parent}
    return sorted(r for r in roots if r.exists())


def _matplotlib_cache() -> Path:
    """A font cache built once outside the sandbox, mounted read-only so every kernel starts fast and quiet."""
    cache = Path(tempfile.gettempdir()) / f"ffnn-sandbox-mpl-{os.getuid()}-{_digest()}"
    if not any(cache.glob("fontlist-*.json")):
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                       env={**os.environ, "MPLCONFIGDIR": str(cache)}, check=True, capture_output=True)
        for path in [cache, *cache.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    return cache


def _student_package(assignment: str | None) -> Path:
    """A read-only copy of the course package as ``assignment`` may see it (without ``reference``, and without the
    provided modules of later notebooks: ``ffnn.provided.package_files``), mounted where ``ffnn`` is expected."""
    import hashlib
    from ffnn.provided import package_files
    digest = hashlib.sha256()
    files = package_files(PACKAGE, assignment)
    for path in files:
        digest.update(str(path.relative_to(PACKAGE)).encode() + path.read_bytes())
    copy = Path(tempfile.gettempdir()) / f"ffnn-sandbox-package-{digest.hexdigest()[:16]}"
    if not copy.exists():
        staging = Path(tempfile.mkdtemp(prefix="ffnn-sandbox-staging-"))
        for path in files:
            target = staging / path.relative_to(PACKAGE)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        for path in [staging, *staging.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        try:
            staging.rename(copy)
        except OSError:  # another worker made it first
            shutil.rmtree(staging, ignore_errors=True)
    return copy


def jail_command(command: list[str], *, slot: int, writable: list[Path], readable: list[Path],
                 env: dict, assignment: str | None = "") -> list[str]:
    """The bwrap + setpriv + prlimit command that runs ``command`` in the jail, with the course package as
    ``assignment`` may see it ("": no provided module at all; None: every one, for trusted code only)."""
    uid = BASE_UID + slot
    # No user namespace: the jail's uid must be a real, unprivileged one for the process limit to count.
    arguments = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                 "--die-with-parent", "--new-session", "--clearenv", "--proc", "/proc", "--dev", "/dev",
                 # writable scratch space is RAM: sized, so it cannot fill the machine
                 "--size", str(limit("TMP_MB") * 2**20), "--tmpfs", "/tmp"]
    read_only = [Path(p) for p in ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc") if os.path.exists(p)]
    read_only += _python_roots() + list(readable)
    # bwrap would create the mount points' parents (e.g. /root) as 0700 root-owned directories, which the
    # jail's user could not traverse: create them world-traversable first.
    made = set()
    for path in read_only + list(writable):
        for parent in reversed(path.parents):
            if str(parent) not in made and str(parent) != "/":
                made.add(str(parent))
                arguments += ["--perms", "0755", "--dir", str(parent)]
    for parent in reversed(PACKAGE.parents):
        if str(parent) not in made and str(parent) != "/":
            made.add(str(parent))
            arguments += ["--perms", "0755", "--dir", str(parent)]
    # Parents before children: a bind mounted later over a parent folder would hide one mounted inside it before,
    # so a read-only folder inside a writable one (the launcher's setup folder) would silently become writable.
    binds = [("--ro-bind", Path(p)) for p in read_only] + [("--bind", Path(p)) for p in writable]
    for option, path in sorted(binds, key=lambda bind: len(bind[1].parts)):
        arguments += [option, str(path), str(path)]
    arguments += ["--ro-bind", str(_student_package(assignment)), str(PACKAGE),
                  "--perms", "1777", "--size", str(limit("SHM_MB") * 2**20), "--tmpfs", "/dev/shm"]
    arguments += ["--perms", "1777", "--size", str(limit("HOME_MB") * 2**20), "--tmpfs", JAIL_HOME,
                  "--chdir", JAIL_HOME]
    for key, value in env.items():
        arguments += ["--setenv", key, value]
    arguments += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                  "--bounding-set=-all", "--no-new-privs",
                  "prlimit", f"--as={limit('MEMORY_MB') * 1024 * 1024}", f"--cpu={limit('CPU_SECONDS')}",
                  f"--nproc={limit('PROCESSES')}", f"--fsize={limit('FILE_MB') * 1024 * 1024}",
                  f"--nofile={limit('OPEN_FILES')}", "--core=0", "--", *command]
    return arguments


def _own(path: Path, uid: int, mode: int) -> None:
    os.chown(path, uid, uid)
    path.chmod(mode)


JAIL_HOME = "/tmp/home"          # the kernel's cwd and HOME: a tmpfs of LIMITS["HOME_MB"]
JAIL_SETUP = "/ffnn-setup"       # read-only: the connection file and a font cache to copy into HOME


def kernel(connection_file: str, extra=()) -> None:
    """Kernel launcher (the kernelspec's argv): exec the IPython kernel inside the jail."""
    connection = Path(connection_file).resolve()
    info = json.loads(connection.read_text())
    if info.get("transport") != "ipc":
        sys.exit("sandbox: the grading kernel needs KernelManager.transport = 'ipc' (the jail has no network).")
    slot = int(os.environ.get("FFNN_SANDBOX_SLOT", "0"))
    uid = BASE_UID + slot
    sockets = Path(info["ip"]).parent
    if not Path(info["ip"]).is_absolute() or os.environ.get("FFNN_SANDBOX_RUNTIME") != str(sockets):
        sys.exit(f"sandbox: the kernel's IPC sockets ({info['ip']}) must live in FFNN_SANDBOX_RUNTIME, a directory "
                 f"of their own: set KernelManager.ip = '<that directory>/kernel' (autograde.py does).")
    # Everything the launcher writes goes to the job's runtime folder, which the grader deletes with the job.
    setup = Path(tempfile.mkdtemp(prefix="setup-", dir=sockets))
    setup.chmod(0o755)
    shutil.copyfile(connection, setup / "connection.json")
    _own(setup / "connection.json", uid, 0o400)
    shutil.copytree(_matplotlib_cache(), setup / "matplotlib")
    sockets.chmod(0o1777)  # the kernel (the slot's uid) binds its IPC sockets here
    # The kernel's own stdout/stderr: a file of its own (capped by the file-size limit), not the grader's log.
    log = os.open(setup / "kernel.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchown(log, uid, uid)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    readable = [setup]
    writable = [sockets]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": JAIL_HOME, "LANG": "C.UTF-8",
           "MPLCONFIGDIR": f"{JAIL_HOME}/matplotlib", "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": "/tmp"}
    for key in ("PYTHONHASHSEED", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS",
                "IPYKERNEL_CELL_NAME", "NBGRADER_EXECUTION", "MPLBACKEND"):
        if key in os.environ:
            env[key] = os.environ[key]
    cases = os.environ.get("FFNN_HIDDEN_CASES")
    if cases:
        readable.append(Path(cases))
        env["FFNN_HIDDEN_CASES"] = cases
    outputs = os.environ.get("FFNN_HIDDEN_OUTPUT")
    if outputs:
        Path(outputs).mkdir(parents=True, exist_ok=True)
        _own(Path(outputs), uid, 0o700)
        writable.append(Path(outputs))
        env["FFNN_HIDDEN_OUTPUT"] = outputs
    join_memory_cgroup(slot)  # before the jail starts: all its processes inherit the cgroup
    # only IPython options (--Name.trait=value) pass on to the kernel
    options = [a for a in extra if re.fullmatch(r"--[A-Za-z]+\.[A-Za-z_]+=[\w.:-]*", a)]
    if not any(o.startswith("--HistoryManager.enabled=") for o in options):
        options.append("--HistoryManager.enabled=False")
    # inside the jail: a fresh HOME on the sized tmpfs, seeded with the font cache, then the kernel itself
    command = ["/bin/sh", "-c", f'cp -r {setup}/matplotlib "$HOME/" && exec "$0" "$@"', sys.executable, "-m",
               "ipykernel_launcher", "-f", str(setup / "connection.json"), *options]
    # the package as the graded assignment may see it; unnamed, none of the provided answers of later notebooks
    assignment = os.environ.get("FFNN_ASSIGNMENT", "")
    arguments = jail_command(command, slot=slot, writable=writable, readable=readable, env=env, assignment=assignment)
    os.execvp(arguments[0], arguments)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["kernel"] and len(argv) >= 2:
        kernel(argv[1], argv[2:])
        return 0
    if argv[:1] == ["check"]:
        ok, why = available()
        print("sandbox: available" if ok else f"sandbox: NOT available: {why}")
        return 0 if ok else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
