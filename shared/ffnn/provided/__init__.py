"""Code the notebooks provide rather than ask for: answers of earlier notebooks that later ones build on.

Each module says, in ``SHIPPED_FROM``, the first notebook allowed to see it (the one after the notebook that grades
what it holds); ``shipped_with`` lists what one assignment may have. A student release (``grader/release.py``)
and the grading sandbox (``grader/sandbox.py``) ship only those modules, so no notebook ships a working answer to
a graded function of its own or of a later notebook (tests/test_no_leaks.py reads every bundle). A self-study clone
has them all, as it has the solutions.

- ``activations.py`` (notebook 4 on): ReLU, sigmoid and softmax with their backward steps, eqs. (7)-(10), (13),
  (14); graded in notebooks 2 and 3.
- ``network.py`` (notebook 4 on): He initialization, the forward pass with any output activation, the backward
  pass from dZ[L], batch gradient descent; notebook 2's network with a different top layer.
- ``tasks.py`` (notebook 5): the three output/cost pairs of notebook 4 (binary, categorical, multi-label) as
  one network per task: output activation, cost from the logits, backward pass, accuracy.
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["shipped_from", "shipped_with", "package_files"]

HERE = Path(__file__).resolve().parent


def shipped_from(module: Path) -> str:
    """The module's ``SHIPPED_FROM`` assignment name, read from its source (the module is not imported)."""
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["SHIPPED_FROM"]:
            return ast.literal_eval(node.value)
    raise ValueError(f"{module}: a provided module must say SHIPPED_FROM = '<first assignment that may see it>'")


def shipped_with(assignment: str | None, folder: Path = HERE) -> list[Path]:
    """The provided modules (of ``folder``, this one by default) an assignment may ship (assignments sort by their
    number: '04_costs' < '05_capstone'); ``None``: every one (self-study, the reference's tests)."""
    modules = sorted(p for p in folder.glob("*.py") if p.name != "__init__.py")
    return [p for p in modules if assignment is None or shipped_from(p) <= assignment]


def package_files(package: Path, assignment: str | None) -> list[Path]:
    """The files of the student-facing package ``package`` (a copy of ``ffnn``) that ``assignment`` may have:
    everything but the reference implementation, caches and the provided modules of later notebooks."""
    allowed = {p.name for p in shipped_with(assignment, package / "provided")}
    files = []
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        if not path.is_file() or relative.parts[0] == "reference" or "__pycache__" in relative.parts:
            continue
        if relative.parts[0] == "provided" and path.suffix == ".py" and path.name != "__init__.py" \
                and path.name not in allowed:
            continue
        files.append(path)
    return files
