"""`sendbot import-register`, `import-teaching` and `privacy erase-pupil` with the fixture files,
and the SENDCO's upload form: what they store, and that they print no pupil's data."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from bot.cli import app
from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.storage.audit import AuditEvent
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.register import (
    ProfileAlert,
    Pupil,
    RegisterChange,
    RegisterImport,
    TeachingLink,
)
from bot.storage.school import School
from bot.storage.staff import Staff
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in

FIXTURES = Path(__file__).parent.parent / "fixtures" / "register"
runner = CliRunner()
BAD_FILES = [
    "bad_upn.csv",
    "duplicate_rows.csv",
    "ehcp_no_date.csv",
    "empty.csv",
    "half_written.csv",
    "half_written_quote.csv",
    "header_only.csv",
    "many_problems.csv",
    "missing_columns.csv",
    "wrong_delimiter.csv",
]
# Who the teaching-groups fixture names.
STAFF = ("J Smith", "Ta One", "R Tutor", "Hoy7", "Hoy8")


def pupil_data(name: str) -> set[str]:
    """What a fixture says about its pupils that no output may repeat: ids, UPNs, names, dates."""
    data = (FIXTURES / name).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    rows = list(csv.reader(io.StringIO(text), delimiter="|" if "|" in text else ","))
    return {
        cell.strip()
        for row in rows[1:]
        for index, cell in enumerate(row)
        if index in (0, 1, 2, 3, 4, 5, 11) and len(cell.strip()) >= 3
    }


def setup_school(db: Database) -> dict[str, int]:
    def setup(s: Session) -> dict[str, int]:
        school = factories.school(s)
        ids = {name: factories.person(s, school, name).id for name in STAFF}
        ids["sendco"] = factories.person(s, school, "Sue Sendco", roles={Role.SENDCO}).id
        ids["teacher"] = factories.person(s, school, "Tom Teacher").id
        ids["school"] = school.id
        return ids

    return db.work(setup)  # type: ignore[return-value]


def changed_register(tmp_path: Path) -> Path:
    """The SIMS fixture a term later: 001201 has an EHC plan, 001203 is on SEN support."""
    text = (FIXTURES / "sims_bom_valid.csv").read_text(encoding="utf-8-sig")
    text = text.replace(
        "001201,P801432124001,Fernsby,Poppy,,,Year 7,7FE,K,SPLD,,12/09/2023",
        "001201,P801432124001,Fernsby,Poppy,,,Year 7,7FE,E,SPLD,,12/09/2023",
    ).replace(
        "001203,T801432124003,Quillfeather,Maisie,,,Year 8,8QW,N,,,",
        "001203,T801432124003,Quillfeather,Maisie,,,Year 8,8QW,K,SPLD,,01/09/2026",
    )
    path = tmp_path / "register-spring.csv"
    path.write_text("\ufeff" + text, encoding="utf-8")
    return path


def test_import_teaching_then_the_register_twice_prints_counts_only(
    cli: Database, tmp_path: Path
) -> None:
    setup_school(cli)
    teaching = runner.invoke(app, ["import-teaching", str(FIXTURES / "teaching_groups_valid.csv")])
    assert teaching.exit_code == 0, teaching.output
    assert "teaching links for 5 staff" in teaching.output
    assert cli.work(lambda s: len(s.exec(select(TeachingLink)).all())) == 6

    first = runner.invoke(app, ["import-register", str(FIXTURES / "sims_bom_valid.csv")])
    assert first.exit_code == 0, first.output
    assert "6 pupils, 4 on the register: stored as the school's first register" in first.output

    second = runner.invoke(app, ["import-register", str(changed_register(tmp_path))])
    assert second.exit_code == 0, second.output
    # 001201: its teacher and TA; 001203: its own head of year (no class, no tutor).
    assert second.output.strip() == (
        "6 pupils; 2 changes: 1 added, 1 plan issued; 3 alerts planned."
    )
    again = runner.invoke(app, ["import-register", str(changed_register(tmp_path))])
    assert "no changes since the last import; nobody alerted" in again.output
    assert cli.work(lambda s: len(s.exec(select(ProfileAlert)).all())) == 3
    assert cli.work(lambda s: len(s.exec(select(Delivery)).all())) == 3
    secret = pupil_data("sims_bom_valid.csv")
    for result in (teaching, first, second, again):
        assert not [word for word in secret if word in result.output]


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_register_lists_its_problems_stores_nothing_and_names_no_pupil(
    cli: Database, name: str
) -> None:
    setup_school(cli)
    result = runner.invoke(app, ["import-register", str(FIXTURES / name)])
    assert result.exit_code == 1, result.output
    assert result.output.strip(), "a bad file must say why"
    leaked = [word for word in pupil_data(name) if word in result.output]
    assert leaked == [], result.output
    assert cli.work(lambda s: s.exec(select(Pupil)).all()) == []
    assert cli.work(lambda s: s.exec(select(RegisterImport)).all()) == []


def test_many_problems_are_each_named_by_line_and_column(cli: Database) -> None:
    setup_school(cli)
    result = runner.invoke(app, ["import-register", str(FIXTURES / "many_problems.csv")])
    assert result.exit_code == 1
    assert result.output.startswith("Nothing was imported:")
    for line in (3, 4, 5, 6, 7):
        assert f"Line {line}, column" in result.output, line


def test_a_file_over_the_size_limit_is_refused_unread(cli: Database, tmp_path: Path) -> None:
    setup_school(cli)
    huge = tmp_path / "register.csv"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # 50 MB of nothing, without writing it
    result = runner.invoke(app, ["import-register", str(huge)])
    assert result.exit_code == 1
    assert "52.4 MB" in result.output and "Nothing was imported" in result.output


def test_a_mapping_file_reads_an_unknown_export(cli: Database) -> None:
    setup_school(cli)
    result = runner.invoke(
        app,
        [
            "import-register",
            str(FIXTURES / "custom_mapping.csv"),
            "--mapping",
            str(FIXTURES / "custom-mapping.yml"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 pupils, 2 on the register" in result.output
    broken = runner.invoke(
        app,
        [
            "import-register",
            str(FIXTURES / "custom_mapping.csv"),
            "--mapping",
            str(FIXTURES / "sims_bom_valid.csv"),
        ],
    )
    assert broken.exit_code == 1 and "In the mapping file" in broken.output


def test_a_partial_export_needs_confirm_partial(cli: Database, tmp_path: Path) -> None:
    setup_school(cli)
    assert (
        runner.invoke(app, ["import-register", str(FIXTURES / "sims_bom_valid.csv")]).exit_code == 0
    )
    lines = (FIXTURES / "sims_bom_valid.csv").read_text(encoding="utf-8-sig").splitlines()
    part = tmp_path / "year7.csv"
    part.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")  # years 7 only
    refused = runner.invoke(app, ["import-register", str(part)])
    assert refused.exit_code == 1
    assert "2 of the 4 pupils" in refused.output and "--confirm-partial" in refused.output
    assert cli.work(lambda s: len(s.exec(select(RegisterImport)).all())) == 1
    # Every pupil in it is on the register, so it reads as an SEN register report.
    confirmed = runner.invoke(app, ["import-register", str(part), "--confirm-partial"])
    assert confirmed.exit_code == 0, confirmed.output
    assert "2 off the register" in confirmed.output and "SEN register report" in confirmed.output


def test_scope_says_what_a_pupil_left_out_of_the_file_means(cli: Database, tmp_path: Path) -> None:
    setup_school(cli)
    assert (
        runner.invoke(app, ["import-register", str(FIXTURES / "sims_bom_valid.csv")]).exit_code == 0
    )
    lines = (FIXTURES / "sims_bom_valid.csv").read_text(encoding="utf-8-sig").splitlines()
    part = tmp_path / "year7.csv"
    part.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    left = runner.invoke(
        app, ["import-register", str(part), "--confirm-partial", "--scope", "whole-roll"]
    )
    assert left.exit_code == 0, left.output
    assert "2 left" in left.output and "whole roll" in left.output
    pupils = cli.work(lambda s: s.exec(select(Pupil)).all())
    assert sorted(p.on_roll for p in pupils) == [False] * 4 + [True] * 2  # all but year 7 left
    wrong = runner.invoke(app, ["import-register", str(part), "--scope", "some"])
    assert wrong.exit_code == 2 and "sen-only" in wrong.output


def test_a_teaching_file_naming_unknown_staff_stores_nothing(cli: Database) -> None:
    setup_school(cli)
    before = runner.invoke(app, ["import-teaching", str(FIXTURES / "teaching_groups_valid.csv")])
    assert before.exit_code == 0
    result = runner.invoke(app, ["import-teaching", str(FIXTURES / "teaching_groups_problems.csv")])
    assert result.exit_code == 1
    assert "Line 3" in result.output and "001205" not in result.output
    assert cli.work(lambda s: len(s.exec(select(TeachingLink)).all())) == 6


def test_privacy_erase_pupil(cli: Database) -> None:
    setup_school(cli)
    runner.invoke(app, ["import-register", str(FIXTURES / "sims_bom_valid.csv")])
    result = runner.invoke(app, ["privacy", "erase-pupil", "001202"])
    assert result.exit_code == 0, result.output
    assert "Erased" in result.output
    assert not [w for w in pupil_data("sims_bom_valid.csv") if w in result.output]
    pupils = cli.work(lambda s: s.exec(select(Pupil).where(Pupil.erased_at != None)).all())  # noqa: E711
    assert len(pupils) == 1 and pupils[0].legal_last == ""
    again = runner.invoke(app, ["privacy", "erase-pupil", "001202"])
    assert again.exit_code == 1 and "no pupil with that MIS id" in again.output
    events = cli.work(lambda s: [e.action for e in s.exec(select(AuditEvent)).all()])
    assert events.count("pupil_erased") == 1


def test_school_register_settings_show_and_set(cli: Database) -> None:
    setup_school(cli)
    shown = runner.invoke(app, ["school", "show"])
    assert "Register alerts show in chat: minimal" in shown.output
    assert "until the end of the school year" in shown.output
    changed = runner.invoke(
        app,
        [
            "school",
            "set",
            "--chat-detail",
            "area",
            "--register-remind-after",
            "2",
            "--read-within",
            "4",
            "--partial-share",
            "0.3",
            "--keep-days",
            "60",
        ],
    )
    assert changed.exit_code == 0, changed.output
    assert "Register alerts show in chat: area" in changed.output
    assert "a reminder after 2 school days; read on time within 4" in changed.output
    assert "more than 30% of the register" in changed.output and "for 60 days" in changed.output
    bad = runner.invoke(
        app,
        [
            "school",
            "set",
            "--chat-detail",
            "everything",
            "--partial-share",
            "0.99",
            "--keep-days",
            "-1",
        ],
    )
    assert bad.exit_code == 1
    for words in ("register chat detail", "partial export share", "keep former pupils"):
        assert words in bad.output, words
    school = cli.work(lambda s: s.exec(select(School)).one())
    assert (school.register_chat_detail, school.register_partial_share) == ("area", 0.3)
    assert (school.register_reminder_after_days, school.register_read_within_days) == (2, 4)
    assert school.register_keep_days == 60


def test_the_upload_form_for_the_sendco_and_not_for_a_teacher(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    ids = setup_school(db)
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock)
    client = client_for(sendbot)
    sign_in(client, ids["teacher"])
    assert client.get("/sendco/register/import").status_code == 403
    files = {"register": ("sims.csv", (FIXTURES / "sims_bom_valid.csv").read_bytes(), "text/csv")}
    assert client.post("/sendco/register/import", files=files).status_code == 403
    assert db.work(lambda s: s.exec(select(Pupil)).all()) == []

    sign_in(client, ids["sendco"])
    page = client.get("/sendco/register/import")
    assert page.status_code == 200
    for name in ('name="register"', 'name="mapping"', 'name="confirm_partial"', 'name="teaching"'):
        assert name in page.text
    teaching = client.post(
        "/sendco/register/teaching",
        files={"teaching": ("t.csv", (FIXTURES / "teaching_groups_valid.csv").read_bytes())},
    )
    assert teaching.status_code == 200 and "6 teaching links" in teaching.text
    first = client.post("/sendco/register/import", files=files)
    assert first.status_code == 200 and 'data-outcome="imported"' in first.text
    second = client.post(
        "/sendco/register/import",
        files={"register": ("spring.csv", changed_register(tmp_path).read_bytes(), "text/csv")},
    )
    assert "2 changes: 1 added, 1 plan issued; 3 alerts planned" in second.text
    bad = client.post(
        "/sendco/register/import",
        files={"register": ("bad.csv", (FIXTURES / "many_problems.csv").read_bytes())},
    )
    assert bad.status_code == 422 and 'data-outcome="problems"' in bad.text
    assert bad.text.count("<li>Line ") >= 5
    assert not [w for w in pupil_data("many_problems.csv") if w in bad.text]

    # A partial export: refused, then imported with the tick-box.
    lines = (FIXTURES / "sims_bom_valid.csv").read_text(encoding="utf-8-sig").splitlines()
    part = ("\n".join(lines[:3]) + "\n").encode()
    refused = client.post("/sendco/register/import", files={"register": ("p.csv", part)})
    assert refused.status_code == 422 and "tick" in refused.text
    unknown = client.post(
        "/sendco/register/import",
        files={"register": ("p.csv", part)},
        data={"confirm_partial": "true", "scope": "half-the-school"},
    )
    assert unknown.status_code == 422 and "Choose what the file lists" in unknown.text
    accepted = client.post(
        "/sendco/register/import",
        files={"register": ("p.csv", part)},
        data={"confirm_partial": "true", "scope": "whole-roll"},
    )
    assert accepted.status_code == 200, accepted.text
    assert re.search(r"\d+ left.*Read as the whole roll", accepted.text), accepted.text[-3000:]
    events = db.work(
        lambda s: [(e.action, e.actor_staff_id) for e in s.exec(select(AuditEvent)).all()]
    )
    assert ("register_imported", ids["sendco"]) in events
    none_chosen = client.post("/sendco/register/import")
    assert none_chosen.status_code == 200 and "Choose the register file" in none_chosen.text
    sendbot.db.dispose()


def test_the_demo_files_in_the_readme_import_and_alert_the_pupils_teachers(cli: Database) -> None:
    root = Path(__file__).parents[2]
    staff = runner.invoke(
        app, ["import-staff", str(root / "demo" / "staff.csv"), "--school", "Oak Hill Academy"]
    )
    assert staff.exit_code == 0, staff.output
    for step in (
        ["import-register", str(root / "demo" / "register.csv")],
        ["import-teaching", str(root / "demo" / "teaching-groups.csv")],
    ):
        result = runner.invoke(app, step)
        assert result.exit_code == 0, result.output
    update = runner.invoke(
        app, ["import-register", str(root / "demo" / "register-update.csv"), "--now"]
    )
    assert update.exit_code == 0, update.output

    def changes_and_alerted(s: Session) -> tuple[list[str], set[str]]:
        kinds = sorted(c.kind for c in s.exec(select(RegisterChange)).all())
        alerted = s.exec(
            select(Staff.name).join(ProfileAlert, col(ProfileAlert.staff_id) == Staff.id)
        ).all()
        return kinds, set(alerted)

    kinds, alerted = cli.work(changes_and_alerted)
    assert kinds == ["added", "added", "left", "need_changed", "plan_issued"]
    # Years 7 (a plan issued), 8 and 9 (newly on the register) and 10 (a new need): each
    # pupil's four teachers, and the HLTA who supports those already on the register. Year 11
    # had only the leaver, and leavers alert nobody.
    assert alerted == {
        "Tom Hargreaves", "Aisha Begum", "Nathan Osei", "Marcus Bell",
        "Lucy Fenwick", "Rhys Llewellyn", "Hannah Brierley", "Zara Hussain",
        "Samuel Adeyemi", "Chloe Danvers", "Joseph Nakamura", "Callum Reid",
        "Grace Whitlock", "Imran Siddiqui", "Ellie Thornton", "Sophie Lindqvist",
        "Janet Crossley",
    }  # fmt: skip


def test_an_export_keyed_on_the_upn_says_so(cli: Database, tmp_path: Path) -> None:
    setup_school(cli)
    primary = tmp_path / "primary.csv"
    primary.write_text(
        "UPN,Surname,Forename,Year,Class,SEN Provision,Primary SEN Need\n"
        "H801432119201,Smith,Alfie,Reception,Oak,K,SLCN\n"
        "X801432119202,Kaur,Simran,Year 1,Ash,E,ASD\n",
        encoding="utf-8",
    )
    done = runner.invoke(app, ["import-register", str(primary)])
    assert done.exit_code == 0, done.output
    assert "matched by their UPN" in done.output
    stored = cli.work(lambda s: sorted(p.mis_id for p in s.exec(select(Pupil)).all()))
    assert stored == ["H801432119201", "X801432119202"]


def test_a_report_listing_each_pupil_once_per_need_says_it_merged_them(
    cli: Database, tmp_path: Path
) -> None:
    setup_school(cli)
    report = tmp_path / "sen-report.csv"
    report.write_text(
        "Adno,UPN,Legal Surname,Legal Forename,Year,Reg,SEN Status,Start Date,SEN Need Type,"
        "Ranking\n"
        "001,,Ashdown,Amara,7,7HA,K,,SLCN,1\n"
        "002,,Brien,Siobhan,9,9RE,E,12/06/2023,SLCN,2\n"
        "002,,Brien,Siobhan,9,9RE,E,12/06/2023,ASD,1\n",
        encoding="utf-8",
    )
    done = runner.invoke(app, ["import-register", str(report)])
    assert done.exit_code == 0, done.output
    assert (
        "2 pupils" in done.output and "1 pupil listed once per need was read as one" in done.output
    )
    stored = cli.work(lambda s: {p.mis_id: p.secondary_need for p in s.exec(select(Pupil)).all()})
    assert stored == {"001": "", "002": "SLCN"}
