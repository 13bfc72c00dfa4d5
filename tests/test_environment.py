"""The pins: requirements.txt, requirements-lock.txt and environment.yml agree, and the venv has them."""

import re
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines, pattern):
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(pattern, line)
        assert match, f"not an exact pin: {line!r}"
        pins[_normalize(match["name"])] = match["version"]
    return pins


def requirements():
    return _pins((ROOT / "requirements.txt").read_text().splitlines(), r"(?P<name>[A-Za-z0-9_.\-]+)==(?P<version>\S+)")


def lock():
    return _pins((ROOT / "requirements-lock.txt").read_text().splitlines(),
                 r"(?P<name>[A-Za-z0-9_.\-]+)==(?P<version>\S+)")


def conda_environment(text=None):
    """The pins of environment.yml: conda's `name=version` and pip's `name==version` entries."""
    pins, python = {}, None
    for raw in (text or (ROOT / "environment.yml").read_text()).splitlines():
        line = raw.split("#", 1)[0].strip()
        item = re.fullmatch(r"-\s*([A-Za-z0-9_.\-]+)\s*(==?)\s*(\S+)", line)
        if not item:
            continue
        name, _, version = item.groups()
        if name == "python":
            python = version
        else:
            pins[_normalize(name)] = version
    return pins, python


def test_requirements_are_exact_pins_of_the_course_stack():
    pins = requirements()
    for needed in ["numpy", "matplotlib", "scikit-learn", "nbgrader", "jupyterlab", "nbval", "pytest", "hypothesis"]:
        assert needed in pins, f"{needed} is not pinned in requirements.txt"
    assert pins["nbgrader"].startswith("0.9."), "the course is tested on nbgrader 0.9.x"
    assert pins["jupyterlab"].startswith("4."), "the course is tested on JupyterLab 4.x"


def test_environment_yml_lists_the_same_pins_as_requirements():
    conda, python = conda_environment()
    pins = requirements()
    assert conda == pins, (f"environment.yml and requirements.txt disagree: only in environment.yml "
                           f"{sorted(set(conda.items()) - set(pins.items()))}, only in requirements.txt "
                           f"{sorted(set(pins.items()) - set(conda.items()))}")
    assert python == "3.11"


def test_lock_agrees_with_requirements():
    locked = lock()
    for name, version in requirements().items():
        if name == "setuptools":
            continue  # a build tool, installed but not frozen into the lock
        assert locked.get(name) == version, f"{name}: requirements.txt {version}, lock {locked.get(name)}"


@pytest.mark.parametrize("name,version", sorted(requirements().items()))
def test_installed_versions_are_the_pinned_ones(name, version):
    assert metadata.version(name) == version


def test_parser_catches_a_disagreement():
    """The comparison itself can fail: a changed pin in environment.yml is seen."""
    text = (ROOT / "environment.yml").read_text().replace("numpy=2.", "numpy=1.")
    conda, _ = conda_environment(text)
    assert conda["numpy"] != requirements()["numpy"]
