"""Recorded on one CPU, checked on another: fixtures and notebook outputs tolerate last-bit differences only."""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from ffnn.check import FIXTURES
from ffnn.recorded import differences, text_differences
from ffnn.reference.fixtures import build_suite, render, stale_parts
from test_notebooks import run_nbval


# The comparison itself --------------------------------------------------------------------------------------------

def test_floats_within_rounding_are_the_same():
    recorded = {"a": [1.0, -2.5, 0.0], "b": {"__ndarray__": [[3.0, 1e-17]], "dtype": "float64", "shape": [1, 2]}}
    fresh = {"a": [1.0 * (1 + 1e-13), -2.5 * (1 - 3e-12), 0.0],
             "b": {"__ndarray__": [[3.0 * (1 + 1e-14), -2e-17]], "dtype": "float64", "shape": [1, 2]}}
    assert differences(recorded, fresh) == []


@pytest.mark.parametrize("change, where", [
    (lambda t: t["a"].__setitem__(0, 1.0 + 1e-6), "<root>.a[0]"),
    (lambda t: t["a"].append(1.0), "<root>.a"),
    (lambda t: t["b"].__setitem__("shape", [2, 1]), "<root>.b.shape[0]"),
    (lambda t: t["b"].__setitem__("dtype", "float32"), "<root>.b.dtype"),
    (lambda t: t.__setitem__("c", 1), "<root>"),
    (lambda t: t["a"].__setitem__(2, 0), "<root>.a[2]"),          # int where a float was
    (lambda t: t["a"].__setitem__(1, float("nan")), "<root>.a[1]"),
    (lambda t: t["b"]["__ndarray__"][0].__setitem__(1, 1e-9), "<root>.b.__ndarray__[0][1]"),
])
def test_any_real_change_is_found(change, where):
    recorded = {"a": [1.0, -2.5, 0.0], "b": {"__ndarray__": [[3.0, 1e-17]], "dtype": "float64", "shape": [1, 2]}}
    fresh = json.loads(json.dumps(recorded))
    change(fresh)
    found = differences(recorded, fresh)
    assert found and found[0].startswith(where), found


def test_printed_numbers_may_move_by_one_unit_of_their_last_digit():
    assert text_differences("cost after 1000 iterations: 0.6931\n", "cost after 1000 iterations: 0.6932\n") == []
    assert text_differences("relative error 1.5e-09", "relative error 1.6e-09") == []
    assert text_differences("accuracy 97.50 %", "accuracy 97.49 %") == []


@pytest.mark.parametrize("fresh", [
    "cost after 1000 iterations: 0.6934\n",      # three units: a real change
    "cost after 1001 iterations: 0.6931\n",      # integers are exact
    "cost after 1000 iteration: 0.6931\n",       # the words are exact
    "cost after 1000 iterations: 0.6931 0.1\n",  # so is the count of numbers
])
def test_printed_text_beyond_rounding_differs(fresh):
    assert text_differences("cost after 1000 iterations: 0.6931\n", fresh)


# The checker's fixtures -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_layer_fresh():
    return build_suite("two_layer")


def _perturbed_copy(tmp_path, relative):
    """The committed two_layer fixtures with one expected value of backward_propagation scaled by 1 + relative."""
    document = json.loads((FIXTURES / "two_layer.json").read_text())
    grads = document["functions"]["backward_propagation"]["cases"][0]["expected"]
    entries = dict(grads["__dict__"])
    row = entries["dW1"]["__ndarray__"][0]
    assert abs(row[0]) > 1e-3, "pick a value that is not rounding noise"
    row[0] *= 1 + relative
    path = tmp_path / "two_layer.json"
    path.write_text(render(document))
    return path


def test_committed_fixtures_are_in_sync_up_to_rounding(tmp_path, two_layer_fresh):
    shutil.copy(FIXTURES / "two_layer.json", tmp_path / "two_layer.json")
    assert stale_parts(tmp_path / "two_layer.json", two_layer_fresh) == []


def test_fixture_check_tolerates_a_last_bit_difference(tmp_path, two_layer_fresh):
    assert stale_parts(_perturbed_copy(tmp_path, 1e-13), two_layer_fresh) == []


def test_fixture_check_catches_a_real_change(tmp_path, two_layer_fresh):
    problems = stale_parts(_perturbed_copy(tmp_path, 1e-6), two_layer_fresh)
    assert len(problems) == 1 and "backward_propagation.cases[0].expected" in problems[0], problems


def test_fixture_check_catches_a_changed_structure(tmp_path, two_layer_fresh):
    document = json.loads((FIXTURES / "two_layer.json").read_text())
    document["functions"]["predict"]["cases"][0]["label"] = "another label"
    del document["functions"]["compute_cost"]["cases"][1]
    (tmp_path / "two_layer.json").write_text(render(document))
    problems = stale_parts(tmp_path / "two_layer.json", two_layer_fresh)
    assert any("compute_cost.cases" in p for p in problems) and any("predict.cases[0].label" in p for p in problems)


def test_fixture_check_reports_a_missing_or_broken_file(tmp_path, two_layer_fresh):
    assert stale_parts(tmp_path / "absent.json", two_layer_fresh) == ["the file is missing"]
    (tmp_path / "broken.json").write_text("{")
    assert "not valid JSON" in stale_parts(tmp_path / "broken.json", two_layer_fresh)[0]


# Recorded notebook outputs under nbval ------------------------------------------------------------------------------

def _cell(recorded_text, code='print(f"cost {0.1 + 0.2:.4f} after {1000} iterations")'):
    return new_code_cell(code, outputs=[new_output("stream", name="stdout", text=recorded_text)])


def test_nbval_accepts_rounding_and_fails_real_changes(tmp_path):
    """One nbval run over four cells that print "cost 0.3000 after 1000 iterations": recorded with the last digit
    off by one (passes), a number off by five units, an integer off by one, another word (each fails); then two that
    describe a loss curve: where its lowest value lies may differ (an oscillating cost reaches it at an iteration
    that depends on the CPU's last bits: passes), the lowest value itself may not (fails)."""
    recorded = ["cost 0.3001 after 1000 iterations\n", "cost 0.3005 after 1000 iterations\n",
                "cost 0.3000 after 999 iterations\n", "loss 0.3000 after 1000 iterations\n",
                "0.1331 at iteration 4999, lowest 0.129 at iteration 2998\n",
                "0.1331 at iteration 4999, lowest 0.135 at iteration 2998\n"]
    curve = 'print(f"{0.1331:.4g} at iteration {4999}, lowest {0.129:.4g} at iteration {3019}")'
    cells = [_cell(text) for text in recorded[:4]] + [_cell(text, curve) for text in recorded[4:]]
    for count, cell in enumerate(cells, start=1):
        cell.execution_count = count
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    path = tmp_path / "recorded.ipynb"
    nbformat.write(nb, path)
    result = run_nbval([path], tmp_path)
    failed = sorted(int(n) for n in re.findall(r"^FAILED \S*::Cell (\d+)", result.stdout, re.M))
    assert failed == [1, 2, 3, 5] and "4 failed, 2 passed" in result.stdout, result.stdout[-3000:]
