"""The student-facing helpers work without the reference solutions (what a student release ships)."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import ffnn

PACKAGE = Path(ffnn.__file__).parent

SCRIPT = textwrap.dedent("""
    import sys, numpy as np
    import matplotlib; matplotlib.use("Agg")
    import ffnn, ffnn.data, ffnn.plots, ffnn.metrics, ffnn.validation
    from ffnn.check import Checker
    from ffnn.compare import AnswerError
    assert ffnn.__file__.startswith(sys.argv[1]), ffnn.__file__
    try:
        import ffnn.reference
    except ImportError:
        pass
    else:
        raise SystemExit("the reference is importable from the student copy")
    X, Y = ffnn.data.flower()
    ffnn.plots.scatter_classes(X, Y)
    check = Checker("deep")
    def relu(Z):
        return np.maximum(Z, 0)
    check(relu)
    def relu_backward(dA, Z):
        return dA * (Z >= 0)
    try:
        check(relu_backward)
    except AnswerError as error:
        assert "derivative at Z == 0 is 0" in str(error), error
    else:
        raise SystemExit("a wrong relu_backward passed")
    print("student package OK")
""")


def test_helpers_import_and_check_without_the_reference(tmp_path):
    copy = tmp_path / "ffnn"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("reference", "__pycache__"))
    assert not (copy / "reference").exists()
    result = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r}); "
                             + "exec(sys.stdin.read())", str(copy)], input=SCRIPT, capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "student package OK" in result.stdout


def test_student_modules_never_import_the_reference():
    modules = [m for m in PACKAGE.rglob("*.py") if "reference" not in m.relative_to(PACKAGE).parts]
    assert PACKAGE / "plots" / "classifiers.py" in modules  # the subpackages are scanned too
    for module in modules:
        text = module.read_text()
        # hidden_tests and hidden_prediction import the reference only where no grader set FFNN_HIDDEN_CASES
        # (instructors, CI); students' copies have no reference to import
        exempt = {"grading.py": "        from .reference.local_grading import grade  # instructors' and CI's kernels",
                  "predictions.py": "    from .reference.predictions import verdict  # instructors' and CI's kernels"}
        if module.name in exempt:
            assert exempt[module.name] in text, module.name
            text = text.replace(exempt[module.name], "")
        assert "from .reference" not in text and "import ffnn.reference" not in text, module.name
        assert "from ffnn.reference" not in text, module.name


def test_fixtures_hold_numbers_not_code():
    for fixture in (PACKAGE / "fixtures").glob("*.json"):
        text = fixture.read_text()
        assert "def " not in text and "import " not in text, fixture.name
