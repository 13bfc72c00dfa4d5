"""A student's server on the class hub: nbgrader's assignment list (fetch, submit, fetch feedback) and Validate;
not the formgrader, the course list or the create-assignment tools. Copied where students can read it by
grader/hub/accounts.py; the hub puts that copy first on JUPYTER_CONFIG_PATH for every student."""

import os

from jupyter_core.paths import jupyter_runtime_dir

c = get_config()  # noqa: F821 - provided by traitlets when it runs this file

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
}
# Kernels talk over Unix sockets in the student's private runtime folder: nothing listens on TCP.
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(jupyter_runtime_dir(), "kernel")
c.ServerApp.tornado_settings = {"ws_ping_timeout": 30000}
