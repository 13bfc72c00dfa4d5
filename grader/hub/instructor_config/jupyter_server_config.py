"""An instructor's server on the class hub: opens on the course clone, with nbgrader's formgrader (grades, manual
grading, the course's safe Autograde button) besides the students' tools. The course's nbgrader settings come
from the clone's nbgrader_config.py (grader/nbgrader_config.py); the hub sets FFNN_RELEASE to the staged release
folder (grader/hub/exchange_release.py), so the formgrader's Release button ships the course's package with each
notebook."""

import os

from jupyter_core.paths import jupyter_runtime_dir

c = get_config()  # noqa: F821 - provided by traitlets when it runs this file

# What the formgrader writes (the gradebook, feedback) stays writable by the other instructors (the group
# ffnn-instructors owns grader/, grader/hub/accounts.py).
os.umask(0o002)

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": True,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
}
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(jupyter_runtime_dir(), "kernel")
c.ServerApp.tornado_settings = {"ws_ping_timeout": 30000}
