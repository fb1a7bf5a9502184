"""End to end: a real `sendbot run` on the local chat; the SENDCO imports a register, the teaching
groups, then a second register with two new pupils, one plan issued and one leaver. Exactly the
linked staff get exactly the right alerts; one reads a profile from chat and the SENDCO's page
shows it; a teacher who does not teach the pupil cannot open the pupil's page."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlmodel import select
from stdnum.gb import upn

from bot.storage.database import Database
from bot.storage.local_chat import LocalMessage
from bot.storage.outbox import Delivery
from bot.storage.register import Pupil
from bot.storage.staff import Staff
from tests.e2e.process import ROOT, start
from tests.e2e.test_sendbot_run import demo_env, person_id
from tests.web_forms import arm, demo_sign_in

HEADER = (
    "MIS id,UPN,Legal first name,Legal last name,Year group,Registration group,"
    "SEN provision,Primary need,Provision start date"
)


def pupil(mis_id: str, first: str, last: str, year: str, form: str, provision: str) -> str:
    body = f"8014321{26}{mis_id[-3:]}"
    need = {"N": "", "K": "SPLD", "E": "ASD"}[provision]
    start_date = "01/09/2025" if provision == "E" else ""
    return (
        f"{mis_id},{upn.calc_check_digit(body)}{body},{first},{last},{year},{form},"
        f"{provision},{need},{start_date}"
    )


FIRST = [
    pupil("1001", "Ava", "Brookfield", "7", "7A", "K"),
    pupil("1003", "Cara", "Dunmore", "8", "8B", "K"),
    pupil("1004", "Dev", "Ellerby", "8", "8B", "E"),
    pupil("1005", "Eve", "Frostwick", "9", "9C", "N"),
]
SECOND = [
    FIRST[0],  # unchanged
    pupil("1003", "Cara", "Dunmore", "8", "8B", "E"),  # K to E: a plan issued
    # 1004 left the school
    pupil("1005", "Eve", "Frostwick", "9", "9C", "K"),  # newly on the register
    pupil("1006", "Finn", "Galbraith", "9", "9C", "K"),  # new to the school, on the register
]
TEACHING = [
    "Group,Staff email,Pupil ID,Role",
    "7A/En,tom.hargreaves@oakhill.example,1001,teacher",
    "8B/En,tom.hargreaves@oakhill.example,1004,teacher",
    "8B/Ma,aisha.begum@oakhill.example,1003,teacher",
    "8B/En2,lucy.fenwick@oakhill.example,1003,teacher",
    "9C/En,lucy.fenwick@oakhill.example,1005,teacher",
    "9C/Sc,nathan.osei@oakhill.example,1005,support",
    "9C,zara.hussain@oakhill.example,,tutor",  # Finn has no class yet: his tutor is told
]
# Who must be told, and about whom (initials as chat shows them).
EXPECTED = {
    "Lucy Fenwick": {"C.D.", "E.F."},
    "Aisha Begum": {"C.D."},
    "Nathan Osei": {"E.F."},
    "Zara Hussain": {"F.G."},
}
FULL_NAMES = ("Brookfield", "Dunmore", "Ellerby", "Frostwick", "Galbraith")


def sendbot_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def alerts_sent(db: Database) -> dict[str, list[str]]:
    """Each person's register alerts that reached the local chat, as the text they show."""

    def read(s):  # type: ignore[no-untyped-def]
        rows = s.exec(
            select(Staff.name, Delivery.message_ref)
            .join(Delivery, Delivery.staff_id == Staff.id)
            .where(Delivery.kind == "register_alert", Delivery.status == "sent")
        ).all()
        found: dict[str, list[str]] = {}
        for name, ref in rows:
            shown = s.get(LocalMessage, ref["id"])
            found.setdefault(name, []).append(repr(shown.body))
        return found

    return db.work(read)


def test_the_staff_who_teach_each_changed_pupil_are_told_and_the_sendco_sees_who_read(
    db: Database, tmp_path: Path
) -> None:
    env = demo_env(db)
    running = start(tmp_path, env)
    try:
        cli_env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "DEMO"))}
        cli_env |= env | {"PYTHONPATH": str(ROOT)}
        for name, lines in (
            ("first.csv", [HEADER, *FIRST]),
            ("teaching.csv", TEACHING),
            ("second.csv", [HEADER, *SECOND]),
        ):
            (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        first = sendbot_cli(cli_env, "import-register", str(tmp_path / "first.csv"))
        assert "Nobody was alerted" in first
        sendbot_cli(cli_env, "import-teaching", str(tmp_path / "teaching.csv"))
        second_file = str(tmp_path / "second.csv")
        # A small register: one leaver is a large share of it, so the import must be confirmed.
        refused = subprocess.run(
            [sys.executable, "-m", "bot.cli", "import-register", second_file],
            env=cli_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refused.returncode == 1 and "--confirm-partial" in refused.stdout + refused.stderr
        # Every pupil in it is on the register; the pupil it leaves out has left the school.
        second = sendbot_cli(
            cli_env,
            "import-register",
            second_file,
            "--confirm-partial",
            "--now",
            "--scope",
            "whole-roll",
        )
        assert "4 changes" in second and "4 alerts planned" in second, second
        assert "1 left" in second and "Read as the whole roll" in second, second
        for surname in FULL_NAMES:
            assert surname not in first + second

        deadline = time.monotonic() + 30
        while len(sent := alerts_sent(db)) < len(EXPECTED):
            assert time.monotonic() < deadline, f"alerts did not arrive: {sent}"
            time.sleep(0.2)
        time.sleep(1)  # anything extra would have gone in the same dispatch
        sent = alerts_sent(db)
        assert set(sent) == set(EXPECTED), sent
        for name, initials in EXPECTED.items():
            assert len(sent[name]) == 1, (name, sent[name])  # one message per person
            text = sent[name][0]
            shown = set(re.findall(r"\b[A-Z]\.[A-Z]\.", text))
            assert shown == initials, (name, text)
            assert not any(surname in text for surname in FULL_NAMES), text

        web = httpx.Client(base_url=running.base_url, timeout=10)

        arm(web)  # the demo session's form token, as the local chat page has
        everyone = web.get("/local").text
        lucy = person_id(everyone, "Lucy Fenwick")
        page = web.get(f"/local/{lucy}").text
        card = re.search(r'<article[^>]*data-kind="register_alert".*?</article>', page, re.S)
        assert card, "Lucy's alert is not on her page"
        cara = next(
            form for form in re.findall(r"<form.*?</form>", card.group(0), re.S) if "C.D." in form
        )
        message_id = re.search(r'name="message_id" value="(\d+)"', cara).group(1)  # type: ignore[union-attr]
        value = re.search(r'name="value" value="([^"]*)"', cara).group(1)  # type: ignore[union-attr]
        pressed = web.post(
            f"/local/{lucy}/press",
            data={"message_id": message_id, "action_id": "profile.read", "value": value},
            headers={"accept": "application/json"},
        ).json()
        again = web.post(
            f"/local/{lucy}/press",
            data={"message_id": message_id, "action_id": "profile.read", "value": value},
            headers={"accept": "application/json"},
        ).json()
        assert pressed["notice"] != again["notice"], (pressed, again)

        cara_id = db.work(lambda s: s.exec(select(Pupil.id).where(Pupil.mis_id == "1003")).one())
        sendco = person_id(everyone, "Sarah Pemberton")
        demo_sign_in(web, sendco)
        report = web.get("/sendco/register").text
        row = report.split(f'<tr data-pupil="{cara_id}">')[1].split("</tr>")[0]
        assert 'data-reader="lucy.fenwick@oakhill.example" data-status="read on time"' in row
        assert 'data-reader="aisha.begum@oakhill.example" data-status="not read yet"' in row
        assert "Cara Dunmore" in html.unescape(row)

        # Tom teaches 7A and taught Dev, not Cara: her page is not his to see.
        web.cookies.clear()
        tom = person_id(everyone, "Tom Hargreaves")
        demo_sign_in(web, tom)
        refused = web.get(f"/pupils/{cara_id}")
        assert refused.status_code == 403
        assert "Dunmore" not in refused.text
        web.cookies.clear()
        aisha = person_id(everyone, "Aisha Begum")
        demo_sign_in(web, aisha)
        allowed = web.get(f"/pupils/{cara_id}")
        assert allowed.status_code == 200 and "Dunmore" in allowed.text
    finally:
        code = running.stop()
    assert code == 0, running.log()
