"""JupyterHub's configuration for the class: `make hub` (grader/hub/hub.py) starts JupyterHub with this file.

- Log-in: the machine's own accounts (PAM), made by grader/hub/accounts.py; only the course's instructors and
  students (accounts.json in the hub's state folder) may log in; instructors are the hub's admins.
- Servers: each user's own JupyterLab, started as that Unix user (JupyterHub's LocalProcessSpawner) from the
  course's .venv. Students get the assignment list and Validate (student_config/, installed where they can read
  it) and open on their home; instructors get the formgrader too (instructor_config/) and open on the clone.
- Grading on submit: the managed service ``grade-on-submit`` (grader/hub/grade_on_submit.py), run as the hub's
  user (root, which the grading sandbox needs), collects, autogrades and returns feedback through the exchange.
- The proxy: configurable-http-proxy from npm (grader/hub/package.json, installed by `make hub`).

Everything is read from the environment hub.py sets (FFNN_HUB_*): addresses, the state folder, the exchange.
"""

import json
import os
import sys

HUB = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HUB))
VENV_BIN = os.path.dirname(sys.executable)
STATE = os.environ.get("FFNN_HUB_STATE", os.path.join(HUB, "state"))
SHARED = os.environ.get("FFNN_HUB_SHARED", "/srv/ffnn")
EXCHANGE = os.environ.get("FFNN_EXCHANGE", "/srv/nbgrader/exchange")
PORT = int(os.environ.get("FFNN_HUB_PORT", "8000"))

with open(os.path.join(STATE, "accounts.json")) as accounts_file:
    ACCOUNTS = json.load(accounts_file)

c = get_config()  # noqa: F821 - provided by traitlets when it runs this file

c.JupyterHub.ip = os.environ.get("FFNN_HUB_IP", "127.0.0.1")
c.JupyterHub.port = PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("FFNN_HUB_API_PORT", PORT + 1))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('FFNN_HUB_PROXY_API_PORT', PORT + 2)}"
c.ConfigurableHTTPProxy.command = [os.path.join(HUB, "node_modules", ".bin", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "proxy.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(STATE, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(STATE, "jupyterhub.pid")

c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False  # no login sessions (utmp, systemd) for a notebook server
c.Authenticator.allowed_users = set(ACCOUNTS["instructors"]) | set(ACCOUNTS["students"])
c.Authenticator.admin_users = set(ACCOUNTS["instructors"])

c.Spawner.cmd = [os.path.join(VENV_BIN, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONHASHSEED"]


def _per_user(spawner):
    """The instructors' and the students' configuration folders, working folders and the exchange's address."""
    instructor = spawner.user.name in ACCOUNTS["instructors"]
    spawner.environment["FFNN_EXCHANGE"] = EXCHANGE
    spawner.environment["PATH"] = VENV_BIN + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin")
    if instructor:
        # grader/ holds the course's nbgrader_config.py: the formgrader finds the course there, wherever it starts
        spawner.environment["JUPYTER_CONFIG_PATH"] = os.pathsep.join([os.path.join(HUB, "instructor_config"),
                                                                      os.path.join(ROOT, "grader")])
        for key in ("FFNN_GRADEBOOK_URL", "FFNN_SUBMITTED", "FFNN_AUTOGRADED", "FFNN_FEEDBACK"):
            if os.environ.get(key):  # the same gradebook and folders as the grading service's
                spawner.environment[key] = os.environ[key]
        spawner.environment["FFNN_RELEASE"] = os.environ.get("FFNN_HUB_RELEASE", os.path.join(HUB, "staged-release"))
        spawner.environment["FFNN_GROUPSHARED"] = "1"
        spawner.notebook_dir = ROOT
    else:
        spawner.environment["JUPYTER_CONFIG_PATH"] = os.path.join(SHARED, "student-config")
        spawner.notebook_dir = "~"


c.Spawner.pre_spawn_hook = _per_user

c.JupyterHub.services = [{
    "name": "grade-on-submit",
    "command": [sys.executable, os.path.join(HUB, "grade_on_submit.py")],
    "environment": {key: value for key, value in os.environ.items()
                    if key.startswith("FFNN_") or key in ("PATH", "OPENBLAS_NUM_THREADS", "PYTHONHASHSEED")},
}]
