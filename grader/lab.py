"""Start JupyterLab on the course as a student sees it: `make lab` runs this.

The server binds to 127.0.0.1 on the first free port from 8888 (or --port) and opens on workspace/, the student's
own git-ignored copies of the released notebooks (``workspace.prepare``: copied once, never written over by a
release or a `git pull`; a course update arrives as a new file next to a notebook the student has touched). It has
nbgrader's student-side extension only: the Validate button, without the instructor panels
(formgrader, create assignment, course and assignment lists). That set-up is the config folder
grader/student_lab, put first on JUPYTER_CONFIG_PATH. It prints the URL to open, token included.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workspace  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STUDENT_CONFIG = ROOT / "grader" / "student_lab"


def free_port(start: int, attempts: int = 50) -> int:
    """The first port from ``start`` on which 127.0.0.1 accepts a bind."""
    for port in range(start, start + attempts):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"make lab: no free port in {start}..{start + attempts - 1}; pass PORT=<number>.")


def with_token(env: dict, token: str) -> dict:
    return {**env, "JUPYTER_TOKEN": token}


def student_environment(base=None) -> dict:
    """Environment variables for a student-side Jupyter server (used by `make lab` and by the tests)."""
    env = dict(os.environ if base is None else base)
    paths = [str(STUDENT_CONFIG)] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return env


def command(port: int, root_dir: Path, open_browser: bool = False) -> list[str]:
    """The server's command line; its token comes from JUPYTER_TOKEN (``with_token``), not from the command line,
    where any local user could read it with `ps`."""
    arguments = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root_dir}",
                 "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                 f"--ServerApp.open_browser={open_browser}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        arguments.append("--allow-root")  # containers and CI machines often run as root
    return arguments


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=None, help="port to use (default: first free from 8888)")
    parser.add_argument("--root", type=Path, default=workspace.WORKSPACE,
                        help="your workspace, the folder the lab opens (default: workspace/)")
    parser.add_argument("--release", type=Path, default=ROOT / "notebooks",
                        help="the released notebooks to copy from (default: notebooks/)")
    parser.add_argument("--prepare-only", action="store_true",
                        help="bring new and updated notebooks into the workspace, then stop")
    parser.add_argument("--browser", action="store_true", help="also open a web browser")
    options = parser.parse_args(argv)
    for sentence in workspace.prepare(options.release, options.root):
        print(f"make lab: {sentence}", flush=True)
    print(f"make lab: your workspace is {options.root} (yours: nothing the course does writes over it)", flush=True)
    if options.prepare_only:
        return 0
    port = options.port or free_port(8888)
    token = secrets.token_hex(16)
    print(f"Course JupyterLab: open  http://127.0.0.1:{port}/lab?token={token}", flush=True)
    print("Stop it with Ctrl-C (twice).", flush=True)
    os.execvpe(sys.executable, command(port, options.root, options.browser),
               with_token(student_environment(), token))
    return 0


if __name__ == "__main__":
    sys.exit(main())
