"""Building blocks of report sections: the section record, figure saving, the palette and number
formatting. Every setting's report section (``bandits.report.<setting>``) uses these."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np

from bandits.core.atomic_files import atomic_write_bytes

__all__ = ["OKABE_ITO", "ReportSection", "format_count", "format_number", "legend_below", "loglog_slope", "marker_face", "mean_se",
           "plot_regret_curves", "policy_style", "policy_styles", "save_figure"]

#: Okabe & Ito (2008) colour-blind-safe palette, ordered so that the first six colours are far
#: apart (black sixth; sky blue, close to blue, seventh; yellow, faint on white, last).
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#000000", "#56B4E9", "#F0E442"]
_LINESTYLES = ["-", "--", "-.", ":"]


@dataclass
class ReportSection:
    """What one part of a report adds for one environment.

    Attributes
    ----------
    figures : list of str
        Names of figures saved with :func:`save_figure` (PNG and SVG in the result directory).
    tables : list of (title, header, rows)
        Markdown/HTML tables: ``header`` a list of column titles, ``rows`` lists of cells.
    notes : list of str
        Paragraphs (e.g. "Game-of-Arms uses the true gap: oracle information").
    """

    figures: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _family(label: str) -> str:
    """The algorithm of a policy label: its registry name, before the hyper-parameters."""
    return label.split("(")[0]


def _lighter(colour: str, amount: float) -> str:
    """``colour`` (#rrggbb) blended toward white by ``amount`` in [0, 1)."""
    channels = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02X}" for c in channels)


def policy_styles(labels) -> list:
    """Colour and line style of every policy of a configuration, from its labels: one colour per
    algorithm (registry name) in order of first appearance, and one line style per variant of
    it (``log_memory`` solid, ``log_memory(paper_accounting=True)`` dashed), so that twelve
    policies that are six algorithms under two accountings read as six colours. Beyond four
    variants of one algorithm the line styles repeat in a lighter shade of its colour. When the
    algorithms outnumber the palette, the policies are coloured by position instead."""
    labels = list(labels)
    families = list(dict.fromkeys(_family(label) for label in labels))
    if len(families) > len(OKABE_ITO):
        return [policy_style(p) for p in range(len(labels))]
    seen: dict = {}
    styles = []
    for label in labels:
        v = seen.get(_family(label), 0)
        seen[_family(label)] = v + 1
        colour = OKABE_ITO[families.index(_family(label))]
        shade = min(0.6, 0.3 * (v // len(_LINESTYLES)))
        styles.append({"color": _lighter(colour, shade) if shade else colour,
                       "linestyle": _LINESTYLES[v % len(_LINESTYLES)]})
    return styles


def marker_face(style: dict) -> str:
    """Face colour of a policy's markers: its colour for an algorithm's first variant (a solid
    line), white (an open marker) for the others, so that variants stay apart where there are no
    lines to tell them by (points, categorical axes)."""
    return style["color"] if style.get("linestyle", "-") == "-" else "white"


def policy_style(index: int, labels=None) -> dict:
    """Colour and line style of the policy at position ``index`` of a configuration: the same
    policy has the same colour in every figure of a report. Given the configuration's
    ``labels``, the style of :func:`policy_styles` (a colour per algorithm, a line style per
    variant); without them, by position."""
    if labels is not None:
        return policy_styles(labels)[index]
    return {"color": OKABE_ITO[index % len(OKABE_ITO)], "linestyle": _LINESTYLES[(index // len(OKABE_ITO)) % 4]}


def plot_regret_curves(ax, result, labels=None, curves=None) -> None:
    """Draw every policy's mean cumulative regret over replications against the record points,
    with a 95% confidence band (mean ± 1.96 standard errors; no band with one replication), in
    the report's colours (:func:`policy_styles`).

    Parameters
    ----------
    ax : matplotlib Axes
    result : RunResult
        From :func:`bandits.run` (or an environment of :func:`bandits.load_results`).
    labels : list of str, optional
        Legend labels, one per policy (default: ``result.policy_labels``); the colours follow
        ``result.policy_labels``.
    curves : ndarray (policy, replication, record point), optional
        Another per-replication quantity to draw the same way (default:
        ``result.cumulative_regret``).
    """
    t = result.record_points
    curves = result.cumulative_regret if curves is None else curves
    styles = policy_styles(result.policy_labels)
    n = curves.shape[1]
    for p, label in enumerate(labels if labels is not None else result.policy_labels):
        mean = curves[p].mean(axis=0)
        ax.plot(t, mean, label=label, **styles[p])
        if n > 1:
            half = 1.96 * curves[p].std(axis=0, ddof=1) / math.sqrt(n)
            ax.fill_between(t, mean - half, mean + half, color=styles[p]["color"], alpha=0.2, linewidth=0)


def legend_below(fig, ax) -> None:
    """The legend of ``ax`` under the axes, outside them, so that it never covers a curve
    (constrained layout makes room for it); two columns when the labels are short enough to
    fit."""
    handles, labels = ax.get_legend_handles_labels()
    columns = 2 if len(labels) > 3 and max(len(label) for label in labels) <= 36 else 1
    fig.legend(handles, labels, loc="outside lower center", ncols=columns, fontsize=9, frameon=False)


def save_figure(fig, out, name) -> str:
    """Save a matplotlib figure as ``name.png`` (256 colours) and ``name.svg`` in ``out``
    (atomically); return ``name``. The layout engine (constrained layout) runs once, for the
    PNG; the SVG reuses the positions it found (they do not depend on the resolution)."""
    atomic_write_bytes(out / f"{name}.png", _palette_png(fig, dpi=130))
    fig.set_layout_engine("none")  # keep the positions just computed
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg")
    atomic_write_bytes(out / f"{name}.svg", buffer.getvalue())
    return name


def _palette_png(fig, dpi: int) -> bytes:
    """The figure as a PNG with a 256-colour palette (Pillow's fast octree, no dithering): a
    third of the size of matplotlib's RGBA file, indistinguishable on a plot of flat colours, so
    that a report of twelve environments stays a page a browser opens at once; and faster than
    matplotlib's own PNG, the pixels coming raw from the Agg renderer."""
    from PIL import Image  # matplotlib's own dependency

    buffer = io.BytesIO()
    fig.savefig(buffer, format="raw", dpi=dpi)
    raw = buffer.getvalue()
    size = (int(fig.get_figwidth() * dpi), int(fig.get_figheight() * dpi))  # Agg truncates, as here
    if len(raw) == 4 * size[0] * size[1]:
        image = Image.frombuffer("RGBA", size, raw, "raw", "RGBA", 0, 1).convert("RGB")
    else:  # a size computed otherwise: decode matplotlib's PNG instead
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    quantized = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    # the octree averages the background with the lightest anti-aliased pixels (254, 254, 254):
    # entries that close to white are white again, so that the figure sits flush on the page
    palette = quantized.getpalette()
    for i in range(0, len(palette), 3):
        if min(palette[i:i + 3]) >= 250:
            palette[i:i + 3] = [255, 255, 255]
    quantized.putpalette(palette)
    buffer = io.BytesIO()
    quantized.save(buffer, format="PNG")
    return buffer.getvalue()


def loglog_slope(record_points, mean_regret, *, decades: float = 1.0) -> float:
    """Least-squares slope of log(mean regret) on log t over the last ``decades`` of record points
    (points with zero regret are skipped); NaN when fewer than two usable points."""
    t = np.asarray(record_points, dtype=float)
    y = np.asarray(mean_regret, dtype=float)
    keep = (t >= t[-1] / 10**decades) & (y > 0)
    if keep.sum() < 2:
        return math.nan
    return float(np.polyfit(np.log(t[keep]), np.log(y[keep]), 1)[0])


def format_count(value: int) -> str:
    """A count for people: thousands separators below 10^6 (12,500), else a mantissa and a
    power of ten (1.25 x 10^17)."""
    value = int(value)
    if abs(value) < 10**6:
        return f"{value:,}"
    mantissa, exponent = f"{value:.3e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa} × 10^{int(exponent)}" if mantissa != "1" else f"10^{int(exponent)}"


def format_number(value: float) -> str:
    """Two decimals below 10^7, four significant digits in scientific notation above (streaming
    regrets reach 10^13)."""
    return f"{value:.2f}" if abs(value) < 1e7 else f"{value:.4e}"


def mean_se(values, digits: int = 3, notation: str = "g") -> str:
    """``"mean ± standard error"`` of ``values`` (sample standard deviation / sqrt(n)), both with
    ``digits`` significant digits (``notation="g"``) or decimals (``"f"``); the mean alone for one
    value; a standard error below 1e-12 of the mean (values equal up to rounding) is shown as 0."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return f"{values.mean():.{digits}{notation}}"
    mean = values.mean()
    se = values.std(ddof=1) / np.sqrt(values.size)
    if se <= 1e-12 * abs(mean):  # equal values up to rounding: say so, not "± 1e-13"
        se = 0.0
    return f"{mean:.{digits}{notation}} ± {se:.{digits}{notation}}"
