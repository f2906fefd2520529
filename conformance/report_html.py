"""report.html: the appraisal record as one self-contained HTML file (inline CSS, no script, no network).

Rendered with jinja2 and autoescape on, from the same :class:`conformance.report_model.ReportView` as
report.pdf. Evidence links are paths relative to the output folder, which is the root of bundle.zip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from conformance.report_model import ReportView, build_view
from conformance.resources import data

TEMPLATE = "report.html.j2"
STYLE = "report.css"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FunctionLoader(lambda name: data("reports", name).read_text("utf-8")),
                              autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)


def render_view(view: ReportView) -> str:
    css = data("reports", STYLE).read_text("utf-8")
    return _environment().get_template(TEMPLATE).render(v=view, css=css)


def render_html(document: dict[str, Any], secrets: set[str] | None = None) -> str:
    return render_view(build_view(document, secrets))


def write_html(document: dict[str, Any], out_dir: Path, secrets: set[str] | None = None) -> Path:
    path = out_dir / "report.html"
    path.write_text(render_html(document, secrets), encoding="utf-8")
    return path
