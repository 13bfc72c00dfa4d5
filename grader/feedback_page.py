"""The feedback page's exporter: nbconvert's HTML exporter that can reach nbgrader's own page templates.

The course's page (grader/templates/feedback/) changes two things of nbgrader's feedback page and extends it for the
rest. nbgrader asks for the template named "feedback" (NbGraderAPI.generate_feedback sets that name), so the course's
folder has that name and comes first in ``extra_template_basedirs``; nbgrader's own page is then reached as
"nbgrader/feedback/index.html.j2" through a prefixed loader, which nbconvert accepts only as a constructor argument
(``extra_loaders`` is not configurable), hence this subclass. grader/nbgrader_config.py sets it as
``GenerateFeedback.exporter_class``, so `make feedback`, `nbgrader generate_feedback` and the formgrader's button
write the same page.
"""

from __future__ import annotations

import os

import nbgrader
from nbconvert.exporters import HTMLExporter
from traitlets import default

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
#: nbgrader's own page templates (the formgrader's and the feedback page's).
NBGRADER_TEMPLATES = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates")


class FeedbackExporter(HTMLExporter):

    def from_notebook_node(self, nb, resources=None, **kw):
        """The page, with the language a screen reader needs to pronounce it (nbgrader's page template has none)."""
        output, resources = super().from_notebook_node(nb, resources, **kw)
        return output.replace("<html>", '<html lang="en">', 1), resources

    @default("extra_loaders")
    def _nbgrader_templates(self):
        from jinja2 import FileSystemLoader, PrefixLoader
        return [PrefixLoader({"nbgrader": FileSystemLoader(NBGRADER_TEMPLATES)})]
