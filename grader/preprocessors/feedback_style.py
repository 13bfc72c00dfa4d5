"""Feedback step: the course's few style rules for the feedback page, after nbconvert's own CSS.

Long lines of a failure message (and of code) wrap instead of running off the right edge or into a box the keyboard
cannot scroll; display formulas (MathML) are centred, and one wider than a narrow window scrolls sideways in its own
box (MathAsMathML lets the keyboard reach it), not the whole page; the note of ExplainHiddenFailures stands out from
the outputs around it. And what axe-core found on the page as nbgrader and nbconvert style it
(tests/browser/test_formgrader.py checks): links told apart from text by more than colour, and text colours with a
contrast of at least 4.5:1 on their backgrounds (the score rows' links, the "(Top)" links on the blue cell headings,
and every Pygments colour too light on the code background, darkened until it reaches 4.5:1, computed from the CSS
nbconvert inlines).
"""

from __future__ import annotations

import re

from nbgrader.preprocessors import NbGraderPreprocessor

#: The background of code cells in nbconvert's classic page, and the contrast WCAG 2 asks of normal text.
CODE_BACKGROUND = "#f5f5f5"
MINIMUM_CONTRAST = 4.5

CSS = """
div.output_area pre, div.output_subarea pre, div.input_area pre { white-space: pre-wrap; overflow-wrap: anywhere; }
math[display="block"] { display: block; margin: 0.6em 0; text-align: center; max-width: 100%; overflow-x: auto; }
p.ffnn-hidden-note { border-left: 4px solid #b35806; padding: 0.3em 0.7em; margin: 0.4em 0; background: #fdf3e7; }
a { text-decoration: underline; }
#toc a, .rendered_html a { color: #1d4f7c; }
body div.nbgrader_cell .panel-heading a { color: #ffffff; }  /* after nbgrader's own #BBBBBB rule */
"""


def _rrggbb(colour: str) -> str:
    """#rgb or #rrggbb as #rrggbb."""
    return "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour


def _luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a #rgb or #rrggbb colour."""
    colour = _rrggbb(colour)
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    high, low = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(colour: str, background: str = CODE_BACKGROUND) -> str:
    """``colour``, darkened in steps of 4 % until its contrast on ``background`` reaches MINIMUM_CONTRAST."""
    rgb = [int(_rrggbb(colour)[i:i + 2], 16) for i in (1, 3, 5)]
    while contrast("#%02x%02x%02x" % tuple(rgb), background) < MINIMUM_CONTRAST + 0.05:
        rgb = [int(c * 0.96) for c in rgb]
    return "#%02x%02x%02x" % tuple(rgb)


def code_colour_fixes(css: str) -> str:
    """Rules that darken each Pygments token colour of ``css`` that is too light on the code background."""
    fixes = []
    rule = r"(\.highlight \.[\w-]+)\s*\{[^}]*?(?<![-\w])color:\s*(#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})\b)"
    for selector, colour in re.findall(rule, css):
        if contrast(colour, CODE_BACKGROUND) < MINIMUM_CONTRAST:
            fixes.append(f"body {selector} {{ color: {readable(colour)}; }}")
    return "\n".join(fixes)



class FeedbackStyle(NbGraderPreprocessor):
    """Runs after nbconvert's CSSHTMLHeaderPreprocessor, which fills resources['inlining']['css']."""

    def preprocess(self, nb, resources):
        inlined = resources.setdefault("inlining", {}).setdefault("css", [])
        inlined.append(CSS + code_colour_fixes("\n".join(inlined)))
        return nb, resources
