"""The dashboards (issue 13) in a real headless Chromium against a running demo sendbot with a
term of history: the line manager's /team, a person's /me, the SENDCO's overview /sendco and the
question bank filtered, each at a desktop's width (1280 px) and a phone's (390 px). Each page
draws its charts from real figures, gives each chart a text alternative (the SVG's <title> and
<desc>, and its figures as a table folded in details.chart-figures), never scrolls sideways on
the phone, and axe-core finds nothing serious or critical. The team table is sorted, a chart's
figures opened, the bank filtered and a question's options unfolded with the keyboard alone.

Full-page screenshots of each page at each width are kept as artefacts in
test-artifacts/screenshots/ (ignored by git), or in the folder SENDBOT_SCREENSHOTS names, as
tests/e2e/test_browser.py does with its own.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from time import monotonic, sleep
from typing import Any

import pytest
from sqlalchemy import insert
from sqlmodel import Session, col, select

from bot.domain.spacing import SpacingPolicy, new_card, review
from bot.domain.targets import Metric, academic_year, academic_year_of
from bot.services.school_calendar import availability_of, calendar_for
from bot.services.team_report import choose_period
from bot.storage.briefing import Acknowledgement
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.quiz import MemoryState, Question, QuizItem, QuizRound
from bot.storage.school import School
from bot.storage.staff import Staff
from tests import factories
from tests.e2e.a11y import axe_violations, describe
from tests.e2e.process import ROOT, Running, start
from tests.e2e.test_browser import sign_in_as
from tests.e2e.test_sendbot_run import demo_env

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SHOTS = Path(os.environ.get("SENDBOT_SCREENSHOTS") or ROOT / "test-artifacts" / "screenshots")
MANAGER, TEAM = "Priya Raman", 5  # the demo's English department: Tom, Lucy, Samuel, Grace, Owen
SENDCO, PERSON = "Sarah Pemberton", "Tom Hargreaves"
AREA = "communication_and_interaction"  # four of the demo bank's questions


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The walk tests the pages, not the engine; the integration tests cover both engines."""
    return request.getfixturevalue(f"{request.param}_url")


@contextmanager
def demo_with_history(db: Database, tmp_path: Path) -> Iterator[tuple[Running, str]]:
    """The demo school running, with fifteen weeks of quizzes answered, everyone's memory of
    them, targets for the English department (Tom's among them), and the demo's briefings
    mostly read.
    Yields the process and the period query the pages are to be opened with ("" for the
    default, this term, when it holds enough of the history to draw)."""
    running = start(tmp_path, demo_env(db))
    try:
        wait_for_the_first_briefing(db)
        yield running, db.work(seed_history)
    finally:
        running.stop()


def wait_for_the_first_briefing(db: Database, seconds: float = 30) -> None:
    """The demo sends its first briefing at once: wait until it has reached everyone."""

    def waiting(session: Session) -> int:
        return len(
            session.exec(
                select(Delivery.id).where(
                    Delivery.kind == "briefing", col(Delivery.status).in_(("pending", "sending"))
                )
            ).all()
        )

    deadline = monotonic() + seconds
    while db.work(waiting) and monotonic() < deadline:
        sleep(0.3)


def seed_history(session: Session) -> str:
    """Tuesday and Thursday quizzes over the last fifteen weeks' school days (three questions
    each, to those working that day), answered as people differ, each answer moving that
    person's FSRS card as answering does; targets; and most of the briefings sent marked read.
    Returns the period query for the pages."""
    school = session.exec(select(School)).one()
    now = datetime.now(UTC)
    calendar = calendar_for(session, school, now)
    today = now.astimezone(calendar.timezone).date()
    window = [today - timedelta(days=n) for n in range(105, 0, -1)]
    days = [d for d in window if d.isoweekday() in (2, 4) and calendar.is_school_day(d)]
    if len(days) < 8:  # the demo's calendar does not cover today: quiz every Tuesday, Thursday
        days = [d for d in window if d.isoweekday() in (2, 4)]
    people = session.exec(
        select(Staff).where(Staff.school_id == school.id, Staff.active == True)  # noqa: E712
    ).all()
    bank = session.exec(
        select(Question).where(Question.school_id == school.id, Question.active == True)  # noqa: E712
    ).all()
    taken = set(session.exec(select(QuizRound.held_on)).all())
    rounds = {}
    for day in days:
        if day not in taken:
            row = QuizRound(school_id=school.id, held_on=day, created_at=now)  # type: ignore[arg-type]
            session.add(row)
            session.flush()
            rounds[day] = row.id
    rng, policy = random.Random(13), SpacingPolicy()
    items, memory = [], []
    for person in people:
        keen, sure = rng.uniform(0.4, 1.0), rng.uniform(0.45, 0.95)
        cards: dict[int, tuple[dict[str, Any], datetime, int, int]] = {}
        for day, round_id in rounds.items():
            if not availability_of(person).works_on(day):
                continue
            sent = datetime.combine(day, time(9), calendar.timezone)
            for position, question in enumerate(rng.sample(bank, 3)):
                answered, right = rng.random() < keen, rng.random() < sure
                wrong = [n for n in range(len(question.options)) if n not in question.correct]
                items.append(
                    {
                        "round_id": round_id,
                        "staff_id": person.id,
                        "question_id": question.id,
                        "question_version": question.version,
                        "position": position,
                        "status": "answered" if answered else "expired",
                        "sent_at": sent,
                        "answered_at": sent + timedelta(hours=1) if answered else None,
                        "chosen": (question.correct if right else wrong[:1]) if answered else None,
                        "correct": right if answered else None,
                        "seconds_taken": 20 if answered else None,
                    }
                )
                if answered:
                    card, _, reviews, lapses = cards.get(
                        question.id,  # type: ignore[arg-type]
                        (new_card(question.id, sent), sent, 0, 0),  # type: ignore[arg-type]
                    )
                    card, due = review(policy, card, right, sent + timedelta(hours=1))
                    cards[question.id] = (card, due, reviews + 1, lapses + (not right))  # type: ignore[index]
        memory += [
            {
                "staff_id": person.id,
                "question_id": question_id,
                "card": card,
                "due": due,
                "reviews": reviews,
                "lapses": lapses,
            }
            for question_id, (card, due, reviews, lapses) in cards.items()
        ]
    session.execute(insert(QuizItem), items)
    session.execute(insert(MemoryState), memory)

    # This term, unless it has too little of the history to draw (it has only just begun, or
    # the demo's calendar does not reach today): then the school year of the latest quiz.
    period, _ = choose_period(session, school.id, None, today)  # type: ignore[arg-type]
    query = ""
    if sum(period.starts_on <= d <= period.ends_on for d in rounds) < 4:
        period = academic_year(academic_year_of(days[-1]))
        query = f"?period={period.label}"
    by_name = {p.name: p for p in people}
    team = [p for p in people if p.line_manager_id == by_name[MANAGER].id]
    assert len(team) == TEAM, [p.name for p in team]
    for n, person in enumerate(team):
        for metric, threshold in (
            (Metric.ANSWERED_SHARE, (95, 60, 80, 90, 50)[n]),
            (Metric.CORRECT_SHARE, 70),
            (Metric.BRIEFINGS_ACKNOWLEDGED_SHARE, 90),
        ):
            factories.target(
                session,
                person,
                metric.value,
                threshold,
                period.label,
                period.starts_on,
                period.ends_on,
            )
    sent = session.exec(
        select(Delivery).where(Delivery.kind == "briefing", Delivery.status == "sent")
    ).all()
    session.execute(
        insert(Acknowledgement),
        [
            {
                "briefing_id": d.subject_id,
                "staff_id": d.staff_id,
                "acknowledged_at": d.sent_at + timedelta(hours=2),  # type: ignore[operator]
            }
            for d in sent
            if rng.random() < 0.8
        ],
    )
    return query


def keep_screenshot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def assert_no_serious_violations(page: Any, where: str) -> None:
    serious = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert not serious, f"{where}:\n{describe(serious)}"


def assert_charts_described(page: Any, where: str) -> int:
    """Each chart on the page has a title and a sentence (SVG <title> and <desc>, named by its
    aria-labelledby), and each chart but a bullet its figures as a table; how many charts."""
    charts = page.locator("svg.chart-svg").evaluate_all(
        """svgs => svgs.map(svg => ({
            role: svg.getAttribute('role'),
            named: (svg.getAttribute('aria-labelledby') || '').split(' ')
                .map(id => (document.getElementById(id) || {}).textContent || '').join('|'),
            title: (svg.querySelector(':scope > title') || {}).textContent || '',
            desc: (svg.querySelector(':scope > desc') || {}).textContent || '',
            kind: svg.closest('figure').dataset.chart,
            rows: svg.closest('figure').querySelectorAll(
                ':scope > details.chart-figures table tbody tr').length,
        }))"""
    )
    assert charts, f"{where}: no chart drawn"
    for chart in charts:
        assert chart["role"] == "img", (where, chart)
        assert chart["title"].strip() and chart["desc"].strip(), (where, chart)
        assert chart["named"] == f"{chart['title']}|{chart['desc']}", (where, chart)
        if chart["kind"] != "bullet":
            assert chart["rows"] > 0, (where, chart)
    return len(charts)


def drawn(page: Any, selector: str) -> int:
    return page.locator(selector).count()


def check_team(page: Any) -> None:
    assert drawn(page, "table.team-table > tbody > tr") == TEAM
    # The heatmap: a row per person, a cell per area anyone was asked about, most with figures.
    assert drawn(page, "#team-recall svg.chart-heatmap rect.cell") >= TEAM * 2
    assert drawn(page, "#team-recall rect.cell[data-value]") >= TEAM
    assert drawn(page, "#team-recall details.chart-figures tbody tr") == TEAM
    assert drawn(page, "#team-weeks svg.chart-line path.line") >= 1
    assert drawn(page, "#team-weeks circle.point[data-value]") >= 2
    # Three targets each, every one a bullet with its bar and its mark.
    assert drawn(page, "figure[data-chart=bullet] rect.bullet-bar") == TEAM * 3
    assert drawn(page, "figure[data-chart=bullet] line.bullet-target") == TEAM * 3
    statuses = set(page.locator(".team-table [data-status]").all_inner_texts())
    assert len(statuses) >= 2, statuses  # targets in different states, told in words


def check_me(page: Any) -> None:
    assert drawn(page, "#my-recall svg.chart-bars rect.bar[data-value]") >= 1
    assert drawn(page, "#my-weeks svg.chart-line circle.point[data-value]") >= 2
    assert drawn(page, "figure[data-chart=bullet] rect.bullet-bar") == 3
    assert drawn(page, "[data-coming-back] li") >= 1


def check_sendco(page: Any) -> None:
    assert drawn(page, "[data-brief-next]") == 1
    assert drawn(page, "#school-forgetting svg.chart-bars rect.bar[data-value]") >= 3
    assert drawn(page, "[data-forgotten-questions] li") >= 1
    assert drawn(page, "#school-weeks svg.chart-line circle.point[data-value]") >= 2
    assert drawn(page, "#school-briefings svg.chart-bars rect.bar[data-value]") >= 1


def check_bank(page: Any) -> None:
    shown = page.locator('[data-count="shown"]').inner_text()
    rows = drawn(page, "table.bank > tbody > tr")
    assert 0 < rows < 20 and shown.startswith(f"{rows} of "), shown
    answered = page.locator('table.bank > tbody > tr [data-count="answered"]').all_inner_texts()
    assert any(int(n) > 0 for n in answered), answered


PAGES = (
    ("team", MANAGER, "/team", check_team),
    ("me", PERSON, "/me", check_me),
    ("sendco", SENDCO, "/sendco", check_sendco),
    ("questions", SENDCO, f"/sendco/questions?area={AREA}", check_bank),
)


def test_the_dashboards_draw_real_figures_fit_a_phone_and_pass_axe(
    browser, db: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    with demo_with_history(db, tmp_path) as (running, period):
        for viewport in WIDTHS.values():
            for name, who, path, check in PAGES:
                where = f"{path} at {viewport['width']} px"
                page = browser.new_context(viewport=viewport, bypass_csp=True).new_page()
                url = path if name == "questions" else path + period
                sign_in_as(page, running.base_url, url.split("?")[0], who)
                answer = page.goto(running.base_url + url)
                assert answer is not None and answer.status == 200, where
                assert not page.locator("[data-note]").count(), page.locator("[data-note]")
                check(page)
                if name != "questions":
                    assert assert_charts_described(page, where) >= 2
                widths = page.evaluate(
                    "() => [document.documentElement.scrollWidth, window.innerWidth]"
                )
                assert widths[0] <= widths[1], f"{where} is {widths[0]} px wide"
                assert_no_serious_violations(page, where)
                keep_screenshot(page, f"{name}-{viewport['width']}")
                # Every chart's figures (and the bank's options) unfolded: still tidy.
                page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = 1)")
                widths = page.evaluate(
                    "() => [document.documentElement.scrollWidth, window.innerWidth]"
                )
                assert widths[0] <= widths[1], f"{where}, unfolded, is {widths[0]} px wide"
                assert_no_serious_violations(page, f"{where}, unfolded")
                keep_screenshot(page, f"{name}-{viewport['width']}-unfolded")
                page.context.close()


FOCUS_SHOWN = """() => {
    const el = document.activeElement, style = getComputedStyle(el);
    return el.matches(':focus-visible') && ((style.outlineStyle !== 'none'
        && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none');
}"""


def tab_to(page: Any, test: str, most: int = 150) -> None:
    """Press Tab until the focused element passes `test` (a JavaScript function of it); the
    focus must be visible there."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => ({test})(document.activeElement)"):
            assert page.evaluate(FOCUS_SHOWN), f"no visible focus on {test}"
            return
    raise AssertionError(f"Tab never reached {test}")


def test_the_team_table_and_the_bank_work_by_keyboard_alone(
    browser, db: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    with demo_with_history(db, tmp_path) as (running, period):
        page = browser.new_context(viewport=WIDTHS["desktop"]).new_page()
        sign_in_as(page, running.base_url, "/team", MANAGER)
        page.goto(running.base_url + "/team" + period)

        # Sort by the share answered: Tab to its heading, Enter.
        tab_to(page, "el => el.matches('th a') && el.textContent.trim() === 'Answered'")
        page.keyboard.press("Enter")
        page.wait_for_url("**sort=answered**")
        assert page.locator("th[aria-sort]").inner_text().startswith("Answered")
        shares = [
            int(text.split("%")[0])
            for text in page.locator('.team-table [data-count="answered"]').all_inner_texts()
        ]
        assert len(shares) == TEAM and shares == sorted(shares), shares

        # A chart's figures: Tab to its "The figures" and press Space, then Enter to fold.
        figures = page.locator("#team-recall details.chart-figures")
        tab_to(page, "el => el.matches('#team-recall details.chart-figures > summary')")
        page.keyboard.press("Space")
        assert figures.evaluate("d => d.open")
        assert figures.locator("tbody tr").first.is_visible()
        page.keyboard.press("Enter")
        assert not figures.evaluate("d => d.open")
        weeks = page.locator("#team-weeks details.chart-figures")
        page.keyboard.press("Shift+Tab")  # back to the weeks' figures, just before
        assert page.evaluate("() => document.activeElement.closest('#team-weeks') !== null")
        page.keyboard.press("Enter")
        assert weeks.evaluate("d => d.open") and weeks.locator("tbody tr").first.is_visible()

        # The bank: choose an area and words, Show, then unfold a question's options.
        bank = browser.new_context(viewport=WIDTHS["desktop"]).new_page()
        sign_in_as(bank, running.base_url, "/sendco/questions", SENDCO)
        every = bank.locator("table.bank > tbody > tr").count()
        tab_to(bank, "el => el.name === 'area'")
        for _ in range(8):
            if bank.evaluate("() => document.activeElement.value") == AREA:
                break
            bank.keyboard.press("ArrowDown")
        assert bank.evaluate("() => document.activeElement.value") == AREA
        tab_to(bank, "el => el.tagName === 'BUTTON' && el.textContent.trim() === 'Show'")
        bank.keyboard.press("Enter")
        bank.wait_for_url(f"**area={AREA}**")
        rows = bank.locator("table.bank > tbody > tr")
        assert 0 < rows.count() < every
        first = rows.first.locator("details")
        tab_to(bank, "el => el.matches('table.bank > tbody > tr:first-child details > summary')")
        bank.keyboard.press("Enter")
        assert first.evaluate("d => d.open")
        options = first.locator("table.options tbody tr")
        assert options.count() >= 2 and options.first.is_visible()
        assert "%" in first.locator("table.options").inner_text()  # the share choosing each
        keep_screenshot(bank, "questions-1280-by-keyboard")
        keep_screenshot(page, "team-1280-by-keyboard")
