"""grader/atomic_write.py: a file is the old one or the whole new one, never half of either."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "grader"))
import atomic_write  # noqa: E402


def test_a_finished_write_replaces_the_file_and_leaves_no_partial(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("old\n")
    atomic_write.write_text(path, "new\n")
    assert path.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_partial(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("old\n")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_write.written_in_one_step(path) as partial:
            partial.write_text("half a fi")
            raise RuntimeError("disk full")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]


def test_a_hidden_partial_is_a_dot_file_beside_the_target(tmp_path):
    target = tmp_path / "notebook.ipynb"
    with atomic_write.written_in_one_step(target, hidden=True) as partial:
        assert partial.parent == tmp_path and partial.name == ".notebook.ipynb.partial"
        partial.write_text("{}")
    assert target.read_text() == "{}" and not partial.exists()
