"""The feedback page's own steps (grader/preprocessors/): formulas as MathML, the note after a hidden failure."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))
from preprocessors.explain_hidden_failures import NOTE, ExplainHiddenFailures  # noqa: E402
from preprocessors.math_as_mathml import render_math  # noqa: E402

SOURCES = sorted((ROOT / "solutions").glob("*/*.ipynb"))


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_every_formula_of_the_course_becomes_mathml(source):
    """No formula is left as LaTeX (a $ outside code), falls back to its source, or draws an alignment mark."""
    cells = [c for c in json.loads(source.read_text())["cells"] if c["cell_type"] == "markdown"]
    formulas = 0
    for cell in cells:
        text = "".join(cell["source"])
        rendered = render_math(text)
        formulas += rendered.count("<math")
        outside_code = re.sub(r"```.*?```|`[^`\n]*`", "", rendered, flags=re.S)
        assert "$" not in outside_code.replace(r"\$", ""), text[:300]
        assert "<mi>&</mi>" not in rendered and "<mi>&amp;</mi>" not in rendered, text[:300]
        assert '<code class="latex">' not in rendered, f"a formula fell back to its LaTeX source: {text[:300]}"
    assert formulas >= 100, formulas


def test_display_math_is_a_block_and_code_keeps_its_dollars():
    rendered = render_math("Cost $J$ is\n$$J = \\frac{1}{m}\\sum_i L_i \\tag{5}$$\nand `x = '$5'` stays.")
    assert rendered.count("<math") == 2 and 'display="block"' in rendered and "<mtext>(5)</mtext>" in rendered
    assert "`x = '$5'`" in rendered


def _test_cell(outputs):
    cell = nbformat.v4.new_code_cell('"""f: the stored cases."""\nassert check(f)',
                                     metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "test_f"}})
    cell.outputs = outputs
    return cell


def test_a_hidden_failure_after_a_visible_pass_is_explained_once():
    passed = nbformat.v4.new_output("stream", name="stdout", text="f: all 2 checks passed.\n")
    failed = nbformat.v4.new_output("error", ename="HiddenTestFailure", evalue="f: wrong shape", traceback=[])
    nb = nbformat.v4.new_notebook(cells=[_test_cell([passed, failed]), _test_cell([failed]),
                                         _test_cell([passed])])
    nb, _ = ExplainHiddenFailures().preprocess(nb, {})
    first, second, third = (c.outputs for c in nb.cells)
    assert [o.output_type for o in first] == ["stream", "display_data", "error"]
    assert first[1].data["text/plain"] == NOTE
    assert [o.output_type for o in second] == ["error"] and [o.output_type for o in third] == ["stream"]


def test_a_formula_latex2mathml_cannot_read_stays_readable_as_its_source():
    rendered = render_math(r"the pair $\left( x$ is unbalanced")
    assert rendered == r'the pair <code class="latex">\left( x</code> is unbalanced'
