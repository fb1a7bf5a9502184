"""Build the acceptance corpus of MIS exports under tests/corpus/register and tests/corpus/teaching.

Run with the project's interpreter (openpyxl and PyYAML are needed):

    .venv/bin/python tests/corpus/make_corpus.py

Every file is built deterministically (no randomness, fixed workbook timestamps), so running it
again gives the same CSV bytes and the same workbook contents. Pupils and staff are invented.
expected.yaml in each folder is written from the same data, so counts and line numbers cannot
drift from the files. See the README.md in each folder for the sources behind each layout.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import yaml
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
REGISTER = HERE / "register"
TEACHING = HERE / "teaching"

# --- UPNs ------------------------------------------------------------------------------------

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 0..22; no I, O, S
# LA numbers created after stdnum's 2011 list (genuine today, rejected by stdnum 2.x):
# 838 Dorset, 839 Bournemouth Christchurch and Poole, 940 North Northamptonshire,
# 941 West Northamptonshire, 942 Cumberland, 943 Westmorland and Furness.
NEW_LA_NUMBERS = {"838", "839", "940", "941", "942", "943"}


def check_letter(digits12: str) -> str:
    """The DfE check letter for the 12 characters after it (weights 2..13, mod 23)."""
    total = sum(weight * int(ch) for weight, ch in enumerate(digits12, start=2))
    return CHECK_LETTERS[total % 23]


def upn(la: str, estab: str, year: str, serial: int) -> str:
    body = f"{la}{estab}{year}{serial:03d}"
    assert len(body) == 12 and body.isdigit(), body
    return check_letter(body) + body


def wrong_letter(good: str) -> str:
    """The same UPN with a check letter that does not match."""
    i = CHECK_LETTERS.index(good[0])
    return CHECK_LETTERS[(i + 5) % 23] + good[1:]


# --- Census codes and names --------------------------------------------------------------------

# Full names as the DfE school census guidance / CBDS lists them (see README for sources).
NEED_NAME = {
    "SPLD": "Specific Learning Difficulty",
    "MLD": "Moderate Learning Difficulty",
    "SLD": "Severe Learning Difficulty",
    "PMLD": "Profound & Multiple Learning Difficulty",
    "SEMH": "Social, Emotional and Mental Health",
    "SLCN": "Speech, Language and Communication Needs",
    "HI": "Hearing Impairment",
    "VI": "Visual Impairment",
    "MSI": "Multi-Sensory Impairment",
    "PD": "Physical Disability",
    "ASD": "Autistic Spectrum Disorder",
    "OTH": "Other Difficulty/Disability",
    "NSA": "SEN support but no specialist assessment of type of need",
}

# --- Writers ---------------------------------------------------------------------------------


def csv_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\r\n") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        w.writerow(row)
    return buf.getvalue()


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


FIXED_TIME = datetime(2026, 12, 4, 9, 14, 0)


def save_workbook(wb: openpyxl.Workbook, path: Path) -> None:
    """Save, then rewrite the zip with fixed entry times so the bytes are reproducible."""
    wb.properties.creator = "corpus"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 12, 4, 9, 14, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps 'modified' with now()
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>2026-12-04T09:14:00Z\g<2>", data
                )
            dst.writestr(fixed, data)
    path.write_bytes(out.getvalue())


# --- Oakhill Academy (secondary, SIMS): the shared roll -----------------------------------------
# Each pupil: adno, upn, legal last, legal first, preferred last, preferred first, dob, year,
# reg, provision (E/K/N), needs [(code, ranking)], start date.
# Oakhill's UPNs are issued by LA 801 and also by feeder primaries in newer LAs (838/839/940...).


def P(adno, upn_, last, first, plast, pfirst, dob, year, reg, prov, needs, start):
    return {
        "adno": adno,
        "upn": upn_,
        "last": last,
        "first": first,
        "plast": plast,
        "pfirst": pfirst,
        "dob": dob,
        "year": year,
        "reg": reg,
        "prov": prov,
        "needs": needs,
        "start": start,
    }


OAKHILL = [
    P(
        "002400",
        upn("801", "4321", "19", 101),
        "Ashdown",
        "Amara",
        "",
        "",
        date(2014, 3, 2),
        7,
        "7HA",
        "K",
        ["SLCN"],
        date(2025, 1, 16),
    ),
    P(
        "002401",
        upn("801", "4321", "19", 102),
        "Birtle",
        "Benjamin",
        "",
        "Ben",
        date(2013, 11, 19),
        8,
        "8KD",
        "N",
        [],
        None,
    ),
    P(
        "002402",
        upn("838", "2104", "17", 7),
        "O’Brien",
        "Siobhán",
        "",
        "",
        date(2012, 5, 30),
        9,
        "9RE",
        "E",
        ["ASD", "SLCN"],
        date(2023, 6, 12),
    ),
    P(
        "002403",
        upn("801", "4321", "16", 104),
        "Denholm",
        "Dylan",
        "",
        "",
        date(2011, 1, 8),
        10,
        "10MB",
        "K",
        ["SPLD"],
        date(2024, 1, 16),
    ),
    P(
        "002404",
        upn("839", "3310", "15", 45),
        "Everly",
        "Zoë",
        "",
        "",
        date(2010, 7, 14),
        11,
        "11ZH",
        "N",
        [],
        None,
    ),
    P(
        "002405",
        upn("801", "4321", "19", 106),
        "Fairbairn",
        "Finley",
        "",
        "Finn",
        date(2014, 6, 21),
        7,
        "7HA",
        "K",
        ["SEMH", "SLCN"],
        date(2024, 11, 4),
    ),
    P(
        "002406",
        upn("801", "4321", "18", 107),
        "Garside",
        "Grace",
        "",
        "",
        date(2013, 2, 27),
        8,
        "8KD",
        "K",
        ["MLD"],
        date(2022, 9, 5),
    ),
    P(
        "002407",
        upn("940", "2001", "17", 12),
        "Hollins",
        "Harvey",
        "",
        "",
        date(2012, 10, 3),
        9,
        "9RE",
        "E",
        ["SEMH"],
        date(2024, 9, 9),
    ),
    P(
        "002408",
        upn("801", "4321", "16", 109),
        "Inglby",
        "Isla",
        "",
        "",
        date(2011, 4, 17),
        10,
        "10MB",
        "N",
        [],
        None,
    ),
    P(
        "002409",
        upn("801", "4321", "15", 110),
        "Jessop",
        "Jake",
        "",
        "",
        date(2010, 12, 1),
        11,
        "11ZH",
        "K",
        ["NSA"],
        date(2025, 1, 16),
    ),
    P(
        "002410",
        upn("801", "4321", "19", 111),
        "Kershaw",
        "Keira",
        "",
        "",
        date(2014, 8, 30),
        7,
        "7HA",
        "N",
        [],
        None,
    ),
    P(
        "002411",
        upn("801", "4321", "18", 112),
        "Lomax",
        "Leo",
        "",
        "",
        date(2013, 9, 2),
        8,
        "8KD",
        "N",
        [],
        None,
    ),
    P(
        "002412",
        upn("941", "2210", "17", 3),
        "Mellor",
        "Maisie",
        "",
        "",
        date(2012, 12, 24),
        9,
        "9RE",
        "K",
        ["SPLD", "SEMH"],
        date(2023, 3, 1),
    ),
    P(
        "002413",
        upn("801", "4321", "16", 114),
        "Norcliffe",
        "Noah",
        "",
        "",
        date(2011, 6, 6),
        10,
        "10MB",
        "N",
        [],
        None,
    ),
    P(
        "002414",
        upn("801", "4321", "15", 115),
        "Oddie",
        "Olivia",
        "",
        "",
        date(2010, 9, 12),
        11,
        "11ZH",
        "E",
        ["HI"],
        date(2019, 7, 1),
    ),
    P(
        "002415",
        upn("801", "4321", "19", 116),
        "Pickles",
        "Patrick",
        "",
        "Pat",
        date(2014, 1, 5),
        7,
        "7HA",
        "K",
        ["SPLD"],
        date(2025, 1, 16),
    ),
    P(
        "002416",
        upn("801", "4321", "18", 117),
        "Quarmby",
        "Quinn",
        "",
        "",
        date(2013, 4, 22),
        8,
        "8KD",
        "N",
        [],
        None,
    ),
    P(
        "002417",
        upn("801", "4321", "17", 118),
        "Rawcliffe",
        "Rosie",
        "",
        "",
        date(2012, 7, 9),
        9,
        "9RE",
        "N",
        [],
        None,
    ),
    P(
        "002418",
        upn("801", "4321", "16", 119),
        "Sugden",
        "Sami",
        "",
        "",
        date(2011, 3, 28),
        10,
        "10MB",
        "K",
        ["MLD", "SLCN"],
        date(2023, 10, 2),
    ),
    P(
        "002419",
        upn("801", "4321", "15", 120),
        "Thwaite",
        "Tegan",
        "",
        "",
        date(2010, 11, 11),
        11,
        "11ZH",
        "N",
        [],
        None,
    ),
    P(
        "002420",
        "",
        "Uttley",
        "Umar",
        "",
        "",
        date(2014, 2, 14),
        7,
        "7HA",
        "K",
        ["VI"],
        date(2025, 2, 3),
    ),
    P(
        "002421",
        upn("801", "4321", "18", 122),
        "Varley",
        "Violet",
        "",
        "",
        date(2013, 5, 5),
        8,
        "8KD",
        "E",
        ["PD", "MSI"],
        date(2021, 11, 22),
    ),
    P(
        "002422",
        upn("801", "4321", "17", 123),
        "Whitworth",
        "William",
        "",
        "Will",
        date(2012, 8, 18),
        9,
        "9RE",
        "N",
        [],
        None,
    ),
    P(
        "002423",
        upn("942", "3001", "16", 77),
        "Yeadon",
        "Yasmin",
        "",
        "",
        date(2011, 9, 1),
        10,
        "10MB",
        "K",
        ["OTH"],
        date(2024, 5, 13),
    ),
    P(
        "002424",
        upn("801", "4321", "15", 125),
        "Zeal",
        "Zachary",
        "",
        "Zac",
        date(2010, 10, 30),
        11,
        "11ZH",
        "N",
        [],
        None,
    ),
    P(
        "002425",
        upn("943", "2002", "14", 301),
        "Abbott-Kaur",
        "Anaya",
        "",
        "",
        date(2009, 4, 4),
        12,
        "12AB",
        "E",
        ["ASD"],
        date(2018, 2, 19),
    ),
    P(
        "002426",
        upn("801", "4321", "13", 127),
        "Brear",
        "Callum",
        "",
        "",
        date(2008, 12, 12),
        13,
        "13CB",
        "N",
        [],
        None,
    ),
    P(
        "002427",
        upn("801", "4321", "14", 128),
        "Cockcroft",
        "Dominika",
        "",
        "",
        date(2009, 1, 20),
        12,
        "12AB",
        "K",
        ["SEMH"],
        date(2025, 3, 10),
    ),
]


def sims_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


# --- register files ----------------------------------------------------------------------------

EXPECTED_REGISTER: dict[str, dict] = {}
EXPECTED_TEACHING: dict[str, dict] = {}


def counts(pupils, key="mis_id", scope="sen-only", monitoring=0, **extra):
    k = sum(1 for p in pupils if p["prov"] == "K")
    e = sum(1 for p in pupils if p["prov"] == "E")
    out = {
        "imports": True,
        "pupils": len(pupils),
        "on_register_k": k,
        "ehcp_e": e,
        "monitoring_m": monitoring,
        "not_sen_n": len(pupils) - k - e - monitoring,
        "key": key,
        "scope": scope,
    }
    out.update(extra)
    return out


def sims_sen_register_xlsx():
    """SIMS report run to Excel: title rows, merged title, Printed by line, blank row, header, one
    row per need with Ranking, blank row, 'Total: N' footer. Dates written as text dd/mm/yyyy."""
    pupils = [p for p in OAKHILL if p["prov"] in "EK"]
    heads = [
        "Adno",
        "UPN",
        "Legal Surname",
        "Legal Forename",
        "Preferred Forename",
        "DOB",
        "Year",
        "Reg",
        "SEN Status",
        "Start Date",
        "SEN Need Type",
        "Ranking",
    ]
    status_word = {"E": "Education, Health and Care Plan", "K": "SEN Support"}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "SEN Register"
    ws["A1"] = "SEN Register - Current Pupils"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(heads))
    ws["A2"] = "Oakhill Academy"
    ws["A3"] = "Printed by: Mrs J Crossley on 04/12/2026 at 09:14"
    # row 4 left blank
    header_row = 5
    for c, h in enumerate(heads, start=1):
        ws.cell(row=header_row, column=c, value=h).font = Font(bold=True)
    r = header_row
    for p in pupils:
        for rank, need in enumerate(p["needs"], start=1):
            r += 1
            vals = [
                p["adno"],
                p["upn"],
                p["last"],
                p["first"],
                p["pfirst"],
                sims_date(p["dob"]),
                str(p["year"]),
                p["reg"],
                status_word[p["prov"]],
                sims_date(p["start"]),
                NEED_NAME[need],
                rank,
            ]
            for c, v in enumerate(vals, start=1):
                ws.cell(row=r, column=c, value=v if v != "" else None)
    data_rows = r - header_row
    ws.cell(row=r + 2, column=1, value=f"Total: {data_rows}")
    save_workbook(wb, REGISTER / "sims-sen-register.xlsx")
    EXPECTED_REGISTER["sims-sen-register.xlsx"] = counts(
        pupils,
        header_row=header_row,
        data_rows=data_rows,
        secondary_needs=sum(1 for p in pupils if len(p["needs"]) > 1),
        notes="Header is spreadsheet row 5 (rows 1-4: merged title, school, 'Printed by', blank). "
        "One row per need: a pupil with two needs has two rows (Ranking 1 = primary, 2 = "
        "secondary), so data_rows > pupils. The footer 'Total: N' counts rows, not pupils, "
        "and must not be read as a pupil. Pupils "
        + ", ".join(p["adno"] for p in pupils if p["upn"][1:4] in NEW_LA_NUMBERS)
        + " have UPNs from LA 838/839/940-943 (valid check letters; stdnum rejects "
        "them). One pupil (002420) has no UPN. Dates are text 'dd/mm/yyyy', not date "
        "cells; Year is text '7'.",
    )


def sims_whole_roll_csv():
    """SIMS report saved as 'CSV (Comma delimited)' by Excel on Windows: cp1252 bytes, no BOM,
    whole roll including N pupils, provision written code-with-meaning, needs as codes."""
    heads = [
        "Adno",
        "UPN",
        "Legal Surname",
        "Legal Forename",
        "Preferred Surname",
        "Preferred Forename",
        "DOB",
        "Year",
        "Reg",
        "SEN Status",
        "Primary Need",
        "Secondary Need",
        "Start Date",
    ]
    status = {
        "E": "E - Education, Health and Care Plan",
        "K": "K - SEN Support",
        "N": "N - No Special Educational Need",
    }
    rows = [heads]
    for p in OAKHILL:
        needs = p["needs"] + ["", ""]
        rows.append(
            [
                p["adno"],
                p["upn"],
                p["last"],
                p["first"],
                p["plast"],
                p["pfirst"],
                sims_date(p["dob"]),
                str(p["year"]),
                p["reg"],
                status[p["prov"]],
                needs[0],
                needs[1],
                sims_date(p["start"]),
            ]
        )
    data = csv_text(rows).encode("cp1252")
    write_bytes(REGISTER / "sims-whole-roll.csv", data)
    EXPECTED_REGISTER["sims-whole-roll.csv"] = counts(
        OAKHILL,
        scope="whole-roll",
        encoding="cp1252",
        notes="Windows-1252: O’Brien's apostrophe is byte 0x92, Zoë's ë 0xEB, Siobhán's á 0xE1. "
        "Reading as UTF-8 fails; the importer must either decode cp1252 or refuse with the "
        "'Not saved as CSV UTF-8' message (the lead decides; either is acceptable if the "
        "names are never mangled). Provision is 'K - SEN Support' style; DOB d/m/y text.",
    )


# --- Arbor: Marlowe Park School (secondary) ------------------------------------------------

MARLOWE = [
    # id, upn, first, last, pfirst, plast, dob, year group, form, status, needs, start
    (
        "1021",
        upn("839", "4012", "19", 14),
        "Ellis",
        "Hartley",
        "",
        "",
        "2014-02-11",
        "Year 7",
        "7M",
        "SEN Support",
        ["SPLD"],
        "2025-01-20",
    ),
    (
        "1022",
        upn("839", "4012", "19", 15),
        "Priya",
        "Raman",
        "",
        "",
        "2013-10-01",
        "Year 8",
        "8P",
        "Education, Health and Care Plan",
        ["ASD", "SLCN"],
        "2022-07-15",
    ),
    (
        "1023",
        upn("839", "4012", "18", 22),
        "Tomasz",
        "Nowak",
        "Tom",
        "",
        "2013-06-23",
        "Year 8",
        "8P",
        "Monitoring",
        [],
        "2025-09-08",
    ),
    (
        "1024",
        "NULL",
        "Ava",
        "Greenhalgh",
        "",
        "",
        "2012-09-14",
        "Year 9",
        "9K",
        "SEN Support",
        ["SEMH"],
        "2024-02-26",
    ),
    (
        "1025",
        upn("839", "4012", "17", 9),
        "Maryam",
        "Siddiqui",
        "",
        "",
        "2012-01-30",
        "Year 9",
        "9K",
        "SEN Support",
        ["SLCN", "SPLD"],
        "2023-11-06",
    ),
    (
        "1026",
        upn("801", "4012", "16", 51),
        "Connor",
        "Doyle",
        "",
        "",
        "2011-08-05",
        "Year 10",
        "10R",
        "Education, Health and Care Plan",
        ["SEMH"],
        "2024-04-22",
    ),
    (
        "1027",
        upn("839", "4012", "16", 52),
        "Isabelle",
        "Fenwick-Price",
        "Izzy",
        "Price",
        "2011-03-19",
        "Year 10",
        "10R",
        "Monitoring",
        [],
        "NULL",
    ),
    (
        "1028",
        upn("839", "4012", "15", 33),
        "Kwame",
        "Mensah",
        "",
        "",
        "2010-12-02",
        "Year 11",
        "11S",
        "SEN Support",
        ["NSA"],
        "2025-06-30",
    ),
    (
        "1029",
        upn("839", "4012", "15", 34),
        "Lily-Mae",
        "Barraclough",
        "",
        "",
        "2010-10-10",
        "Year 11",
        "11S",
        "SEN Support",
        ["PD"],
        "2021-09-01",
    ),
    (
        "1030",
        upn("839", "4012", "14", 40),
        "Hamza",
        "Qureshi",
        "",
        "",
        "2009-05-27",
        "Year 12",
        "12T",
        "Education, Health and Care Plan",
        ["HI", "SLCN"],
        "2016-03-14",
    ),
    (
        "1031",
        upn("839", "4012", "19", 16),
        "Ruby",
        "Ainsworth",
        "",
        "",
        "2014-07-07",
        "Year 7",
        "7M",
        "No Special Educational Need",
        [],
        "NULL",
    ),
    (
        "1032",
        upn("839", "4012", "18", 24),
        "Oscar",
        "Littlewood",
        "",
        "",
        "2013-03-03",
        "Year 8",
        "8P",
        "SEN Support",
        ["MLD"],
        "2023-01-09",
    ),
]


def arbor_sen_csv():
    heads = [
        "Student ID",
        "UPN",
        "Legal First Name",
        "Legal Last Name",
        "Preferred First Name",
        "Preferred Last Name",
        "Date of Birth",
        "Year Group",
        "Registration Form",
        "SEN Status",
        "SEN Status Start Date",
        "Primary SEN Need",
        "Secondary SEN Need",
    ]
    rows = [heads]
    for sid, u, first, last, pfirst, plast, dob, yg, form, status, needs, start in MARLOWE:
        n = [NEED_NAME[x] for x in needs] + ["NULL", "NULL"]
        rows.append(
            [
                sid,
                u,
                first,
                last,
                pfirst or "NULL",
                plast or "NULL",
                dob,
                yg,
                form,
                status,
                start,
                n[0],
                n[1],
            ]
        )
    write_bytes(REGISTER / "arbor-sen.csv", b"\xef\xbb\xbf" + csv_text(rows).encode("utf-8"))
    k = sum(1 for r in MARLOWE if r[9] == "SEN Support")
    e = sum(1 for r in MARLOWE if r[9].startswith("Education"))
    m = sum(1 for r in MARLOWE if r[9] == "Monitoring")
    EXPECTED_REGISTER["arbor-sen.csv"] = {
        "imports": True,
        "pupils": len(MARLOWE),
        "on_register_k": k,
        "ehcp_e": e,
        "monitoring_m": m,
        "not_sen_n": len(MARLOWE) - k - e - m,
        "key": "mis_id",
        "scope": "sen-only",
        "notes": "UTF-8 with BOM. 'NULL' (the literal word) stands for blank in any cell, "
        "including UPN (pupil 1024) and start date (a Monitoring pupil). SEN Status "
        "uses Arbor's words: 'SEN Support', 'Education, Health and Care Plan', "
        "'Monitoring' (census N; not on the register), 'No Special Educational Need'. "
        "Needs are full census names, some containing commas (quoted). ISO dates. "
        "A Monitoring pupil has a start date (2025-09-08): allowed, it is just ignored. "
        "The list is Arbor's SEN students list plus one 'No Special Educational Need' "
        "pupil, so scope is sen-only.",
    }


# --- Bromcom: Hollybank Academy (xlsx with real date cells) -------------------------------------

HOLLYBANK = [
    (
        3101,
        upn("940", "4105", "19", 201),
        "Kowalczyk",
        "Zofia",
        "",
        "",
        date(2014, 4, 9),
        "Year 7",
        "7HB1",
        "SEN Support",
        "SLCN",
        "",
        date(2025, 2, 24),
    ),
    (
        3102,
        upn("940", "4105", "19", 202),
        "Wiśniewski",
        "Łukasz",
        "",
        "Luke",
        date(2014, 1, 17),
        "Year 7",
        "7HB2",
        "No SEN",
        "",
        "",
        None,
    ),
    (
        3103,
        upn("940", "4105", "18", 203),
        "Adeyemi",
        "Tobi",
        "",
        "",
        date(2013, 5, 25),
        "Year 8",
        "8HB1",
        "EHC Plan",
        "SLD",
        "PD",
        date(2020, 10, 19),
    ),
    (
        3104,
        upn("940", "4105", "17", 204),
        "Hirst",
        "Evie",
        "",
        "",
        date(2012, 11, 2),
        "Year 9",
        "9HB1",
        "SEN Support",
        "SPLD",
        "",
        date(2024, 6, 3),
    ),
    (
        3105,
        upn("940", "4105", "16", 205),
        "Nazir",
        "Ibrahim",
        "",
        "",
        date(2011, 2, 13),
        "Year 10",
        "10HB2",
        "EHC Plan",
        "ASD",
        "SEMH",
        date(2022, 1, 10),
    ),
    (
        3106,
        upn("940", "4105", "16", 206),
        "Lund",
        "Freya",
        "",
        "",
        date(2011, 8, 29),
        "Year 10",
        "10HB1",
        "No SEN",
        "",
        "",
        None,
    ),
    (
        3107,
        upn("940", "4105", "15", 207),
        "Dąbrowski",
        "Wojciech",
        "",
        "",
        date(2010, 9, 7),
        "Year 11",
        "11HB1",
        "SEN Support",
        "MLD",
        "",
        date(2023, 9, 18),
    ),
    (
        3108,
        upn("940", "4105", "15", 208),
        "Mahmood",
        "Aaliyah",
        "",
        "",
        date(2010, 12, 31),
        "Year 11",
        "11HB2",
        "SEN Support",
        "SEMH",
        "SLCN",
        date(2025, 4, 28),
    ),
    (
        3109,
        upn("940", "4105", "19", 209),
        "Booth",
        "Harrison",
        "",
        "Harry",
        date(2014, 6, 15),
        "Year 7",
        "7HB1",
        "No SEN",
        "",
        "",
        None,
    ),
    (
        3110,
        upn("940", "4105", "18", 210),
        "Clegg",
        "Poppy",
        "",
        "",
        date(2013, 8, 1),
        "Year 8",
        "8HB1",
        "SEN Support",
        "VI",
        "",
        date(2019, 9, 4),
    ),
]


def bromcom_xlsx():
    heads = [
        "Admission No",
        "UPN",
        "Legal Surname",
        "Legal Forename",
        "Preferred Surname",
        "Preferred Forename",
        "DOB",
        "Year Group",
        "Tutor Group",
        "SEN Provision",
        "Primary Need Type",
        "Secondary Need Type",
        "Provision Start Date",
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Student List"
    ws.append(heads)
    for row in HOLLYBANK:
        ws.append([v if v != "" else None for v in row])
    for r in range(2, ws.max_row + 1):
        for col in (7, 13):
            cell = ws.cell(row=r, column=col)
            if cell.value is not None:
                cell.number_format = "DD/MM/YYYY"
    save_workbook(wb, REGISTER / "bromcom.xlsx")
    k = sum(1 for r in HOLLYBANK if r[9] == "SEN Support")
    e = sum(1 for r in HOLLYBANK if r[9] == "EHC Plan")
    EXPECTED_REGISTER["bromcom.xlsx"] = {
        "imports": True,
        "pupils": len(HOLLYBANK),
        "on_register_k": k,
        "ehcp_e": e,
        "monitoring_m": 0,
        "not_sen_n": len(HOLLYBANK) - k - e,
        "key": "mis_id",
        "scope": "whole-roll",
        "notes": "Admission No are numeric cells (3101, not '3101' text): read as '3101', never "
        "'3101.0'. DOB and Provision Start Date are real Excel date cells (number "
        "format DD/MM/YYYY). Polish names in UTF-8 inside the workbook. All UPNs from "
        "LA 940 (North Northamptonshire): valid check letters, rejected by stdnum.",
    }


# --- ScholarPack: Little Harwood Primary (no admission number) ----------------------------------

HARWOOD = [
    (
        upn("942", "2045", "22", 11),
        "Smith",
        "Alfie",
        "",
        "2021-10-04",
        "Nursery 1",
        "Acorns",
        "N - No special educational need",
        "",
        "",
    ),
    (
        upn("942", "2045", "22", 12),
        "Kaur",
        "Simran",
        "",
        "2021-06-15",
        "N2",
        "Acorns",
        "K - SEN support",
        "SLCN",
        "",
    ),
    (
        upn("942", "2045", "21", 31),
        "Murphy",
        "Saoirse",
        "",
        "2020-11-20",
        "Reception",
        "Oak",
        "N - No special educational need",
        "",
        "",
    ),
    (
        upn("942", "2045", "21", 32),
        "Jones",
        "Mason",
        "",
        "2020-09-09",
        "Reception",
        "Oak",
        "K - SEN support",
        "NSA",
        "",
    ),
    (
        upn("942", "2045", "20", 41),
        "Ahmed",
        "Yusuf",
        "",
        "2019-12-03",
        "Year 1",
        "Ash",
        "E - Education, health and care plan",
        "PMLD",
        "VI",
    ),
    (
        upn("942", "2045", "19", 52),
        "Taylor",
        "Lola",
        "",
        "2018-05-05",
        "Year 2",
        "Beech",
        "N - No special educational need",
        "",
        "",
    ),
    (
        upn("942", "2045", "18", 63),
        "Brown",
        "Reuben",
        "",
        "2017-07-19",
        "Year 3",
        "Cedar",
        "K - SEN support",
        "SPLD",
        "",
    ),
    (
        upn("942", "2045", "17", 74),
        "Wilson",
        "Ella-Rose",
        "",
        "2016-03-08",
        "Year 4",
        "Elm",
        "K - SEN support",
        "SEMH",
        "SLCN",
    ),
    (
        upn("942", "2045", "16", 85),
        "Evans",
        "Jacob",
        "Jake",
        "2015-01-23",
        "Year 5",
        "Hazel",
        "N - No special educational need",
        "",
        "",
    ),
    (
        upn("942", "2045", "15", 96),
        "Thomas",
        "Maja",
        "",
        "2014-10-30",
        "Year 6",
        "Willow",
        "E - Education, health and care plan",
        "ASD",
        "",
    ),
    (
        upn("942", "2045", "15", 97),
        "Roberts",
        "Harriet",
        "",
        "2014-09-02",
        "Year 6",
        "Willow",
        "K - SEN support",
        "MLD",
        "SLCN",
    ),
]


def scholarpack_csv():
    heads = [
        "UPN",
        "Surname",
        "Forename",
        "Preferred Forename",
        "Date of Birth",
        "Year",
        "Class",
        "SEN Provision",
        "Primary SEN Need",
        "Secondary SEN Need",
    ]
    rows = [heads] + [list(r) for r in HARWOOD]
    write_bytes(REGISTER / "scholarpack-primary.csv", csv_text(rows).encode("utf-8"))
    k = sum(1 for r in HARWOOD if r[7].startswith("K"))
    e = sum(1 for r in HARWOOD if r[7].startswith("E"))
    EXPECTED_REGISTER["scholarpack-primary.csv"] = {
        "imports": True,
        "pupils": len(HARWOOD),
        "on_register_k": k,
        "ehcp_e": e,
        "monitoring_m": 0,
        "not_sen_n": len(HARWOOD) - k - e,
        "key": "upn",
        "scope": "whole-roll",
        "notes": "No admission number column: UPN is the only key (needs a mapping file or a "
        "UPN-keyed import; today's importer requires an MIS id column). No start-date "
        "column at all, although two pupils are E: either the importer accepts E "
        "without a date when the column is absent, or this file is refused naming the "
        "missing 'Provision start date' column (line 1). Years 'Nursery 1', 'N2', "
        "'Reception', 'Year 1'..'Year 6'. Plain UTF-8, no BOM, ASCII only. ISO DOB. "
        "All UPNs from LA 942 (Cumberland): stdnum rejects them.",
        "alternative_if_start_date_column_required": {
            "imports": False,
            "errors": [{"line": 1, "column": None, "problem": "no Provision start date column"}],
        },
    }


# --- Wonde API feed flattened to CSV ------------------------------------------------------------

WONDE = [
    # wonde id, mis_id, upi, legal first, legal last, forename, surname, dob, nc year code, reg,
    # upn, sen_status, need1, need2, start
    (
        "A1329183376",
        "4501",
        "e3b0c44298fc1c149afbf4c8996fb924",
        "Jessica",
        "Hargreaves",
        "Jess",
        "Hargreaves",
        "2015-01-23",
        "5",
        "5W",
        upn("801", "2260", "19", 401),
        "K",
        "SPLD",
        "",
        "2024-10-07",
    ),
    (
        "A1329183377",
        "4502",
        "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "Mohammed",
        "Ali",
        "Mohammed",
        "Ali",
        "2014-05-02",
        "6",
        "6H",
        upn("801", "2260", "18", 402),
        "E",
        "SEMH",
        "SLCN",
        "2023-02-01",
    ),
    (
        "A1329183378",
        "4503",
        "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "Niamh",
        "Gallagher",
        "Niamh",
        "Gallagher",
        "2016-08-19",
        "4",
        "4W",
        upn("801", "2260", "20", 403),
        "N",
        "",
        "",
        "",
    ),
    (
        "A1329183379",
        "4504",
        "11223344556677889900aabbccddeeff",
        "Kacper",
        "Zieliński",
        "Kacper",
        "Zielinski",
        "2017-02-28",
        "3",
        "3H",
        upn("801", "2260", "21", 404),
        "K",
        "SLCN",
        "",
        "2025-03-17",
    ),
    (
        "A1329183380",
        "4505",
        "ffeeddccbbaa00998877665544332211",
        "Sophia",
        "Okafor",
        "Sophie",
        "Okafor",
        "2019-11-30",
        "1",
        "1W",
        upn("801", "2260", "23", 405),
        "N",
        "",
        "",
        "",
    ),
    (
        "A1329183381",
        "4506",
        "1234567890abcdef1234567890abcdef",
        "Harry",
        "Whitehead",
        "Harry",
        "Whitehead",
        "2020-07-16",
        "R",
        "RH",
        "",
        "K",
        "NSA",
        "",
        "2025-11-03",
    ),
    (
        "A1329183382",
        "4507",
        "abcdef1234567890abcdef1234567890",
        "Amelia",
        "Crabtree",
        "Millie",
        "Crabtree",
        "2013-12-09",
        "6",
        "6W",
        upn("801", "2260", "18", 407),
        "E",
        "ASD",
        "",
        "2019-05-20",
    ),
    (
        "A1329183383",
        "4508",
        "0a0b0c0d0e0f10111213141516171819",
        "Oliver",
        "Pilling",
        "Ollie",
        "Pilling",
        "2018-04-01",
        "2",
        "2H",
        upn("801", "2260", "22", 408),
        "N",
        "",
        "",
        "",
    ),
]


def wonde_csv():
    heads = [
        "id",
        "mis_id",
        "upi",
        "legal_forename",
        "legal_surname",
        "forename",
        "surname",
        "date_of_birth.date",
        "date_of_birth.timezone_type",
        "date_of_birth.timezone",
        "year.data.code",
        "registration.data.name",
        "education_details.data.upn",
        "education_details.data.admission_number",
        "extended_details.data.sen_status",
        "sen_needs.data.0.type",
        "sen_needs.data.0.ranking",
        "sen_needs.data.1.type",
        "sen_needs.data.1.ranking",
        "sen_needs.data.0.start_date.date",
    ]
    rows = [heads]
    for wid, mis, upi, lf, ll, f, s, dob, yc, reg, u, st, n1, n2, start in WONDE:
        rows.append(
            [
                wid,
                mis,
                upi,
                lf,
                ll,
                f,
                s,
                f"{dob} 00:00:00.000000",
                "3",
                "Europe/London",
                yc,
                reg,
                u,
                mis.zfill(6),
                st,
                n1,
                "1" if n1 else "",
                n2,
                "2" if n2 else "",
                f"{start} 00:00:00.000000" if start else "",
            ]
        )
    write_bytes(REGISTER / "wonde-flattened.csv", csv_text(rows, newline="\n").encode("utf-8"))
    k = sum(1 for r in WONDE if r[11] == "K")
    e = sum(1 for r in WONDE if r[11] == "E")
    EXPECTED_REGISTER["wonde-flattened.csv"] = {
        "imports": True,
        "pupils": len(WONDE),
        "on_register_k": k,
        "ehcp_e": e,
        "monitoring_m": 0,
        "not_sen_n": len(WONDE) - k - e,
        "key": "mis_id",
        "scope": "whole-roll",
        "notes": "Dotted headings from flattening Wonde's JSON (include=year,registration,"
        "education_details,extended_details,sen_needs: the last two include names are "
        "assumptions). 'id' is Wonde's own id and is NOT the key; mis_id is. Dates are "
        "Wonde datetime strings '2015-01-23 00:00:00.000000'. LF line endings. A "
        "Reception pupil (year code 'R') has no UPN. Primary need = the need with "
        "ranking 1.",
    }


# --- UTF-8 without BOM, semicolons, Polish and Irish names ---------------------------------------

POLISH = [
    (
        "005101",
        upn("801", "5012", "19", 501),
        "Wiśniewski",
        "Łukasz",
        "",
        "",
        "Y7",
        "7S",
        "K",
        "SPLD",
        "",
        "03/02/2025",
    ),
    (
        "005102",
        upn("801", "5012", "19", 502),
        "Kowalczyk",
        "Zofia",
        "",
        "",
        "Y7",
        "7T",
        "N",
        "",
        "",
        "",
    ),
    (
        "005103",
        upn("801", "5012", "18", 503),
        "Wójcik",
        "Małgorzata",
        "",
        "Gosia",
        "Y8",
        "8S",
        "E",
        "SLCN",
        "ASD",
        "14/10/2022",
    ),
    (
        "005104",
        upn("801", "5012", "17", 504),
        "Dąbrowska",
        "Agnieszka",
        "",
        "",
        "Y9",
        "9T",
        "K",
        "SEMH",
        "",
        "1/9/2025",
    ),
    (
        "005105",
        upn("801", "5012", "17", 505),
        "O’Brien",
        "Siobhán",
        "",
        "",
        "Y9",
        "9S",
        "N",
        "",
        "",
        "",
    ),
    (
        "005106",
        upn("801", "5012", "16", 506),
        "Lewandowski",
        "Paweł",
        "",
        "",
        "Y10",
        "10T",
        "K",
        "MLD",
        "SPLD",
        "20/01/2025",
    ),
    (
        "005107",
        upn("801", "5012", "16", 507),
        "Nguyễn",
        "Thảo",
        "",
        "",
        "Y10",
        "10S",
        "N",
        "",
        "",
        "",
    ),
    (
        "005108",
        upn("801", "5012", "15", 508),
        "Brontë-Haigh",
        "Zoë",
        "",
        "",
        "Y11",
        "11T",
        "K",
        "HI",
        "",
        "05/05/2021",
    ),
    (
        "005109",
        upn("801", "5012", "15", 509),
        "Szymańska",
        "Żaneta",
        "",
        "",
        "Y11",
        "11S",
        "E",
        "PD",
        "",
        "29/02/2024",
    ),
]


def polish_csv():
    heads = [
        "Adno",
        "UPN",
        "Legal Surname",
        "Legal Forename",
        "Preferred Surname",
        "Preferred Forename",
        "Year",
        "Reg",
        "SEN Status",
        "Primary Need",
        "Secondary Need",
        "Start Date",
    ]
    rows = [heads] + [list(r) for r in POLISH]
    write_bytes(REGISTER / "utf8-no-bom-polish.csv", csv_text(rows, delimiter=";").encode("utf-8"))
    k = sum(1 for r in POLISH if r[8] == "K")
    e = sum(1 for r in POLISH if r[8] == "E")
    EXPECTED_REGISTER["utf8-no-bom-polish.csv"] = {
        "imports": True,
        "pupils": len(POLISH),
        "on_register_k": k,
        "ehcp_e": e,
        "monitoring_m": 0,
        "not_sen_n": len(POLISH) - k - e,
        "key": "mis_id",
        "scope": "whole-roll",
        "notes": "UTF-8 with no BOM, semicolon-delimited (Excel in a Polish/European locale). "
        "Names must round-trip exactly: Łukasz Wiśniewski, Małgorzata Wójcik, Żaneta "
        "Szymańska, Zoë Brontë-Haigh, Siobhán O’Brien (U+2019), Thảo Nguyễn. Years "
        "'Y7'..'Y11'. Start dates mix dd/mm/yyyy and d/m/yyyy; 29/02/2024 is a real "
        "leap day.",
    }


# --- Mixed-case headings, spaced/lower-case UPNs, word variants -----------------------------------


def spaced(u: str) -> str:
    return f"{u[0].lower()}{u[1:4]} {u[4:8]} {u[8:]}".lower()


MESSY = [
    (
        "7001",
        " " + spaced(upn("801", "6001", "19", 601)) + " ",
        "Haworth",
        "Ethan",
        "Y7",
        "7E",
        "K - SEN Support",
        "SpLD",
        "",
    ),
    (
        "7002",
        upn("801", "6001", "18", 602).lower(),
        "Greenwood",
        "Lucy",
        "Yr 8",
        "8G",
        "EHCP",
        "SEMH - Social, Emotional and Mental Health",
        "Visual Impairment",
    ),
    (
        "7003",
        upn("801", "6001", "17", 603),
        "Sutcliffe",
        "Jack",
        "Year 09",
        "9S",
        "Education, Health and Care Plan",
        "ASC",
        "",
    ),
    ("7004", upn("801", "6001", "16", 604), "Ackroyd", "Megan", "10", "10A", "n", "", ""),
    (
        "7005",
        upn("801", "6001", "15", 605),
        "Holroyd",
        "Daniel",
        "Year 11",
        "11H",
        " SEN Support ",
        "slcn",
        "",
    ),
    ("7006", upn("801", "6001", "14", 606), "Firth", "Chloe", "Year 12", "12F", "No SEN", "", ""),
    (
        "7007",
        upn("801", "6001", "13", 607),
        "Brook",
        "Samuel",
        "13",
        "13B",
        "K",
        "Moderate Learning Difficulty",
        "Speech, Language and Communication Needs",
    ),
    ("7008", upn("801", "6001", "22", 608), "Lister", "Ruby", "R", "RL", "K", "NSA", ""),
    ("7009", "", "Pollard", "Arlo", "N1", "N1P", "N", "", ""),
]


def messy_csv():
    heads = [
        "  ADNO",
        "upn ",
        "LEGAL surname",
        " Legal  Forename ",
        "year",
        "REG",
        "sen status",
        "Primary need",
        "SECONDARY NEED",
        "Start date  ",
    ]
    starts = {
        "7001": "16/01/2025",
        "7002": "2023-09-04",
        "7003": "07/03/2022",
        "7005": "6/1/2025",
        "7007": "11/11/2024",
        "7008": "01/12/2025",
    }
    rows = [heads] + [
        [a, u, last, f, y, rg, pr, n1, n2, starts.get(a, "")]
        for (a, u, last, f, y, rg, pr, n1, n2) in MESSY
    ]
    write_bytes(REGISTER / "messy-headings-and-values.csv", csv_text(rows).encode("utf-8"))
    EXPECTED_REGISTER["messy-headings-and-values.csv"] = {
        "imports": True,
        "pupils": len(MESSY),
        "on_register_k": 4,
        "ehcp_e": 2,
        "monitoring_m": 0,
        "not_sen_n": 3,
        "key": "mis_id",
        "scope": "whole-roll",
        "normalised_upns": {
            "7001": upn("801", "6001", "19", 601),
            "7002": upn("801", "6001", "18", 602),
        },
        "normalised_years": {
            "7001": "7",
            "7002": "8",
            "7003": "9",
            "7004": "10",
            "7005": "11",
            "7006": "12",
            "7007": "13",
            "7008": "R",
            "7009": "N1",
        },
        "normalised_needs": {
            "7001": ["SPLD"],
            "7002": ["SEMH", "VI"],
            "7003": ["ASD"],
            "7005": ["SLCN"],
            "7007": ["MLD", "SLCN"],
            "7008": ["NSA"],
        },
        "notes": "Headings in odd case with leading/trailing/double spaces (SIMS preset). UPNs "
        "lower-case and with spaces ('m801 6001 19601' style) must normalise to the "
        "13-character form. Provision spelt 'K - SEN Support', 'EHCP', 'Education, "
        "Health and Care Plan', 'n', ' SEN Support ', 'No SEN'. Needs 'SpLD', 'SEMH - "
        "Social, Emotional and Mental Health' (code-with-meaning, as GIAS writes "
        "'SpLD - Specific Learning Difficulty'), 'Visual Impairment', 'ASC', 'slcn', "
        "full names. Years 'Y7', 'Yr 8', 'Year 09', '10', 'R', 'N1'.",
    }


# --- Broken files --------------------------------------------------------------------------------

SIMS_HEADS = [
    "Adno",
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Preferred Surname",
    "Preferred Forename",
    "Year",
    "Reg",
    "SEN Status",
    "Primary Need",
    "Secondary Need",
    "Start Date",
]


def sims_row(p, prov=None, start=None):
    needs = p["needs"] + ["", ""]
    pr = prov or p["prov"]
    return [
        p["adno"],
        p["upn"],
        p["last"],
        p["first"],
        p["plast"],
        p["pfirst"],
        f"Year {p['year']}",
        p["reg"],
        pr,
        needs[0] if pr in "EK" else "",
        needs[1] if pr in "EK" else "",
        sims_date(p["start"]) if start is None else start,
    ]


def broken_files():
    base = OAKHILL[:12]
    # 1. bad UPN check letter on the 6th pupil (line 7)
    rows = [SIMS_HEADS] + [sims_row(p) for p in base]
    bad_i = 5
    rows[bad_i + 1][1] = wrong_letter(base[bad_i]["upn"])
    write_bytes(REGISTER / "broken-bad-upn-check-letter.csv", csv_text(rows).encode("utf-8"))
    EXPECTED_REGISTER["broken-bad-upn-check-letter.csv"] = {
        "imports": False,
        "errors": [{"line": bad_i + 2, "column": "UPN", "problem": "check letter does not match"}],
        "notes": f"Line {bad_i + 2} has {rows[bad_i + 1][1]}; the right check letter is "
        f"{base[bad_i]['upn'][0]}. Other UPNs include LA 838/839/940 numbers, which "
        "are valid and must NOT be reported.",
    }

    # 2. EHC plan with no start date where the column exists
    rows = [SIMS_HEADS] + [sims_row(p) for p in base]
    e_idx = next(i for i, p in enumerate(base) if p["prov"] == "E" and i > 3)
    rows[e_idx + 1][11] = ""
    write_bytes(REGISTER / "broken-ehcp-no-start-date.csv", csv_text(rows).encode("utf-8"))
    EXPECTED_REGISTER["broken-ehcp-no-start-date.csv"] = {
        "imports": False,
        "errors": [
            {
                "line": e_idx + 2,
                "column": "Start Date",
                "problem": "E (EHC plan) needs the date it began",
            }
        ],
        "notes": "K pupils with blank dates elsewhere would be fine; only E needs a date.",
    }

    # 3. same pupil twice with different provision
    rows = [SIMS_HEADS] + [sims_row(p) for p in base]
    dup = base[3]  # K pupil
    rows.append(sims_row(dup, prov="E"))
    write_bytes(REGISTER / "broken-duplicate-pupil.csv", csv_text(rows).encode("utf-8"))
    EXPECTED_REGISTER["broken-duplicate-pupil.csv"] = {
        "imports": False,
        "errors": [
            {
                "line": len(rows),
                "column": "Adno",
                "problem": "same MIS id as line 5",
                "first_line": 5,
            }
        ],
        "notes": "Adno 002403 on line 5 (K) and again on the last line (E). The UPN is the same "
        "too; one message naming the Adno column (and both lines) is expected, a second "
        "one for UPN is acceptable.",
    }

    # 4. cut off mid-row (export interrupted): last line ends inside a quoted value, no newline
    rows = [SIMS_HEADS] + [sims_row(p) for p in base]
    text = csv_text(rows)
    last = OAKHILL[12]
    tail = f'{last["adno"]},{last["upn"]},{last["last"]},"{last["first"]}'
    write_bytes(REGISTER / "broken-cut-off-mid-row.csv", (text + tail).encode("utf-8"))
    EXPECTED_REGISTER["broken-cut-off-mid-row.csv"] = {
        "imports": False,
        "errors": [
            {
                "line": len(rows) + 1,
                "column": None,
                "problem": "line cut short: an opening quote is never "
                "closed / 4 cells where the header has 12",
            }
        ],
        "notes": "The last line stops inside a quoted forename with no closing quote and no "
        "final newline. The message names the line; no column applies (a column of "
        "'Legal Forename' for the unclosed quote would also be acceptable).",
    }

    # 5. Excel's phantom rows of separators only at the end (imports fine)
    rows = [SIMS_HEADS] + [sims_row(p) for p in base] + [[""] * len(SIMS_HEADS)] * 4
    write_bytes(REGISTER / "excel-phantom-rows.csv", csv_text(rows).encode("utf-8"))
    EXPECTED_REGISTER["excel-phantom-rows.csv"] = counts(
        base,
        scope="whole-roll",
        notes="Four trailing lines of only commas (',,,,,,,,,,,'), as Excel writes when cells "
        "below the data were once touched. They are not pupils and not errors.",
    )

    # 6. 'Year 12/13' (a mixed sixth-form group), not a year group
    rows = [SIMS_HEADS] + [sims_row(p) for p in OAKHILL[22:28]]
    rows[3][6] = "Year 12/13"
    write_bytes(REGISTER / "broken-year-12-13.csv", csv_text(rows).encode("utf-8"))
    EXPECTED_REGISTER["broken-year-12-13.csv"] = {
        "imports": False,
        "errors": [{"line": 4, "column": "Year", "problem": "not a year group"}],
        "notes": "'Year 12/13' is a sixth-form tutor-group label, not a census year; the "
        "message lists the allowed years. (SIMS writes 'Year 12'; combined labels come "
        "from schools that name year groups by key stage.)",
    }


# --- teaching groups ------------------------------------------------------------------------------

STAFF = [
    # code, title, forename, surname, email
    ("THA", "Mr", "Tom", "Hargreaves", "tom.hargreaves@oakhill.example"),
    ("ABE", "Ms", "Aisha", "Begum", "aisha.begum@oakhill.example"),
    ("NOS", "Dr", "Nathan", "Osei", "nathan.osei@oakhill.example"),
    ("LFE", "Mrs", "Lucy", "Fenwick", "lucy.fenwick@oakhill.example"),
    ("RLL", "Mr", "Rhys", "Llewellyn", "rhys.llewellyn@oakhill.example"),
    ("JCR", "Mrs", "Janet", "Crossley", "janet.crossley@oakhill.example"),
    ("SON", "Miss", "Sinéad", "O’Neill", "sinead.oneill@oakhill.example"),
]
CLASSES = [
    # class code, subject, staff code, year
    ("7A/En1", "English", "THA", 7),
    ("7A/Ma1", "Mathematics", "ABE", 7),
    ("8B/Sc2", "Science", "NOS", 8),
    ("9C/En2", "English", "LFE", 9),
    ("10x/Ma2", "Mathematics", "RLL", 10),
    ("11y/Hi1", "History", "SON", 11),
]


def teaching_files():
    by_year = {}
    for p in OAKHILL:
        by_year.setdefault(p["year"], []).append(p)
    staff = {s[0]: s for s in STAFF}
    links = []  # (class, subject, staff code, pupil)
    for code, subj, sc, yr in CLASSES:
        for p in by_year[yr]:
            links.append((code, subj, sc, p))

    # staff list: code -> email
    rows = [["Staff Code", "Title", "Forename", "Surname", "Work Email"]]
    rows += [[c, t, f, s, e] for (c, t, f, s, e) in STAFF]
    write_bytes(TEACHING / "sims-staff-list.csv", b"\xef\xbb\xbf" + csv_text(rows).encode("utf-8"))
    EXPECTED_TEACHING["sims-staff-list.csv"] = {
        "kind": "staff list (helper)",
        "staff": len(STAFF),
        "notes": "Maps SIMS staff codes to work emails, for class lists that name staff only by "
        "code or name. Sinéad O’Neill's email drops the accent and apostrophe.",
    }

    # 1. SIMS class list: one row per pupil per class, staff by name and code, title rows
    heads = [
        "Class",
        "Subject",
        "Teacher",
        "Staff Code",
        "Adno",
        "Legal Surname",
        "Legal Forename",
        "Year",
        "Reg",
    ]
    rows = [
        ["Class List - Academic Year 2026/2027"],
        ["Printed by: Mrs J Crossley on 04/12/2026"],
        [],
        heads,
    ]
    for code, subj, sc, p in links:
        s = staff[sc]
        rows.append(
            [
                code,
                subj,
                f"{s[1]} {s[2][0]} {s[3]}",
                sc,
                p["adno"],
                p["last"],
                p["first"],
                str(p["year"]),
                p["reg"],
            ]
        )
    rows.append([])
    rows.append([f"Total: {len(links)}"])
    write_bytes(TEACHING / "sims-class-list.csv", csv_text(rows).encode("cp1252"))
    EXPECTED_TEACHING["sims-class-list.csv"] = {
        "imports": True,
        "links": len(links),
        "groups": len(CLASSES),
        "pupils": len({link[3]["adno"] for link in links}),
        "staff": len({link[2] for link in links}),
        "staff_key": "staff code (via sims-staff-list.csv)",
        "pupil_key": "mis_id (Adno)",
        "register": "register/sims-whole-roll.csv",
        "header_line": 4,
        "encoding": "cp1252",
        "notes": "Title and 'Printed by' lines, a blank line, then the header on line 4; footer "
        "'Total: N' after a blank line. Staff named 'Ms A Begum' plus a code; no email "
        "column, so the code must be resolved through the staff list. Saved from Excel "
        "as cp1252 (O’Brien, Siobhán, O’Neill). All roles are teacher.",
    }

    # 2. Arbor class enrolments (staff by email, pupils by Arbor student id)
    heads = [
        "Academic Unit",
        "Subject",
        "Student ID",
        "Student Name",
        "Year Group",
        "Registration Form",
        "Staff Member",
        "Staff Email",
        "Role",
    ]
    rows = [heads]
    arbor_links = 0
    arbor_classes = [
        ("7M English", "English", "d.shaw@marlowepark.example", "Teacher"),
        ("8P Maths Set 2", "Mathematics", "r.kaur@marlowepark.example", "Teacher"),
        ("8P Maths Set 2", "Mathematics", "p.lees@marlowepark.example", "Teaching Assistant"),
    ]
    names = {
        "d.shaw@marlowepark.example": "Dean Shaw",
        "r.kaur@marlowepark.example": "Ravinder Kaur",
        "p.lees@marlowepark.example": "Paula Lees",
    }
    for unit, subj, email, role in arbor_classes:
        yg = unit.split()[0][:-1]
        for sid, _u, first, last, _pf, _pl, _dob, ygroup, form, *_rest in MARLOWE:
            if ygroup == f"Year {yg}":
                rows.append(
                    [unit, subj, sid, f"{first} {last}", ygroup, form, names[email], email, role]
                )
                arbor_links += 1
    # tutor and head of year lines for whole groups
    rows.append(
        [
            "7M",
            "NULL",
            "NULL",
            "NULL",
            "Year 7",
            "7M",
            "Dean Shaw",
            "d.shaw@marlowepark.example",
            "Form Tutor",
        ]
    )
    rows.append(
        [
            "Year 8",
            "NULL",
            "NULL",
            "NULL",
            "Year 8",
            "NULL",
            "Ravinder Kaur",
            "r.kaur@marlowepark.example",
            "Head of Year",
        ]
    )
    write_bytes(
        TEACHING / "arbor-class-enrolments.csv", b"\xef\xbb\xbf" + csv_text(rows).encode("utf-8")
    )
    EXPECTED_TEACHING["arbor-class-enrolments.csv"] = {
        "imports": True,
        "links": arbor_links + 2,
        "pupil_links": arbor_links,
        "whole_group_links": 2,
        "staff_key": "email",
        "pupil_key": "mis_id (Arbor Student ID)",
        "register": "register/arbor-sen.csv",
        "roles": {
            "Teacher": "teacher",
            "Teaching Assistant": "support",
            "Form Tutor": "tutor",
            "Head of Year": "head_of_year",
        },
        "notes": "UTF-8 BOM, 'NULL' for blanks (a tutor/head-of-year line has no pupil). Role "
        "words are Arbor-style and must map as listed.",
    }

    # 3. Bromcom classes as xlsx (staff by code, Admission No numeric)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Classes"
    ws.append(
        [
            "Class Name",
            "Subject",
            "Teacher Code",
            "Teacher",
            "Admission No",
            "Student Name",
            "Year Group",
        ]
    )
    brom_classes = [
        ("7HB1 Eng", "English", "KPA", "K Patel"),
        ("10HB Sci", "Science", "MJO", "M Jones"),
    ]
    n = 0
    for cname, subj, code, tname in brom_classes:
        yr = "Year 7" if cname.startswith("7") else "Year 10"
        for r in HOLLYBANK:
            if r[7] == yr:
                ws.append([cname, subj, code, tname, r[0], f"{r[3]} {r[2]}", yr])
                n += 1
    save_workbook(wb, TEACHING / "bromcom-classes.xlsx")
    EXPECTED_TEACHING["bromcom-classes.xlsx"] = {
        "imports": True,
        "links": n,
        "staff_key": "staff code (no email in file)",
        "pupil_key": "mis_id (Admission No, numeric cells)",
        "register": "register/bromcom.xlsx",
        "notes": "Staff only by code and initial+surname; the lead needs a staff-code mapping "
        "for Hollybank (KPA, MJO) or the import must say which codes are unknown. "
        "Admission No numeric: 3101 not 3101.0.",
        "alternative_without_code_mapping": {
            "imports": False,
            "errors": [
                {"line": 2, "column": "Teacher Code", "problem": "staff code not in the staff list"}
            ],
        },
    }

    # 4. Wonde classes flattened: one row per class x student x employee
    heads = [
        "id",
        "name",
        "code",
        "subject.data.name",
        "students.data.id",
        "students.data.mis_id",
        "employees.data.id",
        "employees.data.mis_id",
        "employees.data.email",
        "employees.data.meta.is_main_teacher",
    ]
    rows = [heads]
    wclasses = [
        (
            "A501",
            "5W Maths",
            "5W/Ma",
            "Mathematics",
            ["4501", "4503"],
            [
                ("E901", "T12", "k.ashworth@harwoodgate.example", "true"),
                ("E902", "S40", "b.morris@harwoodgate.example", "false"),
            ],
        ),
        (
            "A502",
            "6H English",
            "6H/En",
            "English",
            ["4502", "4507"],
            [("E903", "T15", "J.Ormerod@HarwoodGate.example", "true")],
        ),
    ]
    wonde_id = {r[1]: r[0] for r in WONDE}
    nrows = 0
    for cid, name, code, subj, pupils, emps in wclasses:
        for pm in pupils:
            for eid, emis, email, main in emps:
                rows.append([cid, name, code, subj, wonde_id[pm], pm, eid, emis, email, main])
                nrows += 1
    write_bytes(
        TEACHING / "wonde-classes-flattened.csv", csv_text(rows, newline="\n").encode("utf-8")
    )
    EXPECTED_TEACHING["wonde-classes-flattened.csv"] = {
        "imports": True,
        "links": nrows,
        "staff_key": "email (employees.data.email)",
        "pupil_key": "mis_id (students.data.mis_id; students.data.id is Wonde's id)",
        "register": "register/wonde-flattened.csv",
        "roles": {"is_main_teacher true": "teacher", "is_main_teacher false": "support"},
        "notes": "Flattening a class with N students and M employees gives N x M rows. One "
        "email is in mixed case (J.Ormerod@HarwoodGate.example) and must match "
        "case-insensitively. Mapping is_main_teacher=false to support is an "
        "assumption; 'teacher' for everyone is also defensible.",
    }


def write_expected():
    for folder, data in ((REGISTER, EXPECTED_REGISTER), (TEACHING, EXPECTED_TEACHING)):
        text = (
            "# Generated by tests/corpus/make_corpus.py - do not edit by hand.\n"
            "# Acceptance expectations: line numbers are as a spreadsheet shows them "
            "(first line of the file = 1).\n"
        )
        text += yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        (folder / "expected.yaml").write_text(text, encoding="utf-8")


def main():
    sims_sen_register_xlsx()
    sims_whole_roll_csv()
    arbor_sen_csv()
    bromcom_xlsx()
    scholarpack_csv()
    wonde_csv()
    polish_csv()
    messy_csv()
    broken_files()
    teaching_files()
    write_expected()


if __name__ == "__main__":
    main()
