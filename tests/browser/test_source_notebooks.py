"""Every source notebook shows in JupyterLab with every plot drawn, and axe-core finds no serious or critical
accessibility problem in what the course wrote (its Markdown and outputs). The last notebook is run top to bottom in
the browser, all its tests passing, and Validate says so; the others show their recorded outputs, which
tests/test_notebooks.py reproduces under nbval (running all five here too would cost the suite about a minute and
a half on two cores, for code that nbval and the student pages' runs already execute)."""

from __future__ import annotations

import re

import nbformat
import pytest

from browser_pages import (ARTIFACTS, accessibility_problems, cell_report, course, nbgrader_meta, open_notebook,
                           run_all, validate)


@pytest.mark.parametrize("assignment", course.ASSIGNMENTS)
def test_source_notebook_draws_every_plot_and_the_last_runs_every_test(browser, source_server, assignment):
    nb = nbformat.read(course.source_notebook(assignment), as_version=4)
    page = open_notebook(browser, source_server, f"{assignment}/{assignment}.ipynb")
    run_here = assignment == course.ASSIGNMENTS[-1]
    try:
        if run_here:
            run_all(page, timeout_s=300, name=f"{assignment}-source")
        cells = cell_report(page)
        assert len(cells) == len(nb.cells)
        shots = 0
        for index, (cell, shown) in enumerate(zip(nb.cells, cells)):
            name = nbgrader_meta(cell).get("grade_id", f"cell {index}")
            assert not shown["error"], f"{assignment}, {name} failed in the browser: {shown['output'][-800:]}"
            if cell.cell_type == "code" and cell.source.strip():
                assert re.search(r"\[\d+\]", shown["prompt"]), \
                    f"{assignment}, {name} shows no execution count ({shown['prompt']!r})"
            if cell.cell_type == "code" and cell.source.strip().endswith("plt.show()"):
                assert shown["images"] >= 1, f"{assignment}, {name}: the plot did not render"
                image = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index) \
                    .locator(".jp-OutputArea-output img").first
                image.screenshot(path=str(ARTIFACTS / f"{assignment}-plot-{shots:02d}-{name}.png"))
                shots += 1
        assert shots >= 3, f"{assignment}: only {shots} plots"
        problems = accessibility_problems(page, "lab", f"{assignment}-source")
        assert not problems, f"{assignment} in JupyterLab:\n" + "\n".join(problems)
        if run_here:
            text = validate(page, f"{assignment}-source")
            assert "Success! Your notebook passes all the tests." in text, text[:500]
    finally:
        page.close()
