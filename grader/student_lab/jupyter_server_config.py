"""The student lab's Jupyter server (`make lab`, and the tests that start it): student-side nbgrader only."""

c = get_config()  # noqa: F821 - provided by traitlets when it runs this file

# nbgrader's Validate button, without the instructor's formgrader, course list and assignment list.
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.validate_assignment": True,
}
# Kernels talk to the server over Unix sockets: nothing listens on TCP, so the kernel's warning that TCP is not
# encrypted does not apply (and is not printed).
c.KernelManager.transport = "ipc"
# jupyter_server pings websockets every 30 s and by default waits 90 s for the answer, which tornado refuses (with a
# warning) and cuts to 30 s; asking for the 30 s it applies anyway keeps the log quiet.
c.ServerApp.tornado_settings = {"ws_ping_timeout": 30000}
