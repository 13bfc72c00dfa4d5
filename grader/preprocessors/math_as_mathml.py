"""Feedback step: the notebook's LaTeX ($...$ and $$...$$ in Markdown cells) rendered as MathML.

nbconvert's HTML loads MathJax from a CDN, so offline (and in many classrooms) students saw raw `$$...$$`. MathML is
drawn by the browser itself (Chromium, Firefox, Safari) and read by screen readers; latex2mathml converts each
formula when the page is written. A formula it cannot convert stays readable as its LaTeX source in a code span.
The page template (grader/templates/feedback/) then loads no MathJax at all.
"""

from __future__ import annotations

import html
import re

from nbgrader.preprocessors import NbGraderPreprocessor

#: Code spans and fenced blocks keep their dollars; then display math; then inline math (not an escaped \$).
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$(?!\$)", re.S)


#: latex2mathml lays out `align*` as a table but draws `aligned`'s & as letters on one line: same meaning, its form.
SAME_LAYOUT = {r"\begin{aligned}": r"\begin{align*}", r"\end{aligned}": r"\end{align*}"}


def to_mathml(latex: str, display: str) -> str:
    from latex2mathml.converter import convert
    for theirs, ours in SAME_LAYOUT.items():
        latex = latex.replace(theirs, ours)
    try:
        mathml = convert(latex.strip(), display=display)
    except Exception:  # noqa: BLE001 - an unsupported command: show the source rather than lose the formula
        return f'<code class="latex">{html.escape(latex.strip())}</code>'
    # a display formula wider than the window scrolls in its own box (FeedbackStyle): the keyboard must reach it
    return mathml.replace("<math ", '<math tabindex="0" ', 1) if display == "block" else mathml


def render_math(markdown: str) -> str:
    """``markdown`` with every formula outside code replaced by MathML (display formulas as blocks)."""
    pieces, last = [], 0
    for code in CODE.finditer(markdown):
        pieces.append(_render(markdown[last:code.start()]))
        pieces.append(code.group(0))
        last = code.end()
    pieces.append(_render(markdown[last:]))
    return "".join(pieces)


def _render(text: str) -> str:
    text = DISPLAY.sub(lambda m: "\n\n" + to_mathml(m.group(1), "block") + "\n\n", text)
    return INLINE.sub(lambda m: to_mathml(m.group(1), "inline"), text)


class MathAsMathML(NbGraderPreprocessor):

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and "$" in cell.source:
            cell.source = render_math(cell.source)
        return cell, resources
