"""Every source notebook runs in JupyterLab in the browser with all its tests passing and every plot drawn, and
axe-core finds no serious or critical accessibility problem in what the course wrote (its Markdown and outputs)."""

from __future__ import annotations

import nbformat
import pytest

from browser_pages import (ARTIFACTS, accessibility_problems, cell_report, course, nbgrader_meta, open_notebook,
                           run_all, validate)


@pytest.mark.parametrize("assignment", course.ASSIGNMENTS)
def test_source_notebook_passes_every_test_and_draws_every_plot(browser, source_server, assignment):
    nb = nbformat.read(course.source_notebook(assignment), as_version=4)
    page = open_notebook(browser, source_server, f"{assignment}/{assignment}.ipynb")
    try:
        run_all(page, timeout_s=300, name=f"{assignment}-source")
        cells = cell_report(page)
        assert len(cells) == len(nb.cells)
        shots = 0
        for index, (cell, shown) in enumerate(zip(nb.cells, cells)):
            name = nbgrader_meta(cell).get("grade_id", f"cell {index}")
            assert not shown["error"], f"{assignment}, {name} failed in the browser: {shown['output'][-800:]}"
            if cell.cell_type == "code" and cell.source.strip().endswith("plt.show()"):
                assert shown["images"] >= 1, f"{assignment}, {name}: the plot did not render"
                image = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index) \
                    .locator(".jp-OutputArea-output img").first
                image.screenshot(path=str(ARTIFACTS / f"{assignment}-plot-{shots:02d}-{name}.png"))
                shots += 1
        assert shots >= 3, f"{assignment}: only {shots} plots"
        problems = accessibility_problems(page, "lab", f"{assignment}-source")
        assert not problems, f"{assignment} in JupyterLab:\n" + "\n".join(problems)
        if assignment == course.ASSIGNMENTS[-1]:
            text = validate(page, f"{assignment}-source")
            assert "Success! Your notebook passes all the tests." in text, text[:500]
    finally:
        page.close()
