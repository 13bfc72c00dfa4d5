"""nbgrader's settings for the student lab (`make lab`), read by its Validate button.

Students need none of the instructor's paths (grader/nbgrader_config.py); this file exists so that Validate finds a
configuration instead of warning that there is none, and so that its kernel runs as the course's other kernels do.
"""

import os
import sys

c = get_config()  # noqa: F821 - provided by traitlets when it runs this file

# The kernel talks over Unix sockets in a private folder: nothing listens on TCP, so there is nothing to encrypt.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # grader/
import kernel_sockets  # noqa: E402

kernel_sockets.configure(c)
# The same cell time limit as the grader's (grader/nbgrader_config.py).
c.Execute.timeout = 120
