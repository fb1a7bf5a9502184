"""How the register reader takes the values real MIS exports write: UPNs from authorities made
since 2011, and the spellings of provision, need, year group, date and blank cells."""

from __future__ import annotations

from datetime import date

from stdnum.gb import upn as upn_check

from bot.content.register.export import RegisterFile, read_register
from bot.domain.local_authorities import ABOLISHED, CURRENT, LA_NUMBERS

SIMS_HEADER = (
    "Adno,UPN,Legal Surname,Legal Forename,Preferred Surname,Preferred Forename,Year,Reg,"
    "SEN Status,Primary Need,Secondary Need,Start Date"
)
ARBOR_HEADER = (
    "Student ID,UPN,Legal First Name,Legal Last Name,Preferred First Name,Year Group,"
    "Registration Form,SEN Status,Primary SEN Need,Secondary SEN Need,SEN Status Start Date"
)


def upn_from(authority: int, serial: int = 1) -> str:
    """A UPN as the DfE builds one: check letter, LA number, school number, year, serial."""
    body = f"{authority:03d}2000{24:02d}{serial:03d}"
    return upn_check.calc_check_digit(body) + body


def sims(**changes: str) -> RegisterFile:
    cells = {
        "adno": "001301", "upn": "", "last": "Marlowe", "first": "Quentin", "pref_last": "",
        "pref_first": "", "year": "9", "reg": "9MA", "sen": "K", "need": "MLD", "need2": "",
        "start": "01/09/2024",
    } | changes  # fmt: skip
    return read_register(f"{SIMS_HEADER}\r\n{','.join(cells.values())}\r\n".encode())


# -- UPNs from local authorities made since 2011 ----------------------------------------------


def test_the_authority_list_is_todays_with_the_abolished_kept_apart() -> None:
    assert {838, 839, 940, 941, 942, 943} <= CURRENT
    assert {835, 836, 837, 909, 928} == ABOLISHED and not ABOLISHED & CURRENT
    # A UPN is for life: an abolished authority's number stays valid in the UPNs it issued.
    assert LA_NUMBERS == CURRENT | ABOLISHED and 999 not in LA_NUMBERS


# -- Spellings of values ----------------------------------------------------------------------


def test_a_combined_year_label_is_refused_with_what_to_export() -> None:
    # A sixth-form group "Year 12/13" holds pupils of two census years: which, the file omits.
    register = sims(year="Year 12/13")
    assert [(p.line, p.column) for p in register.problems] == [(2, "Year")]
    assert "not a year group" in register.problems[0].reason
    assert "export the NC year" in register.problems[0].reason


def test_a_blank_sen_status_with_no_need_means_no_sen() -> None:
    register = sims(sen="", need="", start="")
    assert register.problems == () and register.rows[0].provision == "N"


def test_a_blank_sen_status_with_a_need_asks_for_e_or_k() -> None:
    register = sims(sen="", need="MLD")
    assert [(p.line, p.column) for p in register.problems] == [(2, "SEN Status")]
    assert "write E (EHC plan) or K (SEN support)" in register.problems[0].reason


def test_a_surname_null_written_as_a_name_is_kept() -> None:
    assert sims(last="Null").rows[0].legal_last == "Null"


def test_an_unknown_need_points_at_the_mapping_files_translations() -> None:
    register = sims(need="Dyslexia")
    reason = register.problems[0].reason
    assert "not a census need code" in reason
    assert "mapping file" in reason and "values" in reason and "need" in reason
    assert "Dyslexia" not in reason


def test_an_arbor_whole_roll_export_as_written_is_read() -> None:
    """Lines as an Arbor report writes them: words for statuses and needs, a blank status for a
    pupil with no SEN, NULLs, timestamps, lower-case and spaced UPNs."""
    lines = [
        ARBOR_HEADER,
        f"A1,{upn_from(838, 1).lower()},Ada,Ashby,NULL,Year 7,7A,SEN Support,"
        "Specific Learning Difficulty,NULL,2015-01-23 00:00:00.000000",
        f"A2,{upn_from(942, 2)[:4]} {upn_from(942, 2)[4:]},Ben,Bell,,Yr 12,12B,"
        "Education, Health and Care Plan,Profound & Multiple Learning Difficulty,"
        "Visual Impairment,23/01/2015",
    ]
    # Arbor quotes a value with a comma in it.
    lines[2] = lines[2].replace(
        "Education, Health and Care Plan", '"Education, Health and Care Plan"'
    )
    lines += [
        "A3,,Cai,Cole,,Reception,RC,Monitoring,,,",
        "A4,,Dot,Dunn,,Nursery 1,N1,,,,",
        "A5,,Eve,Eke,,Year 3,3E,E - EHC Plan,ASD - Autistic Spectrum Disorder,,2020-09-01",
        "A6,,Fin,Fox,,N2,N2,No Special Educational Need,NULL,NULL,NULL",
    ]
    register = read_register("\n".join(lines).encode())
    assert register.problems == (), register.problems
    ada, ben, cai, dot, eve, fin = register.rows
    assert (ada.upn, ada.provision, ada.primary_need) == (upn_from(838, 1), "K", "SPLD")
    assert ada.preferred_first == "" and ada.provision_start == date(2015, 1, 23)
    assert (ben.upn, ben.year_group, ben.provision) == (upn_from(942, 2), "12", "E")
    assert (ben.primary_need, ben.secondary_need) == ("PMLD", "VI")
    assert (cai.year_group, cai.provision) == ("R", "M")
    assert (dot.year_group, dot.provision) == ("N1", "N")
    assert (eve.provision, eve.primary_need) == ("E", "ASD")
    assert (fin.year_group, fin.provision, fin.provision_start) == ("N2", "N", None)
