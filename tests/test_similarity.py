"""`make similarity` (grader/similarity.py): planted copies are found, renamed and reordered ones too, honest
submissions that share only the given code are not; bad input is named and left as it was."""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

import corpus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))
import similarity  # noqa: E402

A = corpus.ASSIGNMENT
RENAMES = {"dZ2": "delta_out", "dZ1": "delta_hidden", "A1": "hidden", "A2": "output", "Z1": "pre_hidden",
           "Z2": "pre_out", "m": "n_examples", "grads": "gradient_dict", "cost": "loss_value"}


def _answer_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]


def disguised(nb):
    """A copy a student tried to hide: every local name renamed, the answer cells in reverse order, and two
    independent lines of each multi-line function swapped."""
    nb = copy.deepcopy(nb)
    cells = _answer_cells(nb)
    for cell in cells:
        source = cell.source
        for old, new in RENAMES.items():
            source = re.sub(rf"\b{old}\b", new, source)
        lines = source.split("\n")
        body = [i for i, line in enumerate(lines) if re.match(r"    [a-z_]\w* = ", line)]
        if len(body) >= 2:  # two assignments in a row with independent right-hand sides: swap them
            for i, j in zip(body, body[1:]):
                left, right = lines[i].split(" = ")[0].strip(), lines[j].split(" = ", 1)[1]
                if j == i + 1 and not re.search(rf"\b{re.escape(left)}\b", right):
                    lines[i], lines[j] = lines[j], lines[i]
                    break
        cell.source = "\n".join(lines)
    sources = [c.source for c in cells][::-1]
    for cell, source in zip(cells, sources):
        cell.source = source
    return nb


def honest_other(nb):
    """A student who wrote every function their own way (the corpus's catalogued attempts, each with a mistake)."""
    nb = copy.deepcopy(nb)
    for function, (code, _) in corpus.MISTAKES.items():
        corpus._answer(nb, function, code)
    return nb


def save(folder: Path, student: str, nb) -> Path:
    path = folder / student / A / f"{A}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def submitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submitted")
    source = nbformat.read(corpus.SOURCE, as_version=4)
    save(folder, "honest-a", source)
    save(folder, "honest-b", honest_other(source))
    save(folder, "copies-a", copy.deepcopy(source))
    save(folder, "hides-a-copy", disguised(source))
    broken = folder / "broken" / A / f"{A}.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_text("{this is not JSON")
    return folder


def test_copies_are_found_and_honest_work_is_not(submitted):
    result = similarity.compare(A, submitted)
    listed = {tuple(p["students"]): p for p in result["pairs"]}
    assert set(listed) == {("copies-a", "honest-a"), ("copies-a", "hides-a-copy"), ("hides-a-copy", "honest-a")}
    assert listed["copies-a", "honest-a"]["shares"] == [1.0, 1.0]
    assert min(listed["hides-a-copy", "honest-a"]["shares"]) >= 0.8, listed["hides-a-copy", "honest-a"]["shares"]
    # the disguise really changed the text: the planted copy is not simply identical
    codes = dict(zip(listed["hides-a-copy", "honest-a"]["students"], listed["hides-a-copy", "honest-a"]["code"]))
    assert codes["hides-a-copy"] != codes["honest-a"] and "delta_out" in codes["hides-a-copy"]
    # honest-b shares only the given code and what the equations force: well under the threshold
    honest = similarity.compare(A, submitted, threshold=0.01)
    shares = {tuple(p["students"]): max(p["shares"]) for p in honest["pairs"]}
    assert shares.get(("honest-a", "honest-b"), 0.0) < 0.5 * similarity.DEFAULT_THRESHOLD, shares


def test_the_given_code_alone_is_not_similarity(tmp_path):
    """Two blank submissions (the released notebook twice) share everything, all of it given: nothing listed."""
    release = nbformat.read(corpus.RELEASE, as_version=4)
    save(tmp_path, "blank-1", release)
    save(tmp_path, "blank-2", copy.deepcopy(release))
    assert similarity.compare(A, tmp_path, threshold=0.01)["pairs"] == []


def run_similarity(submitted: Path, reports: Path, monkeypatch, capsys) -> str:
    """`make similarity` for notebook 1 in this process (grader/nbgrader_config.py reads FFNN_SUBMITTED)."""
    monkeypatch.setenv("FFNN_SUBMITTED", str(submitted))
    monkeypatch.setattr(similarity, "REPORTS", reports)
    assert similarity.main(["--assignment", A]) == 0
    return capsys.readouterr().out


def test_make_similarity_writes_the_report_and_names_what_it_skipped(submitted, tmp_path, monkeypatch, capsys):
    broken = submitted / "broken" / A / f"{A}.ipynb"
    before = broken.read_bytes()
    out = run_similarity(submitted, tmp_path, monkeypatch, capsys)
    assert f"skipped broken: {A}.ipynb: not a readable notebook" in out
    assert "4 submissions, 6 pairs, 3 at or above 50%" in out
    assert broken.read_bytes() == before
    page = (tmp_path / f"similarity-{A}.html").read_text()
    assert page.count("<h2>") == 4 and "<mark>" in page and "hides-a-copy and honest-a" in page
    summary = json.loads((tmp_path / "similarity.json").read_text())
    assert [sorted(map(tuple, (p["students"] for p in s["pairs"]))) for s in summary] == \
        [[("copies-a", "hides-a-copy"), ("copies-a", "honest-a"), ("hides-a-copy", "honest-a")]]
    # and the grades report has a section made from it
    import grades
    section = grades._similarity_section()
    assert "3 pair(s) of 4 submissions" in section and "hides-a-copy and honest-a" in section


def test_one_submission_is_nothing_to_compare(tmp_path, monkeypatch, capsys):
    save(tmp_path / "submitted", "alone", nbformat.read(corpus.SOURCE, as_version=4))
    out = run_similarity(tmp_path / "submitted", tmp_path / "r", monkeypatch, capsys)
    assert "1 readable submission(s)" in out and "nothing to compare" in out, out
    # the grades report's section says so too, instead of a table of pairs
    import grades
    section = grades._similarity_section()
    assert f"<p>{A}: fewer than two submissions, nothing to compare.</p>" in section, section
    assert "pair(s)" not in section and "<table>" not in section
