"""Shared fixtures of the test suite, and the order in which `make test`'s workers take the modules."""

from pathlib import Path

import numpy as np
import pytest

#: The modules that take longest (mostly waiting for kernels, graders and pages), started first so that the short
#: ones fill the end of a parallel run (`--dist loadfile --no-loadscope-reorder` keeps this order). Longest first.
LONGEST_FIRST = [
    "test_grading_workflow.py", "test_class_hub.py", "test_nbgrader_autograde.py", "test_grading_queue.py",
    "browser/test_hub_browser.py", "browser/test_formgrader.py",
    "browser/test_source_notebooks.py", "browser/test_student_pages.py", "test_notebooks.py", "test_instructor.py",
    "test_canary.py", "test_postgres_gradebook.py", "test_release_and_collect.py", "test_kernel_runner.py",
    "test_hidden_catalogue.py", "test_learning.py", "test_lab.py", "test_similarity.py", "test_plots.py",
    "test_recorded.py", "test_workspace.py",
]


def pytest_collection_modifyitems(session, config, items):
    tests = Path(__file__).parent
    rank = {name: number for number, name in enumerate(LONGEST_FIRST)}

    def module_rank(item):
        try:
            relative = Path(item.fspath).relative_to(tests).as_posix()
        except ValueError:
            return len(rank)
        return rank.get(relative, len(rank))

    items.sort(key=module_rank)  # stable: within a module, and among the unlisted modules, pytest's order stays


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
