"""Sanitizing step: every nbgrader cell's metadata comes from the gradebook's record of the source notebook.

A student can edit a notebook's JSON by hand: turn answer cells into graded cells worth 1000 points, unlock a test
cell, retype it, duplicate a grade_id, or leave metadata without a grade_id. nbgrader's own sanitizing steps stop
on some of these (the submission is then not graded at all) and trust others. Here, before them, each cell whose
grade_id the source has gets exactly the source's metadata (cell type, grade and solution flags, points, lock,
checksum), keeping the student's text only in answer cells; metadata naming no source cell, or a grade_id already
seen, is dropped (the cell stays, as a cell the student added). The submission is then graded normally, with a
note that its metadata was altered.
"""

from __future__ import annotations

from nbgrader.api import Gradebook, MissingEntry

from .course_step import CourseStep


def source_metadata(gradebook, notebook_id, assignment_id) -> dict:
    """{grade_id: (cell_type, nbgrader metadata)} as generate_assignment recorded the source notebook."""
    notebook = gradebook.find_notebook(notebook_id, assignment_id)
    grades = {c.name: c for c in notebook.grade_cells}
    solutions = {c.name for c in notebook.solution_cells}
    tasks = {c.name: c for c in notebook.task_cells}
    recorded = {}
    for cell in notebook.source_cells:
        meta = {"grade": cell.name in grades, "grade_id": cell.name, "locked": bool(cell.locked),
                "schema_version": 3, "solution": cell.name in solutions, "task": cell.name in tasks}
        if cell.checksum:
            meta["checksum"] = cell.checksum
        if cell.name in grades:
            meta["points"] = grades[cell.name].max_score
        elif cell.name in tasks:
            meta["points"] = tasks[cell.name].max_score
        recorded[cell.name] = (cell.cell_type, meta)
    return recorded


#: What a student's notebook must agree on with the source. Checksums are restored too, not compared: the student
#: version's test cells are checksummed without their hidden tests, and the source itself has none.
_COMPARED = ("grade", "solution", "task", "locked", "points")


class RestoreSourceMetadata(CourseStep):
    """See the module's docstring."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        try:
            with Gradebook(info["db_url"]) as gradebook:
                recorded = source_metadata(gradebook, info["notebook"], info["assignment"])
        except MissingEntry:
            return nb, resources  # an unknown notebook: nbgrader skips it anyway
        seen, altered = set(), []
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if meta is None:
                continue
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if not isinstance(grade_id, str) or grade_id not in recorded or grade_id in seen:
                cell.metadata.pop("nbgrader")
                altered.append(f"{grade_id or 'a cell without grade_id'} (metadata dropped: "
                               f"{'a second copy' if grade_id in seen else 'no such cell in the source'})")
                continue
            seen.add(grade_id)
            cell_type, original = recorded[grade_id]
            changed = [key for key in _COMPARED if _value(meta, key) != _value(original, key)]
            if cell.cell_type != cell_type:
                changed.append(f"cell type {cell.cell_type} instead of {cell_type}")
                _retype(cell, cell_type)
            if changed:
                altered.append(f"{grade_id} ({', '.join(changed)})")
            cell.metadata["nbgrader"] = dict(original)
            if original["locked"] or original["grade"] and not original["solution"]:
                cell.metadata["deletable"] = False
                cell.metadata["editable"] = False
        if altered:
            self.note(f"its nbgrader metadata was altered by hand and was restored from the source "
                      f"({len(altered)} cell(s): {'; '.join(altered[:4])}{' ...' if len(altered) > 4 else ''})")
        return nb, resources


def _value(meta, key):
    value = meta.get(key, False if key in ("grade", "solution", "task", "locked") else None)
    if key == "points":
        try:
            return float(value)
        except (TypeError, ValueError):
            return value
    return value


def _retype(cell, cell_type):
    from nbformat.v4 import new_code_cell, new_markdown_cell
    fresh = new_code_cell(cell.source) if cell_type == "code" else new_markdown_cell(cell.source)
    fresh.metadata = cell.metadata
    cell.clear()
    cell.update(fresh)
