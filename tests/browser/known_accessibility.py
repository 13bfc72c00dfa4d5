"""Accessibility problems axe-core finds in the pages of the tools the course runs on, not in its own content.

The browser tests run axe-core (axe-playwright-python) on every source notebook in JupyterLab, the feedback page,
the grades and similarity reports and the formgrader. Every serious or critical violation must match an entry here,
with the upstream issue where it is tracked, or the test fails: the course's own content (the notebooks' Markdown and
outputs, the pages the course writes) has none of its own, and this table stays the complete list of the tools'
(README.md, "Accessibility", shows it). The one entry inside the course's content is how JupyterLab renders an
image output: without the alt text the course supplies.

Each entry: (page, axe rule id, a pattern the offending element's HTML matches, upstream link, what it is). The
patterns name the tool's elements, so that a new kind of element with the same rule is reported, not excused. An
entry excuses a violation inside the course's own content (a notebook's Markdown and outputs) only if it is in
IN_COURSE_CONTENT: the tool's way of showing that content, which the course cannot change. nbgrader has no issue
for its pages' accessibility (its tracker searched on 2026-11-30); its entries link to that search.
"""

from __future__ import annotations

JUPYTERLAB_A11Y = "https://github.com/jupyterlab/jupyterlab/issues/9399"
NBGRADER_ISSUES = "https://github.com/jupyter/nbgrader/issues?q=is%3Aissue+accessibility"

# A table, one row per known problem: its rows share one shape on purpose (a duplicate-code finder pairs them).
KNOWN = [
    ("lab", "image-alt", r'^<img src="data:image/png', "https://github.com/jupyter/enhancement-proposals/issues/120",
     "JupyterLab does not use an output's alt metadata for the image it shows (no standard yet); the course puts each "
     "figure's description there (the feedback page uses it) and prints it as a 'Figure:' caption above the figure"),
    ("lab", "aria-input-field-name", r"cm-content", "https://github.com/codemirror/dev/issues/1127",
     "JupyterLab gives CodeMirror's cell editors no accessible name"),
    ("lab", "scrollable-region-focusable", r"cm-scroller", JUPYTERLAB_A11Y,
     "a read-only cell editor's scroll area cannot take keyboard focus"),
    ("lab", "aria-allowed-attr", r"<jp-button", JUPYTERLAB_A11Y,
     "toolbar buttons (jp-button) carry aria-pressed, which their role does not allow"),
    ("lab", "aria-required-children", r"jp-WindowedPanel-viewport", JUPYTERLAB_A11Y,
     "the notebook's cell list has role feed without article children"),
    ("lab", "select-name", r'^<select class="jp-mod-styled"', JUPYTERLAB_A11Y,
     "the notebook toolbar's cell-type drop-down (Code/Markdown/Raw) has no accessible name; axe finds it only when "
     "the toolbar was drawn before the page settled, so it shows on some runs and not others"),
    ("lab", "button-name", r"jp-collapseHeadingButton", JUPYTERLAB_A11Y,
     "the button that collapses a Markdown heading has no text"),
    ("formgrader", "html-has-lang", r"<html", NBGRADER_ISSUES, "the formgrader's pages do not declare a language"),
    ("formgrader", "list", r"<ul class=\"nav", NBGRADER_ISSUES,
     "the side and bottom menus' lists hold other elements than items"),
    ("formgrader", "link-in-text-block", r'^<a (class="anchor-link"|href="https?://nbgrader\.readthedocs)',
     NBGRADER_ISSUES,
     "links in text (the anchors beside a submission's headings, the exchange warning's link) differ by colour only"),
    ("formgrader", "scrollable-region-focusable", r"^<pre", NBGRADER_ISSUES,
     "in a submission, long output lines scroll sideways in a box the keyboard cannot reach"),
    ("formgrader", "link-name", r"glyphicon", NBGRADER_ISSUES, "icon-only edit and link buttons have no text"),
    ("formgrader", "nested-interactive", r"panel-heading", NBGRADER_ISSUES,
     "collapsible panel headings contain links"),
    ("formgrader", "color-contrast",
     r'^<(a\b|li class="active"|span class="label|button class="btn|span class="(c1|ow|nb|k|o|mi|mf|s1|s2|sd|p|n)")',
     NBGRADER_ISSUES, "Bootstrap 3's link, breadcrumb, label and button colours, and the Pygments colours of a "
     "submission's code, are below 4.5:1"),
]


#: (page, rule) of the entries that may excuse a violation inside the course's own content.
IN_COURSE_CONTENT = {("lab", "image-alt")}


def known(page: str, rule: str, html: str) -> tuple | None:
    import re
    for entry in KNOWN:
        if entry[0] == page and entry[1] == rule and re.search(entry[2], html):
            return entry
    return None
