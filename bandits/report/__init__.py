"""Reports from a result directory: figures (PNG and SVG), ``report.md`` and a self-contained
``report.html``.

:func:`write_report` is the entry point. :mod:`bandits.report.regret` draws what every setting
shares (regret curves with 95% confidence bands, log-log slopes against the theoretical rate,
final-regret distributions and tables); ``bandits.report.<setting>`` adds each setting's own
figures and tables, found through the setting registry; :mod:`bandits.report.sections` holds the
building blocks (palette, figure saving, number formatting).
"""

from __future__ import annotations

__all__ = ["write_report", "ReportSection", "save_figure", "loglog_slope", "OKABE_ITO", "plot_regret_curves",
           "policy_styles"]

_EXPORTS = {
    "write_report": "bandits.report.page",
    "ReportSection": "bandits.report.sections",
    "save_figure": "bandits.report.sections",
    "loglog_slope": "bandits.report.sections",
    "OKABE_ITO": "bandits.report.sections",
    "plot_regret_curves": "bandits.report.sections",
    "policy_styles": "bandits.report.sections",
}


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'bandits.report' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
