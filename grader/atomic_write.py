"""Writing a file so that it is either the old file or the whole new one, never half of either.

    with written_in_one_step(path) as partial:     # write to ``partial``; on success it becomes ``path``
        partial.write_text(...)

The grader's outputs (grades, manifests, release bundles, a student's workspace copies) are read by people and
by later steps: an interrupted or failed write must leave the previous version in place, not a truncated file.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


@contextlib.contextmanager
def written_in_one_step(path: Path, hidden: bool = False):
    """Yield a temporary path beside ``path`` (``.name.partial`` when ``hidden``, so that folder listings skip it);
    when the block ends without an error it replaces ``path`` (os.replace: one step on the same file system); when
    the block fails, the temporary file is removed and ``path`` is as it was."""
    path = Path(path)
    partial = path.with_name(f"{'.' if hidden else ''}{path.name}.partial")
    try:
        yield partial
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)


def write_text(path: Path, text: str) -> None:
    """``path.write_text(text)`` in one step."""
    with written_in_one_step(path) as partial:
        partial.write_text(text, encoding="utf-8")
