"""A small SVG plotting kit for the report's charts: axes, ticks, bars, lines, legends.

The report's charts are simple (bars, lines, a band, a gauge), so they are written as SVG
directly instead of through matplotlib: importing matplotlib and drawing five figures cost
more than the whole assessment. The look follows matplotlib's defaults (DejaVu Sans, 10 pt
tick and axis labels, 12 pt titles, black spines, outward ticks, framed legends) so the
report looks as it did. Units are points (1/72 in), as in matplotlib's SVG output; a
figure size given in inches is multiplied by 72.

Text width is estimated (no font metrics are loaded), which is enough to place labels and
margins; the SVG keeps its text as text, so it stays small, searchable and accessible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

__all__ = ["Axes", "Canvas", "nice_ticks", "text_width", "tick_labels"]

FONT = "DejaVu Sans, Bitstream Vera Sans, Verdana, Arial, Helvetica, sans-serif"
TICK_LEN = 3.5
TICK_PAD = 3.5
LABEL_PAD = 4.0
TITLE_PAD = 6.0
TAB10 = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
_DASH = {"-": "", "--": "3.7,1.6", ":": "1,1.65", "-.": "6.4,1.6,1,1.6"}


def text_width(s: str, size: float) -> float:
    """Estimated width of ``s`` in DejaVu Sans at ``size`` points (average advance ~0.6 em)."""
    narrow = sum(ch in "ijlt.,:;|!'()[] " for ch in s)
    wide = sum(ch in "mwMW@%" or ch.isupper() for ch in s)
    return size * (0.6 * len(s) - 0.28 * narrow + 0.18 * wide)


def nice_ticks(lo: float, hi: float, max_ticks: int = 9) -> list[float]:
    """Ticks at 1, 2, 2.5 or 5 x 10^k within ``[lo, hi]`` (matplotlib's MaxNLocator idea)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(1, max_ticks - 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw * (1 - 1e-9))
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [round(k * step, 12) + 0.0 for k in range(first, last + 1)]


def tick_labels(ticks: Sequence[float]) -> list[str]:
    """Labels with the fewest decimals that tell the ticks apart (``0.75``, ``0.80``, ...)."""
    for dec in range(7):
        labels = [f"{t:.{dec}f}" for t in ticks]
        if all(
            abs(float(lab) - t) < 1e-9 * max(1.0, abs(t))
            for lab, t in zip(labels, ticks, strict=True)
        ):
            return [lab.replace("-", "\u2212") for lab in labels]
    return [f"{t:g}" for t in ticks]


def _f(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


@dataclass
class Canvas:
    """An SVG document of ``width`` x ``height`` points; elements are appended in order."""

    width: float
    height: float
    label: str = ""
    parts: list[str] = field(default_factory=list)

    def rect(self, x: float, y: float, w: float, h: float, fill: str, opacity: float = 1.0) -> None:
        if w < 0:
            x, w = x + w, -w
        if h < 0:
            y, h = y + h, -h
        op = f' fill-opacity="{_f(opacity)}"' if opacity < 1 else ""
        self.parts.append(
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" fill="{fill}"{op}/>'
        )

    def line(
        self,
        points: Sequence[tuple[float, float]],
        color: str,
        width: float = 1.5,
        style: str = "-",
        opacity: float = 1.0,
    ) -> None:
        dash = _DASH.get(style, "")
        attrs = ""
        if dash:
            pattern = ",".join(_f(float(d) * width) for d in dash.split(","))
            attrs = f' stroke-dasharray="{pattern}"'
        if opacity < 1:
            attrs += f' stroke-opacity="{_f(opacity)}"'
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
        self.parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{color}" '
            f'stroke-width="{_f(width)}" stroke-linejoin="round" stroke-linecap="butt"{attrs}/>'
        )

    def polygon(
        self, points: Sequence[tuple[float, float]], fill: str, opacity: float = 1.0
    ) -> None:
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
        op = f' fill-opacity="{_f(opacity)}"' if opacity < 1 else ""
        self.parts.append(f'<polygon points="{pts}" fill="{fill}"{op}/>')

    def marker(self, x: float, y: float, shape: str, color: str, size: float = 6.0) -> None:
        r = size / 2
        if shape == "s":
            self.parts.append(
                f'<rect x="{_f(x - r)}" y="{_f(y - r)}" width="{_f(size)}" height="{_f(size)}" '
                f'fill="{color}"/>'
            )
        else:
            self.parts.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" fill="{color}"/>')

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float = 10.0,
        anchor: str = "middle",
        color: str = "#000000",
        rotate: float = 0.0,
        baseline: str = "alphabetic",
    ) -> None:
        """Text at (x, y); ``baseline`` "middle" or "hanging" moves it like dominant-baseline."""
        # dominant-baseline is not honoured everywhere (PDF renderers): shift by hand instead
        dy = {"middle": 0.35 * size, "hanging": 0.76 * size}.get(baseline, 0.0)
        rot = f' transform="rotate({_f(rotate)} {_f(x)} {_f(y)})"' if rotate else ""
        fill = f' fill="{color}"' if color != "#000000" else ""
        self.parts.append(
            f'<text x="{_f(x)}" y="{_f(y + dy)}" font-size="{_f(size)}" '
            f'text-anchor="{anchor}"{fill}{rot}>{escape(s)}</text>'
        )

    def svg(self) -> str:
        label = escape(self.label, quote=True)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(self.width)}pt" '
            f'height="{_f(self.height)}pt" viewBox="0 0 {_f(self.width)} {_f(self.height)}" '
            f'role="img" aria-label="{label}" font-family="{FONT}">'
            f'<rect width="100%" height="100%" fill="#ffffff"/>' + "".join(self.parts) + "</svg>"
        )


@dataclass
class Axes:
    """A plotting area at (``left``, ``top``) of ``width`` x ``height`` points on a canvas,
    mapping data limits ``xlim`` and ``ylim`` onto it (y grows upwards)."""

    canvas: Canvas
    left: float
    top: float
    width: float
    height: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    occupied: list[tuple[float, float, float, float]] = field(default_factory=list)

    def x(self, v: float) -> float:
        lo, hi = self.xlim
        return self.left + (v - lo) / ((hi - lo) or 1.0) * self.width

    def y(self, v: float) -> float:
        lo, hi = self.ylim
        return self.top + self.height - (v - lo) / ((hi - lo) or 1.0) * self.height

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def clip_x(self, v: float) -> float:
        return min(max(self.x(v), self.left), self.right)

    def clip_y(self, v: float) -> float:
        return min(max(self.y(v), self.top), self.bottom)

    # -- marks ------------------------------------------------------------------------------

    def bar(self, x: float, height: float, bottom: float, width: float, color: str) -> None:
        x0, x1 = self.x(x - width / 2), self.x(x + width / 2)
        y0, y1 = self.y(bottom), self.y(bottom + height)
        self.canvas.rect(x0, y1, x1 - x0, y0 - y1, color)
        self.occupied.append((x0, min(y0, y1), x1, max(y0, y1)))

    def barh(self, y: float, width: float, left: float, height: float, color: str) -> None:
        x0, x1 = self.x(left), self.x(left + width)
        y0, y1 = self.y(y + height / 2), self.y(y - height / 2)
        self.canvas.rect(x0, y0, x1 - x0, y1 - y0, color)
        self.occupied.append((min(x0, x1), y0, max(x0, x1), y1))

    def plot(
        self,
        xs: Sequence[float],
        ys: Sequence[float],
        color: str,
        style: str = "-",
        marker: str = "",
        width: float = 1.5,
    ) -> None:
        pts = [(self.x(a), self.y(b)) for a, b in zip(xs, ys, strict=True)]
        self.occupied.extend((px, py, px, py) for px, py in pts)
        if len(pts) > 1:
            self.canvas.line(pts, color, width, style)
        if marker:
            for px, py in pts:
                self.canvas.marker(px, py, marker, color)

    def fill_between(
        self, xs: Sequence[float], ys: Sequence[float], color: str, opacity: float
    ) -> None:
        if len(xs) < 2:
            return
        pts = [(self.x(a), self.y(b)) for a, b in zip(xs, ys, strict=True)]
        base = self.y(max(0.0, self.ylim[0]))
        self.occupied.extend((px, py, px, base) for px, py in pts)
        self.canvas.polygon([(pts[0][0], base), *pts, (pts[-1][0], base)], color, opacity)

    def axhline(self, v: float, color: str, style: str = "-", width: float = 1.5) -> None:
        if self.ylim[0] <= v <= self.ylim[1]:
            self.canvas.line([(self.left, self.y(v)), (self.right, self.y(v))], color, width, style)

    def axvline(self, v: float, color: str, style: str = "-", width: float = 1.5) -> None:
        if self.xlim[0] <= v <= self.xlim[1]:
            self.canvas.line([(self.x(v), self.top), (self.x(v), self.bottom)], color, width, style)

    def axhspan(self, lo: float, hi: float, color: str, opacity: float = 1.0) -> None:
        y0, y1 = self.clip_y(hi), self.clip_y(lo)
        if y1 > y0:
            self.canvas.rect(self.left, y0, self.width, y1 - y0, color, opacity)

    def axvspan(self, lo: float, hi: float, color: str, opacity: float = 1.0) -> None:
        x0, x1 = self.clip_x(lo), self.clip_x(hi)
        if x1 > x0:
            self.canvas.rect(x0, self.top, x1 - x0, self.height, color, opacity)

    # -- furniture --------------------------------------------------------------------------

    def frame(self) -> None:
        c = self.canvas
        c.parts.append(
            f'<rect x="{_f(self.left)}" y="{_f(self.top)}" width="{_f(self.width)}" '
            f'height="{_f(self.height)}" fill="none" stroke="#000000" stroke-width="0.8"/>'
        )

    def xticks(self, ticks: Sequence[float], labels: Sequence[str] | None = None) -> None:
        labels = tick_labels(ticks) if labels is None else labels
        for t, lab in zip(ticks, labels, strict=True):
            px = self.x(t)
            self.canvas.line([(px, self.bottom), (px, self.bottom + TICK_LEN)], "#000000", 0.8)
            if lab:
                self.canvas.text(px, self.bottom + TICK_LEN + TICK_PAD, lab, baseline="hanging")

    def yticks(
        self,
        ticks: Sequence[float],
        labels: Sequence[str] | None = None,
        side: str = "left",
    ) -> float:
        """Draw y ticks; returns the width taken by the labels."""
        labels = tick_labels(ticks) if labels is None else labels
        sign = -1.0 if side == "left" else 1.0
        edge = self.left if side == "left" else self.right
        for t, lab in zip(ticks, labels, strict=True):
            py = self.y(t)
            self.canvas.line([(edge, py), (edge + sign * TICK_LEN, py)], "#000000", 0.8)
            self.canvas.text(
                edge + sign * (TICK_LEN + TICK_PAD),
                py,
                lab,
                anchor="end" if side == "left" else "start",
                baseline="middle",
            )
        return max((text_width(s, 10) for s in labels), default=0.0)

    def xlabel(self, s: str, color: str = "#000000", below: float = 0.0) -> None:
        y = self.bottom + TICK_LEN + TICK_PAD + 10 + LABEL_PAD + below
        self.canvas.text(self.left + self.width / 2, y, s, color=color, baseline="hanging")

    def ylabel(self, s: str, offset: float, side: str = "left", color: str = "#000000") -> None:
        """Rotated label ``offset`` points outside the spine (beyond the tick labels)."""
        # read bottom to top on both sides, as matplotlib does; glyphs rise towards -x
        if side == "left":
            x = self.left - TICK_LEN - TICK_PAD - offset - LABEL_PAD - 2.4
        else:
            x = self.right + TICK_LEN + TICK_PAD + offset + LABEL_PAD + 7.6
        self.canvas.text(x, self.top + self.height / 2, s, color=color, rotate=-90)

    def title(self, s: str) -> None:
        self.canvas.text(self.left + self.width / 2, self.top - TITLE_PAD, s, size=12)

    def legend(
        self,
        items: Sequence[tuple[str, str, str]],
        loc: str = "best",
        size: float = 8.0,
    ) -> None:
        """Framed legend; ``items`` are (label, color, kind) with kind "patch" (or
        "patch:0.4" for a translucent one), or a line style ("-", "--", ":") optionally
        followed by a marker ("o", "s"). ``loc="best"`` takes the corner that covers the
        least of what was drawn."""
        if not items:
            return
        pad, handle, gap, row = 0.4 * size, 2.0 * size, 0.8 * size, 1.25 * size
        w = pad * 2 + handle + gap + max(text_width(s, size) for s, _, _ in items)
        h = pad * 2 + row * len(items) - (row - size)
        inset = 0.5 * size

        def corner(where: str) -> tuple[float, float]:
            x = self.right - inset - w if "right" in where else self.left + inset
            return x, (self.top + inset if "upper" in where else self.bottom - inset - h)

        if loc == "best":
            corners = ("upper right", "upper left", "lower left", "lower right")
            loc = min(corners, key=lambda k: self._covered(*corner(k), w, h))
        x, y = corner(loc)
        self.canvas.parts.append(
            f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" rx="2" '
            'fill="#ffffff" fill-opacity="0.8" stroke="#cccccc" stroke-width="0.8"/>'
        )
        for i, (label, color, kind) in enumerate(items):
            cy = y + pad + i * row + size / 2
            _legend_handle(self.canvas, x + pad, cy, handle, size, color, kind)
            self.canvas.text(
                x + pad + handle + gap, cy, label, size=size, baseline="middle", anchor="start"
            )

    def _covered(self, x: float, y: float, w: float, h: float) -> float:
        """How much of what was drawn a box at (x, y) of w x h would hide (area, points)."""
        total = 0.0
        for x0, y0, x1, y1 in self.occupied:
            dx = min(x1, x + w) - max(x0, x)
            dy = min(y1, y + h) - max(y0, y)
            if dx >= 0 and dy >= 0:
                total += max(dx, 1.0) * max(dy, 1.0)
        return total


def _legend_handle(
    c: Canvas, x: float, cy: float, handle: float, size: float, color: str, kind: str
) -> None:
    if kind.startswith("patch"):
        opacity = float(kind.split(":")[1]) if ":" in kind else 1.0
        c.rect(x, cy - 0.35 * size, handle, 0.7 * size, color, opacity)
        return
    style = kind.rstrip("os") or "-"
    c.line([(x, cy), (x + handle, cy)], color, 1.5, style)
    if kind[-1:] in ("o", "s"):
        c.marker(x + handle / 2, cy, kind[-1], color)


def legend_row(
    canvas: Canvas,
    items: Sequence[tuple[str, str, str]],
    cx: float,
    y: float,
    size: float = 8.0,
) -> None:
    """A frameless legend in one row centred at ``cx`` (matplotlib's ``ncols`` legend)."""
    handle, gap, sep = 2.0 * size, 0.8 * size, 2.0 * size
    widths = [handle + gap + text_width(s, size) for s, _, _ in items]
    x = cx - (sum(widths) + sep * (len(items) - 1)) / 2
    for (label, color, kind), w in zip(items, widths, strict=True):
        _legend_handle(canvas, x, y, handle, size, color, kind)
        canvas.text(x + handle + gap, y, label, size=size, baseline="middle", anchor="start")
        x += w + sep
