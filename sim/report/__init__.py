"""The self-contained HTML report of a sweep directory. Imports everything below it
(config, experiment, analysis, viz), never the dashboard or the command line.

- ``build``: :func:`build_report`, the page's frame and provenance;
- ``sections``: the paired-effect and sweep sections;
- ``designs``: the sensitivity and discovery sections;
- ``html``: :func:`~sim.report.html.render` (templates to markup), tables, number
  formatting and embedded figures;
- ``templates/``: the Jinja2 templates (package data), where all the markup lives.
"""

from sim.report.build import build_report

__all__ = ["build_report"]
