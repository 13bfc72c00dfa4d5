"""Every figure of the recorded notebooks has a text alternative: a printed "Figure: " caption in its cell, and the
same text as the alt of its image, which the feedback page writes into its <img> (ffnn.figure_text)."""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))
import course  # noqa: E402

CAPTION, CONTINUED = "Figure: ", "Figure, continued: "


def figures(nb):
    """(grade_id, alt, caption) for every image output: the caption is the text of the caption lines printed in
    its cell since the previous image, without their "Figure: " / "Figure, continued: " prefixes."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        lines = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                lines += [line for line in output.get("text", "").splitlines() if line.startswith("Figure")]
            elif "image/png" in output.get("data", {}):
                alt = output.get("metadata", {}).get("image/png", {}).get("alt")
                found.append((grade_id, alt, lines))
                lines = []
    return found


@pytest.mark.parametrize("assignment", course.ASSIGNMENTS)
def test_every_recorded_figure_has_a_caption_and_the_same_alt_text(assignment):
    found = figures(nbformat.read(course.source_notebook(assignment), as_version=4))
    assert found, f"{assignment} draws no figure"
    for grade_id, alt, lines in found:
        assert alt and alt.strip(), f"{grade_id}: its image has no alt text"
        assert lines and lines[0].startswith(CAPTION), f"{grade_id}: no 'Figure: ' caption printed before the image"
        assert all(line.startswith(CONTINUED) for line in lines[1:]), lines
        caption = " ".join(line.split(": ", 1)[1] for line in lines)
        assert caption == alt, f"{grade_id}: the printed caption and the alt text differ"
        assert "np.float64" not in alt and "array(" not in alt, f"{grade_id}: a NumPy repr in {alt!r}"


def test_the_feedback_page_writes_the_alt_text_into_each_image():
    """The page nbgrader's feedback step writes (grader/feedback_page.py, nbconvert's classic data_png block)."""
    import feedback_page
    nb = nbformat.read(course.source_notebook("01_two_layer_network"), as_version=4)
    for cell in nb.cells:                                      # what nbgrader's GetGrades adds
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata.nbgrader["score"] = 0
    bootstrap = Path(feedback_page.NBGRADER_TEMPLATES).parent / "static/node_modules/bootstrap/dist/css"
    exporter = feedback_page.FeedbackExporter(template_name="feedback", extra_template_paths=[str(bootstrap)],
                                              extra_template_basedirs=[feedback_page.TEMPLATES,
                                                                       feedback_page.NBGRADER_TEMPLATES])
    page, _ = exporter.from_notebook_node(nb, resources={"nbgrader": {
        "notebook": "01_two_layer_network", "score": 0, "max_score": 0, "late_penalty": 0}})
    images = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img":
                images.append(dict(attrs).get("alt"))

    Images().feed(page)
    assert images == [alt for _, alt, _ in figures(nb)]
