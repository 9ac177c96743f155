"""The cost curve as an SVG chart, in plain SVG text (no plotting library): each page's p95
against the number of messages, both axes logarithmic, one line per page.

    python -m bench.chart            # bench/curve.json -> bench/curve.svg
"""

from __future__ import annotations

import json
import math
import os
import sys
from html import escape
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLOURS = (
    "#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93",
    "#00798c", "#8c564b", "#e377c2", "#555555", "#bcbd22", "#17becf",
)  # fmt: skip
WIDTH, HEIGHT = 1000, 520
LEFT, RIGHT, TOP, BOTTOM = 70, 400, 50, 60  # margins; the legend sits on the right


def _ticks(low: float, high: float) -> list[float]:
    """1-2-5 steps across [low, high] on a log axis."""
    found = []
    for power in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for step in (1, 2, 5):
            value = step * 10.0**power
            if low <= value <= high:
                found.append(value)
    return found


def svg(curve: dict[str, Any]) -> str:
    sizes = curve["sizes"]
    xs = [s["messages"] for s in sizes]
    names = list(sizes[0]["pages"])
    values = [s["pages"][n]["p95"] for s in sizes for n in names]
    y_low, y_high = min(values) / 1.3, max(values) * 1.3
    x_low, x_high = min(xs) / 1.6, max(xs) * 1.6
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(v: float) -> float:
        return LEFT + plot_w * math.log(v / x_low) / math.log(x_high / x_low)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - math.log(v / y_low) / math.log(y_high / y_low))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12" role="img" '
        'aria-labelledby="title">',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<title id="title">p95 per page against messages in the shop ({escape(curve["date"])})'
        "</title>",
        f'<text x="{LEFT}" y="24" font-size="15" font-weight="bold">p95 (ms) of each page '
        f"against messages in the shop, PostgreSQL</text>",
        f'<text x="{LEFT}" y="40" fill="#555">{escape(curve["date"])}; both axes logarithmic'
        "</text>",
    ]
    for v in _ticks(y_low, y_high):
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#e3e3e3"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>'
        )
    for v in xs:
        out.append(
            f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{TOP}" y2="{TOP + plot_h}" '
            'stroke="#e3e3e3"/>'
            f'<text x="{x(v):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{v:,}</text>'
        )
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#999"/>'
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 16}" text-anchor="middle">messages</text>'
        f'<text transform="translate(18 {TOP + plot_h / 2}) rotate(-90)" '
        'text-anchor="middle">p95 ms</text>'
    )
    for i, name in enumerate(names):
        colour = COLOURS[i % len(COLOURS)]
        points = [(x(s["messages"]), y(s["pages"][name]["p95"])) for s in sizes]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points]
        first, last = sizes[0]["pages"][name]["p95"], sizes[-1]["pages"][name]["p95"]
        label = f"{sizes[0]['pages'][name]['label']} ({last / first:.2f}×)"
        ly = TOP + 10 + i * 20
        out.append(
            f'<line x1="{WIDTH - RIGHT + 15}" x2="{WIDTH - RIGHT + 35}" y1="{ly}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="3"/>'
            f'<text x="{WIDTH - RIGHT + 40}" y="{ly + 4}" font-size="11">{escape(label)}</text>'
        )
    note = "(×: p95 at the largest size / p95 at the smallest)"
    ly = TOP + 10 + len(names) * 20
    out.append(
        f'<text x="{WIDTH - RIGHT + 15}" y="{ly + 4}" font-size="11" fill="#555">{note}</text>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_chart(curve: dict[str, Any], path: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write(svg(curve))


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    source = args[0] if args else os.path.join(ROOT, "bench", "curve.json")
    target = args[1] if len(args) > 1 else os.path.join(ROOT, "bench", "curve.svg")
    with open(source) as found:
        write_chart(json.load(found), target)
    print(f"Wrote {target}")


if __name__ == "__main__":
    main()
