"""nbgrader reads its configuration from the folder it runs in. From the repository's root that is the course's own
(grader/nbgrader_config.py), so `nbgrader autograde` typed here grades the course's safe way, as `make autograde`
and the formgrader do."""

c = get_config()  # noqa: F821 - provided by traitlets when it runs this file
load_subconfig("grader/nbgrader_config.py")  # noqa: F821 - provided by traitlets too
