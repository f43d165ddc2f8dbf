"""Where to draw an entity's neighbourhood: the entity in the middle, its nearest linked
things on an ellipse around it, and every label where it covers no other. Only geometry
here; the SVG is a template, so every label is escaped like the rest of the page."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .entity_view import EntityView, Value

WIDTH, HEIGHT = 860, 400
RX, RY = 220, 140  # the ellipse the neighbours sit on
LABEL_CHARS = 26
CENTRE_CHARS = 32
CENTRE_RISE = 16  # the entity's name sits this far above its node
NODE_GAP = 10  # between a neighbour's node and its name
# Text boxes, a little generously, at site.css's sizes (bold 13 px, 13 px, 11 px): (px per
# character, height). Chromium gives ~7.3, ~7.0 and ~6.5 px per character of these labels.
CENTRE_TEXT, NODE_TEXT, EDGE_TEXT = (8.0, 16.0), (7.6, 16.0), (7.0, 14.0)
ALONG = (0.5, 0.56, 0.62, 0.68, 0.74, 0.8, 0.44)  # where on its edge a property's name may go

Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True)
class Placed:
    value: Value
    text: str  # the label, cut to fit
    x: float
    y: float
    label_x: float
    label_y: float  # the baseline of the label
    anchor: str  # SVG text-anchor: labels on the left end at their node, on the right start
    edge: str  # the property's label
    edge_x: float
    edge_y: float
    edge_shown: bool  # False where no place on the edge is free (the line's title says it)
    outgoing: bool


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    cx: float
    cy: float
    centre: str
    nodes: list[Placed]
    rise: float = CENTRE_RISE


def cut(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def text_box(left: float, baseline: float, text: str, size: tuple[float, float]) -> Box:
    return (left, baseline - size[1] * 0.8, left + len(text) * size[0], baseline + size[1] * 0.2)


def centred_box(x: float, baseline: float, text: str, size: tuple[float, float]) -> Box:
    return text_box(x - len(text) * size[0] / 2, baseline, text, size)


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _node_label(x: float, y: float, cy: float, angle: float, text: str
                ) -> tuple[float, float, str, Box]:
    """(x, baseline, text-anchor, box) of a neighbour's name: beside its node on the left and
    right of the ellipse, above or below it at the top and bottom."""
    side = math.cos(angle)
    if abs(side) < 0.3:
        baseline = y - 12 if y < cy else y + 22
        return x, baseline, "middle", centred_box(x, baseline, text, NODE_TEXT)
    if side > 0:
        return x + NODE_GAP, y + 4, "start", text_box(x + NODE_GAP, y + 4, text, NODE_TEXT)
    width = len(text) * NODE_TEXT[0]
    return (x - NODE_GAP, y + 4, "end",
            text_box(x - NODE_GAP - width, y + 4, text, NODE_TEXT))


def layout(view: EntityView) -> Picture | None:
    if not view.neighbours:
        return None
    cx, cy = WIDTH / 2, HEIGHT / 2
    centre = cut(view.label, CENTRE_CHARS)
    taken = [centred_box(cx, cy - CENTRE_RISE, centre, CENTRE_TEXT)]
    count = len(view.neighbours)
    spots = []
    for i, (value, _via, _outgoing) in enumerate(view.neighbours):
        angle = -math.pi / 2 + 2 * math.pi * i / count
        x, y = cx + RX * math.cos(angle), cy + RY * math.sin(angle)
        text = cut(value.text)
        label = _node_label(x, y, cy, angle, text)
        taken.append(label[3])
        spots.append((x, y, text, label))
    nodes = []
    for (value, via, outgoing), (x, y, text, label) in zip(view.neighbours, spots, strict=True):
        edge = cut(via.text, 24)
        # the property's name as near the middle of its edge as the other names allow
        free = next((t for t in ALONG if not any(overlap(
            centred_box(cx + t * (x - cx), cy + t * (y - cy), edge, EDGE_TEXT), box)
            for box in taken)), None)
        t = ALONG[0] if free is None else free
        if free is not None:
            taken.append(centred_box(cx + t * (x - cx), cy + t * (y - cy), edge, EDGE_TEXT))
        nodes.append(Placed(value, text, round(x, 1), round(y, 1), round(label[0], 1),
                            round(label[1], 1), label[2], edge, round(cx + t * (x - cx), 1),
                            round(cy + t * (y - cy), 1), free is not None, outgoing))
    return Picture(WIDTH, HEIGHT, cx, cy, centre, nodes)
