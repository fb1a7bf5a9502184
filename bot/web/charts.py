"""Charts drawn on the server as inline SVG, so a page shows them with no script and no CDN.

Here is the geometry: where each bar, point, band and cell goes, in the SVG's own units. The
drawing is in templates/_charts.html, whose macros also write each chart's title, a sentence
saying what it shows, and the same figures as a table for screen readers and for printing.
Figures are percentages (0 to 100) or None for "nothing to show yet", which is drawn as a gap
or a blank cell and never as zero.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 600  # the viewBox width; the SVG scales to its box
PLOT_LEFT, PLOT_RIGHT = 36, 8  # room for the axis labels on the left
LINE_HEIGHT, LINE_TOP, LINE_BOTTOM = 180, 10, 24
CELL, CELL_GAP, ROW_LABEL, COLUMN_LABEL = 28, 2, 150, 90
BULLET_HEIGHT, BULLET_BAR = 24, 10
BAR_HEIGHT, BAR_GAP, BAR_LABEL = 22, 6, 190

# Predicted recall from red (likely forgotten) through amber to green (well remembered). Colour
# is never the only cue: each cell's title and the table beside the chart give the figure.
RECALL_SHADES = ((90, "#1a7f37"), (75, "#57a773"), (60, "#e0b23b"), (40, "#e07b39"), (0, "#c0392b"))


def percent_text(value: float | None, none: str = "not yet") -> str:
    """A figure as the charts' tables and tooltips write it."""
    return none if value is None else f"{round(value)}%"


@dataclass(frozen=True)
class Point:
    """One week (or other step) of a line: its label and value, where it is drawn."""

    label: str
    value: float | None
    x: float
    y: float | None


@dataclass(frozen=True)
class Band:
    """A stretch of the x axis shaded for a reason (a holiday, an INSET day)."""

    x: float
    width: float
    kind: str  # "holiday" or "inset"
    label: str


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class LineChart:
    points: list[Point]
    bands: list[Band]
    ticks: list[Tick]
    width: int
    height: int
    plot_bottom: float

    @property
    def segments(self) -> list[str]:
        """SVG path data, one piece per run of weeks with a value: a gap is not drawn across."""
        runs: list[list[Point]] = [[]]
        for point in self.points:
            if point.y is None:
                if runs[-1]:
                    runs.append([])
            else:
                runs[-1].append(point)
        return ["M " + " L ".join(f"{p.x:.1f} {p.y:.1f}" for p in run) for run in runs if run]

    @property
    def has_values(self) -> bool:
        return any(p.value is not None for p in self.points)

    def table_rows(self) -> list[tuple[str, ...]]:
        """Each step, its figure, and why it is shaded."""
        why = {round(b.x + b.width / 2, 1): b.label for b in self.bands}
        return [
            (p.label, percent_text(p.value, "–"), why.get(round(p.x, 1), "")) for p in self.points
        ]


def line_chart(
    steps: list[tuple[str, float | None]], bands: dict[int, tuple[str, str]] | None = None
) -> LineChart:
    """A line of percentages over steps (school weeks); `bands` shades steps by index with a
    kind and a label, e.g. {5: ("holiday", "Half term")}."""
    bands = bands or {}
    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    step = plot_width / max(len(steps), 1)
    bottom = LINE_HEIGHT - LINE_BOTTOM
    span = bottom - LINE_TOP

    def y_of(value: float) -> float:
        return bottom - span * max(0.0, min(value, 100.0)) / 100

    points = [
        Point(label, value, PLOT_LEFT + step * (i + 0.5), None if value is None else y_of(value))
        for i, (label, value) in enumerate(steps)
    ]
    shaded = [
        Band(PLOT_LEFT + step * i, step, kind, label)
        for i, (kind, label) in sorted(bands.items())
        if 0 <= i < len(steps)
    ]
    ticks = [Tick(value, y_of(value)) for value in (0, 50, 100)]
    return LineChart(points, shaded, ticks, WIDTH, LINE_HEIGHT, bottom)


@dataclass(frozen=True)
class Cell:
    row: int
    column: int
    x: float
    y: float
    value: float | None
    fill: str | None  # None: not yet asked, drawn blank


@dataclass(frozen=True)
class Heatmap:
    rows: list[str]
    columns: list[str]
    cells: list[Cell]
    width: int
    height: int
    cell: int
    column_x: list[float]
    row_y: list[float]

    def value(self, row: int, column: int) -> float | None:
        return self.cells[row * len(self.columns) + column].value

    def table_rows(self) -> list[tuple[str, ...]]:
        """Each row's figures, column by column; "not yet" where nothing was asked."""
        return [
            (name, *(percent_text(self.value(r, c)) for c in range(len(self.columns))))
            for r, name in enumerate(self.rows)
        ]


def recall_shade(value: float) -> str:
    """The colour for a predicted recall (percent)."""
    for least, colour in RECALL_SHADES:
        if value >= least:
            return colour
    return RECALL_SHADES[-1][1]


def heatmap(
    rows: list[str], columns: list[str], values: dict[tuple[int, int], float | None]
) -> Heatmap:
    """Rows (people) by columns (topics), each cell a percentage or None (blank)."""
    cells = []
    for r in range(len(rows)):
        for c in range(len(columns)):
            value = values.get((r, c))
            cells.append(
                Cell(
                    r,
                    c,
                    ROW_LABEL + c * (CELL + CELL_GAP),
                    COLUMN_LABEL + r * (CELL + CELL_GAP),
                    value,
                    None if value is None else recall_shade(value),
                )
            )
    width = ROW_LABEL + len(columns) * (CELL + CELL_GAP)
    height = COLUMN_LABEL + len(rows) * (CELL + CELL_GAP)
    column_x = [ROW_LABEL + c * (CELL + CELL_GAP) + CELL / 2 for c in range(len(columns))]
    row_y = [COLUMN_LABEL + r * (CELL + CELL_GAP) + CELL / 2 for r in range(len(rows))]
    return Heatmap(rows, columns, cells, width, height, CELL, column_x, row_y)


@dataclass(frozen=True)
class Bullet:
    """Progress against a target: a bar to the value and a mark at the target."""

    value: float | None
    target: float
    bar_width: float
    target_x: float
    width: int
    height: int
    bar: int


def bullet(value: float | None, target: float) -> Bullet:
    """A bullet chart on a 0 to 100 scale."""
    scale = (WIDTH - 2) / 100
    shown = 0.0 if value is None else max(0.0, min(value, 100.0))
    return Bullet(
        value,
        target,
        shown * scale,
        1 + max(0.0, min(target, 100.0)) * scale,
        WIDTH,
        BULLET_HEIGHT,
        BULLET_BAR,
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    y: float
    width: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int

    @property
    def has_values(self) -> bool:
        return any(b.value is not None for b in self.bars)

    def table_rows(self) -> list[tuple[str, ...]]:
        return [(b.label, percent_text(b.value, "–")) for b in self.bars]


def bar_chart(items: list[tuple[str, float | None]]) -> BarChart:
    """Horizontal bars of percentages, one per item, in the order given."""
    scale = (WIDTH - BAR_LABEL - 48) / 100
    bars = [
        Bar(
            label,
            value,
            i * (BAR_HEIGHT + BAR_GAP),
            0.0 if value is None else max(0.0, min(value, 100.0)) * scale,
        )
        for i, (label, value) in enumerate(items)
    ]
    height = max(len(items) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP, BAR_HEIGHT)
    return BarChart(bars, WIDTH, height, BAR_LABEL, BAR_HEIGHT)
