"""Benchmark: import and diff a 2,000-pupil register against the previous one and plan the alerts.

A secondary school of 2,000 pupils (about 18% on the register), 150 staff and 10,000 teaching
links. The previous register is imported first (not timed). The next export has 5% of pupils
changed: new to the register, K to E, off the register, a new primary need, and leavers; it is
an .xlsx as SIMS's reports come, with title and "Printed by" rows above the header, a total
below, and a pupil with two needs on two rows (SEN Need Type, Ranking). Timed, three times, each
in a transaction that is rolled back: reading the workbook, checking it, the diff, storing the
pupils and changes, and planning the alerts. A fresh process per engine;
peak memory is the whole process's, school-making included. Goal: under 2 s and under 200 MB.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime

from stdnum.gb import upn as upn_number

from tests.bench.engines import on_each_engine
from tests.bench.memory import peak_rss_mb

PUPILS = int(os.environ.get("SENDBOT_BENCH_PUPILS", "2000"))
STAFF = 150
LINKS = 10_000
CHANGED = PUPILS * 5 // 100
NOW = datetime(2027, 3, 9, 9, 0, tzinfo=UTC)  # a Tuesday in the spring term
HEADER = [
    "MIS id",
    "UPN",
    "Legal first name",
    "Legal last name",
    "Year group",
    "Registration group",
    "SEN provision",
    "Primary need",
    "Provision start date",
]
NEEDS = ("SPLD", "MLD", "SEMH", "SLCN", "ASD", "HI", "VI", "PD")


def _pupils(rng: random.Random) -> list[dict[str, str]]:
    pupils = []
    for n in range(PUPILS):
        year = str(7 + n % 5)
        body = f"8014321{26 + n // 1000:02d}{n % 1000:03d}"
        provision = rng.choices("NKE", weights=(82, 14, 4))[0]
        pupils.append(
            {
                "MIS id": f"{100000 + n}",
                "UPN": upn_number.calc_check_digit(body) + body,
                "Legal first name": f"First{n}",
                "Legal last name": f"Last{n}",
                "Year group": year,
                "Registration group": f"{year}{'ABCDEFGH'[n % 8]}",
                "SEN provision": provision,
                "Primary need": "" if provision == "N" else rng.choice(NEEDS),
                "Provision start date": "01/09/2024" if provision == "E" else "",
            }
        )
    return pupils


def _changed(rng: random.Random, before: list[dict[str, str]]) -> list[dict[str, str]]:
    """The next export: CHANGED pupils changed, in the usual mix; leavers are left out."""
    after = [dict(p) for p in before]
    off = [p for p in after if p["SEN provision"] == "N"]
    support = [p for p in after if p["SEN provision"] == "K"]
    share = {"added": 0.4, "plan": 0.2, "removed": 0.15, "need": 0.15}
    added = rng.sample(off, int(CHANGED * share["added"]))
    for pupil in added:
        pupil.update({"SEN provision": "K", "Primary need": rng.choice(NEEDS)})
    picked = rng.sample(support, int(CHANGED * (share["plan"] + share["removed"] + share["need"])))
    plans = int(CHANGED * share["plan"])
    removed = int(CHANGED * share["removed"])
    for pupil in picked[:plans]:
        pupil.update({"SEN provision": "E", "Provision start date": "02/03/2027"})
    for pupil in picked[plans : plans + removed]:
        pupil.update({"SEN provision": "N", "Primary need": ""})
    for pupil in picked[plans + removed :]:
        pupil["Primary need"] = next(n for n in NEEDS if n != pupil["Primary need"])
    leaving = CHANGED - len(added) - len(picked)
    untouched = {id(p) for p in added + picked}
    staying_on = [p for p in after if p["SEN provision"] in "KE" and id(p) not in untouched]
    gone = {id(p) for p in rng.sample(staying_on, leaving)}
    return [p for p in after if id(p) not in gone]


def _csv(pupils: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER)
    writer.writeheader()
    writer.writerows(pupils)
    return ("\ufeff" + out.getvalue()).encode()


def _sims_report(pupils: list[dict[str, str]]) -> bytes:
    """The export as a SIMS SEN report saved to Excel: one row per need, dressed for printing."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["SEN Register - All Pupils"])
    sheet.merge_cells("A1:J1")
    sheet.append(["Printed by: Bench Academy admin on 09/03/2027 at 09:00"])
    sheet.append([])
    sheet.append(
        ["Adno", "UPN", "Legal Surname", "Legal Forename", "Year", "Reg", "SEN Status",
         "Start Date", "SEN Need Type", "Ranking"]
    )  # fmt: skip
    rows = 0
    for n, p in enumerate(pupils):
        needs = [p["Primary need"]]
        if p["Primary need"] and n % 3 == 0:  # a third of those on the register have two
            needs.append(next(need for need in NEEDS if need != p["Primary need"]))
        for rank, need in enumerate(needs, start=1):
            sheet.append(
                [p["MIS id"], p["UPN"], p["Legal last name"], p["Legal first name"],
                 p["Year group"], p["Registration group"], p["SEN provision"],
                 p["Provision start date"], need, rank if need else None]
            )  # fmt: skip
            rows += 1
    sheet.append([f"Total: {rows}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def one_run(url: str) -> dict[str, float]:
    """In a fresh process: make the school and its first register, then time the next import."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from bot.bootstrap import build, prepare_database
    from bot.config import Settings
    from bot.content.register.export import read_register
    from bot.services.clock import FixedClock
    from bot.services.register.importer import import_register
    from bot.storage.register import TeachingLink
    from bot.storage.school import School, Term
    from bot.storage.staff import Staff

    app = build(Settings(database_url=url, _env_file=None), clock=FixedClock(NOW))  # type: ignore[call-arg]
    prepare_database(app)
    rng = random.Random(11)
    first = _pupils(rng)
    second = _sims_report(_changed(rng, first))

    def setup(session: Session) -> int:
        school = School(name="Bench Academy")
        session.add(school)
        session.flush()
        session.add(
            Term(
                school_id=school.id,
                name="Spring",
                starts_on=date(2027, 1, 4),
                ends_on=date(2027, 3, 26),
            )
        )
        session.execute(
            insert(Staff),
            [
                {
                    "school_id": school.id,
                    "name": f"Teacher {n}",
                    "email": f"t{n}@bench.example",
                    "job_role": "teacher",
                    "department": "",
                    "roles": "staff",
                    "working_days": "12345",
                    "active": True,
                }
                for n in range(STAFF)
            ],
        )
        staff_ids = [
            s for (s,) in session.execute(Staff.__table__.select().with_only_columns(Staff.id))
        ]
        # Five teachers a pupil: 10,000 links for 2,000 pupils.
        session.execute(
            insert(TeachingLink),
            [
                {
                    "school_id": school.id,
                    "staff_id": staff_ids[(n * 7 + k * 31) % STAFF],
                    "role": "teacher",
                    "group_name": f"class{k}",
                    "pupil_mis_id": first[n]["MIS id"],
                }
                for n in range(PUPILS)
                for k in range(LINKS // PUPILS)
            ],
        )
        read = read_register(_csv(first))
        assert not read.problems, read.problems[:3]
        import_register(
            session,
            school,
            read.rows,
            file_name="first.csv",
            file_bytes_sha256="0" * 64,
            by=None,
            now=NOW,
        )
        return school.id  # type: ignore[return-value]

    school_id = app.db.work(setup)
    timings, alerts = [], 0
    for _ in range(3):
        with Session(app.db.engine) as session:
            school = session.get(School, school_id)
            started = time.perf_counter()
            read = read_register(second)
            assert not read.problems, read.problems[:3]
            result = import_register(
                session,
                school,  # type: ignore[arg-type]
                read.rows,
                file_name="second.xlsx",
                file_bytes_sha256=hashlib.sha256(second).hexdigest(),
                by=None,
                now=NOW,
            )
            session.flush()
            timings.append(time.perf_counter() - started)
            session.rollback()
        assert result.changes == CHANGED, result
        alerts = result.alerts
    app.db.dispose()
    return {
        "seconds": statistics.median(timings),
        "alerts": alerts,
        "changes": result.changes,
        "peak_rss_mb": peak_rss_mb(),
    }


def section() -> str:
    """The register section of BENCHMARKS.md."""
    results = on_each_engine("tests.bench.register_import")
    rows = [
        f"| {engine} | {f['seconds']:.2f} | {f['peak_rss_mb']:.0f} | {f['changes']:.0f} | "
        f"{f['alerts']:.0f} |"
        for engine, f in results.items()
    ]
    return "\n".join(
        [
            f"## Register import: {PUPILS:,} pupils, {CHANGED} changed, {LINKS:,} teaching links",
            "",
            "Reading the .xlsx export (a SIMS report: title rows above the header, a pupil with",
            "two needs on two rows), checking every row, the diff against the stored register,",
            "storing pupils and changes, and planning one alert per person to tell (with their",
            "deliveries). Median of 3 imports, each rolled back; peak memory is the whole",
            "process's. Goal: under 2 s and under 200 MB.",
            "",
            "| Engine | Import, diff and plan (s) | Peak memory (MB) | Changes | Alerts planned |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    print(json.dumps(one_run(sys.argv[1])))
