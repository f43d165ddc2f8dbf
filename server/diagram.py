"""Where to draw an entity's neighbourhood: the entity in the middle, its nearest linked
things on an ellipse around it. Only geometry here; the SVG is a template, so every label
is escaped like the rest of the page."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .entity_view import EntityView, Value

WIDTH, HEIGHT = 860, 400
RX, RY = 220, 140  # the ellipse the neighbours sit on
LABEL_CHARS = 26


@dataclass(frozen=True)
class Placed:
    value: Value
    text: str  # the label, cut to fit
    x: float
    y: float
    edge: str  # the property's label
    edge_x: float
    edge_y: float
    outgoing: bool
    anchor: str  # SVG text-anchor: labels on the left end at their node, on the right start


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    cx: float
    cy: float
    centre: str
    nodes: list[Placed]


def cut(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def layout(view: EntityView) -> Picture | None:
    if not view.neighbours:
        return None
    cx, cy = WIDTH / 2, HEIGHT / 2
    count = len(view.neighbours)
    nodes = []
    for i, (value, via, outgoing) in enumerate(view.neighbours):
        angle = -math.pi / 2 + 2 * math.pi * i / count
        x, y = cx + RX * math.cos(angle), cy + RY * math.sin(angle)
        side = math.cos(angle)
        anchor = "middle" if abs(side) < 0.3 else ("start" if side > 0 else "end")
        nodes.append(Placed(value, cut(value.text), round(x, 1), round(y, 1),
                            cut(via.text, 24), round((cx + x) / 2, 1), round((cy + y) / 2, 1),
                            outgoing, anchor))
    return Picture(WIDTH, HEIGHT, cx, cy, cut(view.label, 40), nodes)
