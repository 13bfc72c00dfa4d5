"""Feedback step: the course's few style rules for the feedback page, after nbconvert's own CSS.

Long lines of a failure message wrap instead of running off the right edge; display formulas (MathML) are
centred; the note of ExplainHiddenFailures stands out from the outputs around it.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

CSS = """
div.output_area pre, div.output_subarea pre { white-space: pre-wrap; overflow-wrap: anywhere; }
math[display="block"] { display: block; margin: 0.6em 0; text-align: center; }
p.ffnn-hidden-note { border-left: 4px solid #b35806; padding: 0.3em 0.7em; margin: 0.4em 0; background: #fdf3e7; }
"""


class FeedbackStyle(NbGraderPreprocessor):
    """Runs after nbconvert's CSSHTMLHeaderPreprocessor, which fills resources['inlining']['css']."""

    def preprocess(self, nb, resources):
        resources.setdefault("inlining", {}).setdefault("css", []).append(CSS)
        return nb, resources
