"""The pictures on the progress pages, each with the sentence that says what it shows: the
completion of each school week, recall by area of need, and a target against its threshold."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.weeks import HOLIDAY
from bot.services.progress import TargetLine
from bot.services.recall import FEWEST_PEOPLE, Forgotten, Remembered
from bot.services.sendco_overview import BriefingRead
from bot.services.weekly_completion import WeekFigures
from bot.web.charts import (
    BarChart,
    Bullet,
    Heatmap,
    LineChart,
    bar_chart,
    bullet,
    heatmap,
    line_chart,
)
from bot.web.templating import area_name


@dataclass(frozen=True)
class Drawn:
    """A chart and the sentence that says what it shows."""

    chart: object
    summary: str


def completion(weeks: list[WeekFigures], who: str = "The team") -> Drawn:
    """Answered of asked in each school week, closed weeks shaded."""
    steps = [(f"{w.week.monday:%-d %b}", w.percent) for w in weeks]
    bands = {i: (w.week.closed, w.week.why) for i, w in enumerate(weeks) if w.week.closed}
    chart: LineChart = line_chart(steps, bands)
    asked = sum(w.tally.asked for w in weeks)
    answered = sum(w.tally.answered for w in weeks)
    if not asked:
        return Drawn(chart, "No quiz questions were sent in this period yet.")
    closed = sum(1 for w in weeks if w.week.closed == HOLIDAY)
    sentence = (
        f"{who} answered {answered * 100 // asked}% of the {asked} questions sent over "
        f"{len(weeks)} week{'' if len(weeks) == 1 else 's'}"
    )
    last = next((w for w in reversed(weeks) if w.percent is not None), None)
    if last is not None:
        sentence += f"; {round(last.percent or 0)}% in the week of {last.week.monday:%-d %B}"
    if closed:
        sentence += f". {closed} week{' was' if closed == 1 else 's were'} a holiday"
    return Drawn(chart, sentence + ".")


def recall_by_area(
    names: list[tuple[int, str]], recall: dict[tuple[int, str], Remembered], areas: list[str]
) -> Drawn:
    """People (id, name) by areas of need, each cell their chance of recall now."""
    values = {
        (r, c): (recall[(staff_id, area)].percent if (staff_id, area) in recall else None)
        for r, (staff_id, _name) in enumerate(names)
        for c, area in enumerate(areas)
    }
    chart: Heatmap = heatmap([name for _, name in names], [area_name(a) for a in areas], values)
    if not any(v is not None for v in values.values()):
        return Drawn(chart, "Nobody has answered a question yet, so there is nothing to show.")
    means = {}
    for c, area in enumerate(areas):
        column = [values[(r, c)] for r in range(len(names)) if values[(r, c)] is not None]
        if column:
            means[area] = sum(column) / len(column)  # type: ignore[arg-type]
    weakest = min(means, key=lambda a: means[a])
    return Drawn(
        chart,
        f"Least well remembered now: {area_name(weakest).lower()}, "
        f"{round(means[weakest])}% likely to be recalled on average. A blank square is an "
        "area not yet asked about.",
    )


def my_recall(recall: dict[str, Remembered]) -> Drawn:
    """One person's areas of need, best remembered first, in kind words."""
    ordered = sorted(recall.items(), key=lambda item: -item[1].percent)
    chart: BarChart = bar_chart([(area_name(area), r.percent) for area, r in ordered])
    if not ordered:
        return Drawn(chart, "Once you have answered a few questions, this shows what you know.")
    best, _ = ordered[0]
    sentence = f"You know {area_name(best).lower()} best"
    if len(ordered) > 1:
        weakest, _ = ordered[-1]
        sentence += (
            f"; {area_name(weakest).lower()} is the one to refresh, so its questions come "
            "back to you sooner"
        )
    return Drawn(chart, sentence + ".")


def target_bullet(line: TargetLine) -> Drawn:
    """A target's measure so far against its threshold."""
    progress, target = line.progress, line.target
    chart: Bullet = bullet(progress.percent, float(target.threshold))
    if progress.percent is None:
        return Drawn(chart, f"Nothing measured yet; the target is {target.threshold}%.")
    return Drawn(
        chart,
        f"{progress.percent}% so far against a target of {target.threshold}%: "
        f"{progress.status.value}.",
    )


def briefings_read(briefings: list[BriefingRead]) -> Drawn:
    """The latest briefings, each the share of those it reached who said "Got it"."""
    chart: BarChart = bar_chart([(b.title, b.percent) for b in briefings])
    if not briefings:
        return Drawn(chart, "No briefing has gone out in this period yet.")
    reached = sum(b.reached for b in briefings)
    acknowledged = sum(b.acknowledged for b in briefings)
    return Drawn(
        chart,
        f"Of {reached} copies of the latest {len(briefings)} briefing"
        f"{'' if len(briefings) == 1 else 's'}, {acknowledged} "
        f"({acknowledged * 100 // reached}%) were marked read.",
    )


def forgotten_topics(topics: list[Forgotten]) -> Drawn:
    """The topics least likely to be recalled across staff now, lowest first."""
    chart: BarChart = bar_chart([(t.name, t.remembered.percent) for t in topics])
    if not topics:
        return Drawn(
            chart,
            f"Once at least {FEWEST_PEOPLE} people have answered questions on a topic, the "
            "topics the school is forgetting show here.",
        )
    first = topics[0]
    return Drawn(
        chart,
        f"Least likely to be recalled now: {first.name}, {round(first.remembered.percent)}% on "
        f"average across {first.remembered.people} staff.",
    )
