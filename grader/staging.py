"""Staging a submission for grading: a copy in the job's scratch folder; the submission itself is only read.

Notebooks that are not readable JSON and files over ``max_file_mb`` are left out and reported; symbolic links
are ignored; a single notebook under another name (``01_two_layer_network (1).ipynb``) is graded as the expected
one. Everything else is copied as it is: cell metadata is restored from the gradebook later, by the sanitizing
step RestoreSourceMetadata.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import hidden_cases


def expected_notebooks(assignment) -> list[str]:
    return [path.stem for path in hidden_cases.source_notebooks(assignment)]


def stage(submitted: Path, target: Path, assignment: str, max_file_mb: float, notes: list) -> list[str]:
    """Copy ``submitted`` into ``target``; return the names (no .ipynb) of the notebooks staged for grading and
    append to ``notes`` what was left out and why."""
    import nbformat
    target.mkdir(parents=True, exist_ok=True)
    expected = expected_notebooks(assignment)
    staged, extra_notebooks, unreadable = [], [], False
    for path in sorted(Path(submitted).rglob("*")):
        if path.is_symlink():
            notes.append(f"ignored symbolic link {path.name}")
            continue
        if not path.is_file():
            continue
        relative = path.relative_to(submitted)
        if relative.parts[0] == "ffnn" and len(relative.parts) > 1:
            continue  # the course package as released with the notebook (the hub): the sandbox mounts its own
        if path.stat().st_size > max_file_mb * 1024 * 1024:
            notes.append(f"ignored {relative} ({path.stat().st_size / 2**20:.0f} MB > {max_file_mb} MB)")
            continue
        if path.suffix == ".ipynb" and len(relative.parts) == 1:
            try:
                notebook = nbformat.read(path, as_version=4)
            except Exception as error:  # noqa: BLE001 - any unreadable notebook is reported the same way
                notes.append(f"{relative} is not a readable notebook ({type(error).__name__}: "
                             f"{str(error).splitlines()[0][:160]}); it scores 0")
                unreadable = True
                continue
            if path.stem not in expected:
                extra_notebooks.append((path, notebook))
                continue
            staged.append(path.stem)
            nbformat.write(notebook, target / relative)
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    missing = [name for name in expected if name not in staged]
    if len(missing) == 1 and len(extra_notebooks) == 1 and not unreadable:
        nbformat.write(extra_notebooks[0][1], target / f"{missing[0]}.ipynb")
        staged.append(missing[0])
        notes.append(f"graded {extra_notebooks[0][0].name} as {missing[0]}.ipynb (renamed notebook)")
        missing = []
    for name in missing:
        if not any(name in note for note in notes):
            notes.append(f"{name}.ipynb is missing; it scores 0")
    return staged
