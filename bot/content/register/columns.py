"""The columns of an SEN register export: each MIS's headings, and how cell values are read.

Presets are recognised by their headings, in any order and with any case or spacing; other
columns in the export are ignored. A school whose MIS writes other headings gives them in a
mapping file (mapping.py). Values are trimmed and codes read in any case; common words
("EHCP", "EHC Plan", "SEN Support", "Y7", "Year 7", "Reception") need no mapping file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from bot.content.tabular import squeeze
from bot.domain.register import (
    EHC_PLAN,
    MONITORING,
    NEEDS,
    NO_SEN,
    PROVISIONS,
    SEN_SUPPORT,
    YEAR_GROUPS,
)

# Field -> the name staff see when the file has no heading for it.
FIELDS = {
    "mis_id": "MIS id",
    "upn": "UPN",
    "legal_first": "Legal first name",
    "legal_last": "Legal last name",
    "preferred_first": "Preferred first name",
    "preferred_last": "Preferred last name",
    "year_group": "Year group",
    "reg_group": "Registration group",
    "provision": "SEN provision",
    "primary_need": "Primary need",
    "secondary_need": "Secondary need",
    "provision_start": "Provision start date",
    "profile_url": "Profile link",
    # A report listing each pupil once per need (bot.content.register.needs).
    "need_type": "SEN need type",
    "need_rank": "Need ranking",
}
# A need is required with K and E, so that column must exist even though some cells in it are
# blank. The MIS id may be missing when the UPN is there (many primary exports have no
# admission number): pupils are then told apart by their UPN. An export with no start-date
# column at all is taken as it is; where the column exists, an EHC plan needs its date.
REQUIRED = (
    "mis_id",
    "legal_first",
    "legal_last",
    "year_group",
    "provision",
    "primary_need",
)

# Headings each export writes. Exports are configurable, so these are the usual ones, not the
# only ones; a school with others uses a mapping file.
PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "sendbot": {field: (label,) for field, label in FIELDS.items()}
    | {"mis_id": ("MIS id", "MIS number"), "profile_url": ("Profile link", "One-page profile")},
    "SIMS": {
        "mis_id": ("Adno", "Admission Number"),
        "upn": ("UPN",),
        "legal_last": ("Legal Surname",),
        "legal_first": ("Legal Forename",),
        "preferred_last": ("Preferred Surname",),
        "preferred_first": ("Preferred Forename",),
        "year_group": ("Year", "NC Year"),
        "reg_group": ("Reg", "Reg Group"),
        "provision": ("SEN Status", "SEN Provision"),
        "primary_need": ("Primary Need",),
        "secondary_need": ("Secondary Need",),
        "provision_start": ("Start Date", "SEN Start Date"),
        "profile_url": ("One Page Profile", "Pupil Profile"),
        "need_type": ("SEN Need Type", "Need Type"),
        "need_rank": ("Ranking", "Need Ranking", "Rank"),
    },
    "Arbor": {
        "mis_id": ("Arbor Student ID", "Student ID"),
        "upn": ("UPN",),
        "legal_first": ("Legal First Name",),
        "legal_last": ("Legal Last Name",),
        "preferred_first": ("Preferred First Name",),
        "preferred_last": ("Preferred Last Name",),
        "year_group": ("Year", "Year Group"),
        "reg_group": ("Registration Form", "Form"),
        "provision": ("SEN Status",),
        "primary_need": ("Primary SEN Need",),
        "secondary_need": ("Secondary SEN Need",),
        "provision_start": ("SEN Status Start Date",),
        "profile_url": ("Pupil Passport", "Pupil Passport Link"),
    },
    "Bromcom": {
        "mis_id": ("Admission No", "Bromcom ID"),
        "upn": ("UPN",),
        "legal_last": ("Legal Surname",),
        "legal_first": ("Legal Forename",),
        "preferred_last": ("Preferred Surname",),
        "preferred_first": ("Preferred Forename",),
        "year_group": ("Year Group",),
        "reg_group": ("Tutor Group",),
        "provision": ("SEN Provision", "SEN Stage"),
        "primary_need": ("Primary Need Type",),
        "secondary_need": ("Secondary Need Type",),
        "provision_start": ("Provision Start Date",),
        "profile_url": ("Profile URL",),
    },
    # ScholarPack (primary): often no admission number (pupils are then told apart by UPN), the
    # legal names as plain "Forename" and "Surname", the class as the registration group.
    "ScholarPack": {
        "mis_id": ("Pupil ID", "Admission Number"),
        "upn": ("UPN",),
        "legal_first": ("Forename", "Legal Forename"),
        "legal_last": ("Surname", "Legal Surname"),
        "preferred_first": ("Preferred Forename",),
        "preferred_last": ("Preferred Surname",),
        "year_group": ("Year", "Year Group", "NC Year"),
        "reg_group": ("Class", "Registration Group"),
        "provision": ("SEN Provision", "SEN Status"),
        "primary_need": ("Primary SEN Need", "Primary Need"),
        "secondary_need": ("Secondary SEN Need", "Secondary Need"),
        "provision_start": ("SEN Start Date", "Start Date"),
        "profile_url": ("Pupil Profile",),
    },
    # Wonde's API answers in JSON; a feed flattened to CSV names each column by its path, with
    # the includes (year, registration, education_details, extended_details, sen_needs) nested
    # under "data". Needs come as a list, first the primary (ranking 1), then the secondary.
    "Wonde": {
        "mis_id": ("mis_id",),
        "upn": ("upn", "education_details.data.upn"),
        "legal_first": ("legal_forename",),
        "legal_last": ("legal_surname",),
        "preferred_first": ("forename",),
        "preferred_last": ("surname",),
        "year_group": ("year_group", "year", "year.data.code"),
        "reg_group": ("registration_group", "form_group", "registration.data.name"),
        "provision": ("sen_status", "sen_provision", "extended_details.data.sen_status"),
        "primary_need": ("sen_primary_need", "primary_need", "sen_needs.data.0.type"),
        "secondary_need": ("sen_secondary_need", "secondary_need", "sen_needs.data.1.type"),
        "provision_start": ("sen_start_date", "sen_needs.data.0.start_date.date"),
        "profile_url": ("profile_url",),
    },
}
MAPPING_PRESET = "mapping file"
TRANSLATED = ("provision", "year_group", "need")

_PROVISION_WORDS = {
    EHC_PLAN: ("ehcp", "ehcplan", "ehc", "educationhealthandcareplan", "educationhealthcareplan"),
    SEN_SUPPORT: ("sensupport", "support", "senk"),
    NO_SEN: (
        "nosen",
        "none",
        "no",
        "notsen",
        "nospecialeducationalneed",
        "nospecialeducationalneeds",
    ),
    MONITORING: ("monitoring", "monitor", "senmonitoring", "monitoringlist"),
}
PROVISION_WORDS = {word: code for code, words in _PROVISION_WORDS.items() for word in words} | {
    code.lower(): code for code in PROVISIONS
}
# "K - SEN Support", as some MIS lists show a code with its meaning.
CODE_WITH_MEANING = re.compile(r"^([EKNM])\s*[-–—:]", re.IGNORECASE)
NEED_WORDS = {squeeze(name): code for code, (name, _) in NEEDS.items()} | {
    code.lower(): code for code in NEEDS
}
NEED_WORDS |= {"asc": "ASD", "autism": "ASD", "autisticspectrumcondition": "ASD"}
# The names MIS exports write (the DfE's statistics labels and their plurals), beside the
# census's own wording above.
NEED_WORDS |= {
    "specificlearningdifficulties": "SPLD",
    "moderatelearningdifficulties": "MLD",
    "severelearningdifficulties": "SLD",
    "profoundmultiplelearningdifficulty": "PMLD",
    "profoundmultiplelearningdifficulties": "PMLD",
    "profoundandmultiplelearningdifficulties": "PMLD",
    "speechlanguageandcommunicationneed": "SLCN",
    "speechlanguageandcommunicationsneeds": "SLCN",
    "visualimpairment": "VI",
    "multisensoryimpairment": "MSI",
    "otherdifficultydisability": "OTH",
    "downsyndrome": "DS",
}
# "SEMH - Social, Emotional and Mental Health": a code with its meaning.
NEED_WITH_MEANING = re.compile(r"^([A-Za-z]{2,4})\s*[-–—:]")
YEAR_WORDS = {"reception": "R", "rec": "R", "yr": "R", "nursery1": "N1", "nursery2": "N2"}
YEAR_PREFIXES = ("ncyear", "year", "yr", "y")
YEARS_ALLOWED = 'N1, N2, R (Reception) and 1 to 14, also written as "Year 7" or "Y7"'
PROVISIONS_ALLOWED = (
    'E (EHC plan, also "EHCP"), K (SEN support), N (no SEN) and M (monitoring, not on the register)'
)
NEEDS_ALLOWED = ", ".join(NEEDS)
DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+Z?)?$")


def preset_headings(preset: str) -> dict[str, tuple[str, ...]]:
    """A preset's accepted headings, squeezed for `locate_columns`."""
    return {name: tuple(map(squeeze, headings)) for name, headings in PRESETS[preset].items()}


def parse_provision(text: str, extra: Mapping[str, str]) -> str | None:
    """E, K, N or M, from a code or a word a school uses for it; None when unknown."""
    key = squeeze(text)
    if key in extra:
        return extra[key]
    if key in PROVISION_WORDS:
        return PROVISION_WORDS[key]
    coded = CODE_WITH_MEANING.match(text.strip())
    return coded.group(1).upper() if coded else None


def parse_year_group(text: str, extra: Mapping[str, str] | None = None) -> str | None:
    """The census year group ("R", "7", "N1"...) from "7", "Y7", "Year 07", "Reception"..."""
    key = squeeze(text)
    if extra and key in extra:
        return extra[key]
    key = YEAR_WORDS.get(key, key)
    for prefix in YEAR_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :]
            break
    key = key.upper().lstrip("0") if key.isdigit() else key.upper()
    return key if key in YEAR_GROUPS else None


def parse_need(text: str, extra: Mapping[str, str]) -> str | None:
    """A census need code from a code, its name or a school's own word; None when unknown."""
    key = squeeze(text)
    found = extra.get(key) or NEED_WORDS.get(key)
    if found is None and (coded := NEED_WITH_MEANING.match(text.strip())):
        found = NEED_WORDS.get(coded.group(1).lower())
    return found


def parse_date(text: str) -> date | None:
    """A date written dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd (as Excel dates arrive); else None."""
    text = text.strip()
    if found := DATE_DMY.match(text):
        day, month, year = map(int, found.groups())
    elif found := DATE_ISO.match(text):
        year, month, day = map(int, found.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
