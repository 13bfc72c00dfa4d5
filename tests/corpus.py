"""A corpus of submissions of notebook 1, honest, broken and hostile, each with the cells it must lose.

``build(folder)`` writes ``folder/<student>/01_two_layer_network/...`` and returns ``{student: Expectation}``.
Used by tests/test_grading_workflow.py (the throughput benchmark grades reference solutions instead).
"""

from __future__ import annotations

import copy
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

import notebook_answers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))

import canary  # noqa: E402
ASSIGNMENT = "01_two_layer_network"
SOURCE = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASE = ROOT / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


@dataclass
class Expectation:
    lost: set                      # grade_ids of the test cells that must score 0; None: the whole notebook scores 0
    note: str = ""                 # a phrase the autograde summary must give for this submission
    feedback: str | list = ""      # a phrase (or phrases) the feedback must contain
    leaks: list = field(default_factory=list)  # hidden-test lines: in no autograded output and no feedback
    output_leaks: list = field(default_factory=list)  # other secrets (the reference's code): in no output
    notebook: object = None        # the submitted notebook (hostile cases)


def _cells(nb, grade_id):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]


def _answer(nb, function, code):
    _cells(nb, f"answer_{function}")[0].source = code.strip()


def _append(nb, function, code):
    cell = _cells(nb, f"answer_{function}")[0]
    cell.source = cell.source + "\n" + code.strip()


def _prepend(nb, function, code):
    cell = _cells(nb, f"answer_{function}")[0]
    cell.source = code.strip() + "\n" + cell.source


#: One catalogued mistake per graded function, written as a student would.
MISTAKES = {
    "layer_sizes": ('''
def layer_sizes(X, Y, n_h):
    return X.shape[1], n_h, Y.shape[1]
''', "the columns are the m examples"),
    "initialize_parameters": ('''
def initialize_parameters(n_x, n_h, n_y, seed=0):
    return {"W1": np.zeros((n_h, n_x)), "b1": np.zeros((n_h, 1)), "W2": np.zeros((n_y, n_h)),
            "b2": np.zeros((n_y, 1))}
''', "weights initialized to zero"),
    "forward_propagation": ('''
def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = 1 / (1 + np.exp(-Z1))
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = 1 / (1 + np.exp(-Z2))
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    return A2, [((X, W1, b1), (Z1, A1)), ((A1, W2, b2), (Z2, A2))]
''', "the hidden layer uses tanh"),
    "compute_cost": ('''
def compute_cost(A2, Y):
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))
''', "the cost is the AVERAGE"),
    "backward_propagation": ('''
def backward_propagation(parameters, caches, X, Y):
    (_, (_, A1)), (_, (_, A2)) = caches
    dZ2 = A2 - Y
    dZ1 = parameters["W2"].T @ dZ2 * (1 - A1 ** 2)
    return {"dW1": dZ1 @ X.T, "db1": np.sum(dZ1, axis=1, keepdims=True),
            "dW2": dZ2 @ A1.T, "db2": np.sum(dZ2, axis=1, keepdims=True)}
''', "forgot the 1/m factor"),
    "update_parameters": ('''
def update_parameters(parameters, grads, learning_rate):
    return {key: value + learning_rate * grads["d" + key] for key, value in parameters.items()}
''', "gradient DESCENT subtracts"),
    # the seed ignored (always 0): notebook_answers.NN_MODEL with that one change
    "nn_model": (notebook_answers.changed(notebook_answers.NN_MODEL, ("initialize_parameters(n_x, n_h, n_y, seed)",
                                                                       "initialize_parameters(n_x, n_h, n_y, 0)")),
                 "call of initialize_parameters passed arguments"),
    "predict": ('''
def predict(parameters, X):
    A2, _ = forward_propagation(X, parameters)
    return A2
''', "not the probabilities A2"),
}


def _write(nb, folder: Path, name=f"{ASSIGNMENT}.ipynb"):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)


#: The submissions without the provided demonstrations: what the canary grades of the solution (grader/canary.py).
without_demonstrations = canary.graded_part


def build(folder: Path, gradebook_path: str = str(ROOT / "grader" / "gradebook.db"), only=None,
          light=False) -> dict:
    """Write the corpus (or the students named in ``only``) under ``folder``; return {student: Expectation}.
    ``light``: every submission without the provided demonstrations (``without_demonstrations``), so the
    corpus grades in half the time; the canary still grades the full solution."""
    source = nbformat.read(SOURCE, as_version=4)
    if light:
        source = without_demonstrations(source)
    release = nbformat.read(RELEASE, as_version=4)
    if light:
        release = without_demonstrations(release)
    hidden = [line.strip() for cell in source.cells if "### BEGIN HIDDEN TESTS" in cell.source
              for line in cell.source.split("### BEGIN HIDDEN TESTS")[1].splitlines() if len(line.strip()) >= 12]
    solution_text = _cells(source, "answer_backward_propagation")[0].source.split("### BEGIN SOLUTION")[1]
    solution_line = next(line.strip() for line in solution_text.splitlines() if len(line.strip()) > 15)
    expected = {}

    def submit(student, nb, expectation, name=f"{ASSIGNMENT}.ipynb"):
        if only is not None and student not in only:
            return
        _write(nb, folder / student / ASSIGNMENT, name)
        expected[student] = expectation

    submit("reference", copy.deepcopy(source), Expectation(set()))
    submit("blank", copy.deepcopy(release), Expectation({"all"}, feedback="replace `raise NotImplementedError()`"))
    # the catalogued mistakes two at a time (functions that do not call each other): each costs its own cell only
    functions = list(MISTAKES)
    for first, second in zip(functions[:4], functions[4:]):
        nb = copy.deepcopy(source)
        for function in (first, second):
            _answer(nb, function, MISTAKES[function][0])
        submit(f"mistakes-{first}-{second}", nb, Expectation({f"test_{first}", f"test_{second}"},
                                                              feedback=[MISTAKES[first][1], MISTAKES[second][1]]))

    # broken answers (an exception, a hang, a memory bomb, a kernel that exits): each loses its own cell only
    for student, edit, function, code, expectation in (
            ("exception", _prepend, "forward_propagation", "raise ValueError('my forward is broken')",
             Expectation({"test_forward_propagation"})),
            ("infinite-loop", _answer, "compute_cost", "def compute_cost(A2, Y):\n    while True:\n        pass",
             Expectation({"test_compute_cost"}, feedback="CellTimeoutError")),
            ("memory-bomb", _prepend, "predict", "hoard = [bytearray(256 * 1024 ** 2) for _ in range(64)]  # 16 GiB",
             Expectation({"test_predict"})),
            ("os-exit", _prepend, "update_parameters", "import os\nos._exit(3)",
             Expectation({"test_update_parameters"}, note="kernel died"))):
        nb = copy.deepcopy(source)
        edit(nb, function, code)
        submit(student, nb, expectation)

    # test cells deleted, duplicated and retyped as markdown: all restored from the gradebook, all graded
    nb = copy.deepcopy(source)
    nb.cells.remove(_cells(nb, "test_forward_propagation")[0])
    test = _cells(nb, "test_backward_propagation")[0]
    duplicate = copy.deepcopy(test)
    duplicate.id = f"{test.id}-copy"  # JupyterLab gives a copied cell an id of its own
    nb.cells.insert(nb.cells.index(test), duplicate)
    test = _cells(nb, "test_compute_cost")[0]
    index = nb.cells.index(test)
    nb.cells[index] = nbformat.v4.new_markdown_cell(test.source, metadata=test.metadata)
    submit("edited-tests", nb, Expectation(set()))

    # wrong answers behind monkeypatched comparisons and a redefined AssertionError: they lose their cells anyway
    nb = copy.deepcopy(source)
    _answer(nb, "backward_propagation", MISTAKES["backward_propagation"][0])
    _append(nb, "compute_cost", """
import ffnn.check, ffnn.compare
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
ffnn.check.compare = lambda *args, **kwargs: True
ffnn.compare.compare = lambda *args, **kwargs: True
ffnn.check.Checker.__call__ = lambda *args, **kwargs: True
ffnn.check.Checker.judge = lambda *args, **kwargs: None
""")
    _answer(nb, "update_parameters", MISTAKES["update_parameters"][0])
    _append(nb, "update_parameters", """
import builtins
class AssertionError(Exception):
    pass
builtins.AssertionError = AssertionError
""")
    submit("monkeypatch", nb, Expectation({"test_backward_propagation", "test_update_parameters"},
                                          feedback=["forgot the 1/m factor", "gradient DESCENT subtracts"]))

    # reads what it must not: solutions, the course's configuration, the reference, other submissions, answers
    nb = copy.deepcopy(source)
    other = folder / "reference" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    _append(nb, "layer_sizes", f"""
import os
for path in ["{SOURCE}", "{ROOT / 'grader' / 'nbgrader_config.py'}", "{ROOT / 'shared' / 'ffnn' / 'reference' / 'two_layer.py'}"]:
    try:
        print(open(path).read()[:3000])
    except OSError as error:
        print("cannot read", path, type(error).__name__)
print(sorted(os.listdir(".")))
get_ipython().events.register("pre_run_cell", lambda info: print(info.raw_cell))
targets = ["{other}", "{folder}"]
for top in ["/tmp", "/var/tmp", "/dev/shm", "/run", "{folder.parent}"]:
    for dirpath, dirnames, filenames in os.walk(top):
        targets += [os.path.join(dirpath, f) for f in filenames if f in ("answers.json", "gradebook.db")
                    or f.endswith(".ipynb")]
for target in targets:
    if "/site-packages/" in target:  # the Python installation (nbgrader's own test files): nothing of ours
        continue
    try:
        with open(target, "rb") as handle:
            handle.read(100)
        if "/reference/" in target or target.endswith(("answers.json", "gradebook.db")):
            print("LEAK" + "ED", target)
    except OSError as error:
        print("cannot read", target, type(error).__name__)
""")
    submit("reads-secrets", nb, Expectation(set(), leaks=hidden, output_leaks=[solution_line, "LEAKED"]))

    nb = copy.deepcopy(source)
    _answer(nb, "backward_propagation", """
from ffnn.reference import two_layer as _reference
backward_propagation = _reference.backward_propagation
""")
    submit("calls-reference", nb, Expectation({"test_backward_propagation"}))

    nb = copy.deepcopy(source)
    _answer(nb, "backward_propagation", """
import json as _json, ffnn as _ffnn, os as _os
from ffnn.encoding import decode as _decode
from ffnn.compare import compare as _compare
_stored = _json.load(open(_os.path.join(_os.path.dirname(_ffnn.__file__), "fixtures", "two_layer.json")))
def backward_propagation(parameters, caches, X, Y):
    for case in _stored["functions"]["backward_propagation"]["cases"]:
        if _compare(_decode(case["args"])["X"], X):
            return _decode(case["expected"])
    return {k: np.zeros_like(parameters[k[1:]]) for k in ("dW1", "db1", "dW2", "db2")}
""")
    submit("hardcodes-visible", nb, Expectation({"test_backward_propagation"}))

    nb = copy.deepcopy(source)
    _answer(nb, "compute_cost", MISTAKES["compute_cost"][0])
    _append(nb, "compute_cost", """
import ffnn.grading
ffnn.grading.hidden_tests = lambda *args, **kwargs: True
""")
    # every hidden test from here on records nothing, so every later graded cell scores 0: tampering pays nothing
    submit("patches-hidden-tests", nb, Expectation({"test_compute_cost", "test_backward_propagation",
                                                    "test_update_parameters", "test_nn_model", "test_predict"},
                                                   feedback="did not record any result"))

    nb = copy.deepcopy(source)
    _answer(nb, "forward_propagation", """
def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.column_stack(list(map(np.tanh, Z1.T)))
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = 1 / (1 + np.exp(-Z2))
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    return A2, [((X, W1, b1), (Z1, A1)), ((A1, W2, b2), (Z2, A2))]
""")
    submit("disguised-loop", nb, Expectation({"test_forward_propagation"}, feedback="it calls map"))

    nb = copy.deepcopy(source)
    _answer(nb, "forward_propagation", """
import ffnn.record
ffnn.record.count_user_lines = lambda function, *args, **kwargs: (function(*args, **kwargs), 1)
def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.zeros_like(Z1)
    for i in range(X.shape[1]):
        A1[:, i] = np.tanh(Z1[:, i])
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = 1 / (1 + np.exp(-Z2))
    W1, b1, W2, b2 = parameters["W1"], parameters["b1"], parameters["W2"], parameters["b2"]
    return A2, [((X, W1, b1), (Z1, A1)), ((A1, W2, b2), (Z2, A2))]
""")
    # the line counter was replaced: no vectorization check can be trusted, so every vectorized function fails it
    submit("fakes-line-count", nb, Expectation({"test_forward_propagation", "test_compute_cost",
                                                "test_backward_propagation", "test_predict"},
                                               feedback="the grader's line counter"))

    nb = copy.deepcopy(source)
    _answer(nb, "predict", """
def predict(parameters, X):
    A1 = np.tanh(parameters["W1"] @ X + parameters["b1"])
    A2 = 1 / (1 + np.exp(-(parameters["W2"] @ A1 + parameters["b2"])))
    return (A2 > 0.5).astype(int)
""")
    submit("inline-predict", nb, Expectation(set()))  # does forward_propagation's work itself: correct too

    for student, expectation in hostile(source, folder, gradebook_path).items():
        submit(student, expectation.notebook, expectation)

    if only is not None:
        return expected
    (folder / "corrupted" / ASSIGNMENT).mkdir(parents=True)
    (folder / "corrupted" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_text('{"cells": [ this is not json')
    expected["corrupted"] = Expectation({"all"}, note="not a readable notebook")

    (folder / "missing" / ASSIGNMENT).mkdir(parents=True)
    (folder / "missing" / ASSIGNMENT / "notes.txt").write_text("I forgot to upload the notebook")
    expected["missing"] = Expectation({"all"}, note="is missing")

    # uploaded under another name, next to a file too big to grade
    submit("renamed", copy.deepcopy(source), Expectation(set(), note="renamed notebook"),
           name=f"{ASSIGNMENT} (1).ipynb")
    with open(folder / "renamed" / ASSIGNMENT / "big.bin", "wb") as handle:
        handle.truncate(30 * 1024 * 1024)
    expected["renamed"].note = "ignored big.bin"
    return expected


#: Replaces every callable whose name contains "check" or "close" in every loaded module: the kernel's messaging
#: breaks, so it never answers again (it used to hold a grading worker for the whole notebook cap).
BREAK_MESSAGING = """
import sys
def _nothing(*args, **kwargs):
    return None
for _module in list(sys.modules.values()):
    for _name in list(getattr(_module, "__dict__", {})):
        if ("check" in _name.lower() or "close" in _name.lower()) and callable(getattr(_module, _name, None)):
            try:
                setattr(_module, _name, _nothing)
            except Exception:
                pass
"""

STARTUP_FILE = ".ipython/profile_default/startup/00-ffnn-corpus.py"


def hostile(source, folder: Path, gradebook_path: str) -> dict:
    """The submissions that attacked plain `nbgrader autograde` (the formgrader's Autograde button) before it
    graded in the sandbox, plus the kernel-breaking and forged-metadata ones: {student: Expectation (.notebook)}."""
    cases = {}

    def case(student, nb, expectation):
        expectation.notebook = nb
        cases[student] = expectation

    # deletes the gradebook, appends to the course package, poisons IPython's startup folder in every home it knows
    nb = copy.deepcopy(source)
    _append(nb, "layer_sizes", f"""
import os
for attempt in (lambda: open("{gradebook_path}", "w").write("gone"), lambda: os.remove("{gradebook_path}")):
    try:
        attempt()
        print("changed the gradebook")
    except OSError as error:
        print("gradebook untouched:", type(error).__name__)
for _path in ["{ROOT / 'shared' / 'ffnn' / 'check.py'}", "{ROOT / 'shared' / 'ffnn' / '__init__.py'}"]:
    try:
        with open(_path, "a") as _handle:
            _handle.write("\\n# tampered by a submission\\n")
        print("TAMPERED", _path)
    except OSError as _error:
        print("cannot write", _path, type(_error).__name__)
for _home in [os.path.expanduser("~"), "/root", "{Path.home()}"]:
    _path = os.path.join(_home, "{STARTUP_FILE}")
    try:
        os.makedirs(os.path.dirname(_path), exist_ok=True)
        with open(_path, "w") as _handle:
            _handle.write("import numpy\\nnumpy.dot = lambda *a, **k: 0\\n")
    except OSError as _error:
        print("cannot write", _path, type(_error).__name__)
""")
    case("attacks-files", nb, Expectation(set(), output_leaks=["TAMPERED", "changed the gradebook"]))

    nb = copy.deepcopy(source)
    _append(nb, "layer_sizes", BREAK_MESSAGING)
    # the cell that broke the kernel is recorded as failed and left out after the restart: layer_sizes is never
    # defined, so its own test fails; nn_model's tests replace it by a stand-in
    case("breaks-messaging", nb, Expectation({"test_layer_sizes"}, note="kernel stopped answering"))

    nb = copy.deepcopy(source)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            meta.update({"grade": True, "points": 1000})
    case("forged-metadata", nb, Expectation(set(), note="metadata was altered by hand"))

    # correct answers under a NumPy that raises on every floating-point warning
    nb = copy.deepcopy(source)
    _append(nb, "layer_sizes", 'np.seterr(all="raise")')
    case("monkeypatch-correct", nb, Expectation(set()))

    nb = copy.deepcopy(source)
    nb.cells.append(nbformat.v4.new_code_cell("import os\nos._exit(0)"))
    case("exits-at-the-end", nb, Expectation(set(), note="kernel died"))
    return cases


def points(notebook=SOURCE) -> dict:
    """{grade_id: points} of the notebook's graded test cells."""
    nb = nbformat.read(notebook, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"]) for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


if __name__ == "__main__":
    import sys
    target = Path(sys.argv[1])
    print(json.dumps({k: sorted(v.lost) for k, v in build(target).items()}, indent=1))
