"""nbgrader's settings for a student on the class hub: the course and its exchange (the assignment list), and
the grader's cell time limit (Validate). The hub sets FFNN_EXCHANGE for every server it starts."""

import os

c = get_config()  # noqa: F821 - provided by traitlets when it runs this file

c.CourseDirectory.course_id = "ffnn"
c.Exchange.root = os.environ.get("FFNN_EXCHANGE", "/srv/nbgrader/exchange")
c.Execute.timeout = 120
