"""Where the course's kernels talk: Unix sockets (IPC) in a private temporary folder, removed at exit.

Kernels started over TCP warn that their traffic is not encrypted; over IPC nothing listens on the network. But an
IPC kernel without an explicit address puts its sockets in its working directory, the notebook's folder, where
nbgrader then tries to copy them into the release. So every kernel the course starts outside the grading sandbox
(which has its own, grader/kernel_runner.py) gets ``KernelManager.ip`` from here:

    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = kernel_sockets.address()
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_folder = None


def address() -> str:
    """The socket path prefix for this process's kernels (one folder per process, readable by its user only)."""
    global _folder
    if _folder is None:
        _folder = tempfile.mkdtemp(prefix="ffnn-kernels-")
        atexit.register(shutil.rmtree, _folder, True)
    return os.path.join(_folder, "kernel")


def configure(config):
    """Set a traitlets Config (or nbgrader's ``c``) to IPC kernels at ``address()``; returns it."""
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = address()
    return config
