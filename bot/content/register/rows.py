"""One line of a register export as a pupil, with a (field, reason) for each problem in it.

Reasons go to screens and logs, so they never hold the pupil's data: only what is wrong and
what is allowed. The teaching-groups reader checks its UPNs here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError
from stdnum.gb import upn as upn_check

from bot.content.register.columns import (
    NEEDS_ALLOWED,
    PROVISIONS_ALLOWED,
    YEARS_ALLOWED,
    parse_date,
    parse_need,
    parse_provision,
    parse_year_group,
)
from bot.domain.local_authorities import LA_NUMBERS
from bot.domain.register import (
    EHC_PLAN,
    NO_SEN,
    ON_REGISTER,
    ONLY_WITH_SEN_SUPPORT,
    SEN_SUPPORT,
    PupilRecord,
)

# The widths of the Pupil columns (bot/storage/register.py), so a long cell is named by its line.
LIMITS = {"mis_id": 50, "legal_first": 100, "legal_last": 100, "reg_group": 30}
LIMITS |= {"preferred_first": 100, "preferred_last": 100, "profile_url": 500}


def check_row(
    value: dict[str, str], extra: Mapping[str, Mapping[str, str]], found: list[tuple[str, str]]
) -> PupilRecord:
    """One data line as a pupil; (field, reason) for every problem in it is added to `found`."""
    for field in ("mis_id", "legal_first", "legal_last", "year_group"):
        if not value[field]:
            found.append((field, "This is empty; every pupil needs one."))
    for field, limit in LIMITS.items():
        if len(value.get(field, "")) > limit:
            found.append((field, f"This is longer than {limit} characters."))
    upn = check_upn(value.get("upn", ""), found)
    year = ""
    if value["year_group"]:
        year = parse_year_group(value["year_group"], extra.get("year_group")) or ""
        if not year:
            reason = f"This is not a year group. Allowed: {YEARS_ALLOWED}."
            if "/" in value["year_group"]:
                # "Year 12/13" labels a sixth-form or mixed class: it holds pupils of two years.
                reason += (
                    " Two years together name a class, not the pupil's year: export the NC year."
                )
            found.append(("year_group", reason))
    provision = _check_provision(value, extra.get("provision", {}), found)
    needs = extra.get("need", {})
    primary = _check_need("primary_need", value["primary_need"], needs, found)
    secondary = _check_need("secondary_need", value.get("secondary_need", ""), needs, found)
    if provision:
        # A need written but unknown already has its problem; judge the fit on what was written.
        written = (primary or value["primary_need"], secondary or value.get("secondary_need", ""))
        _check_needs_fit(provision, *written, found)
    start = None
    if value.get("provision_start"):
        start = parse_date(value["provision_start"])
        if start is None:
            found.append(
                ("provision_start", "This is not a date. Write it as dd/mm/yyyy or yyyy-mm-dd.")
            )
    elif provision == EHC_PLAN and "provision_start" in value:
        found.append(("provision_start", "A pupil with an EHC plan (E) needs the date it began."))
    url = value.get("profile_url", "")
    if url and not _is_web_link(url):
        found.append(("profile_url", "This must be a web link starting with https:// or http://."))
    return PupilRecord(
        mis_id=value["mis_id"],
        upn=upn,
        legal_first=value["legal_first"],
        legal_last=value["legal_last"],
        preferred_first=value.get("preferred_first", ""),
        preferred_last=value.get("preferred_last", ""),
        year_group=year,
        reg_group=value.get("reg_group", ""),
        provision=provision,
        primary_need=primary,
        secondary_need=secondary,
        provision_start=start,
        profile_url=url,
    )


def check_upn(written: str, found: list[tuple[str, str]], column: str = "upn") -> str:
    """The UPN in capitals without spaces; "" is allowed (not every export carries it). A
    problem is added to `found` under `column`."""
    if not written:
        return ""
    upn = upn_check.compact(written)
    if len(upn) == 13 and upn[-1].isalpha() and upn[1:-1].isdigit():
        found.append(
            (
                column,
                "This is a temporary UPN (it ends in a letter). The register needs the pupil's "
                "permanent UPN; leave the cell blank until the school has it.",
            )
        )
        return upn
    try:
        upn_check.validate(upn)
    except InvalidChecksum:
        reason = "The UPN's check letter (its first character) does not match the rest of it."
    except InvalidLength:
        reason = "A UPN has 13 characters: a letter, then 12 digits."
    except InvalidComponent:
        # stdnum knows only the authorities of January 2011 (bot.domain.local_authorities).
        if int(upn[1:4]) not in LA_NUMBERS:
            reason = "The UPN's local authority number (characters 2 to 4) is not one the DfE uses."
        elif upn_check.calc_check_digit(upn[1:]) != upn[0]:
            reason = "The UPN's check letter (its first character) does not match the rest of it."
        else:
            return upn
    except ValidationError:
        reason = "A UPN is a letter followed by 12 digits."
    else:
        return upn
    found.append((column, f"{reason} Check it in the MIS, or leave the cell blank."))
    return upn


def _check_provision(
    value: dict[str, str], extra: Mapping[str, str], found: list[tuple[str, str]]
) -> str:
    if value["provision"]:
        provision = parse_provision(value["provision"], extra) or ""
        if not provision:
            found.append(
                ("provision", f"This is not an SEN provision. Allowed: {PROVISIONS_ALLOWED}.")
            )
        return provision
    if value["primary_need"] or value.get("secondary_need"):
        found.append(
            (
                "provision",
                "This is empty, but the pupil has a need: write E (EHC plan) or K (SEN "
                "support). A blank provision means no SEN.",
            )
        )
        return ""
    # A whole-roll export (Arbor's, for one) leaves the status blank for a pupil with no SEN.
    return NO_SEN


def _check_need(
    field: str, written: str, extra: Mapping[str, str], found: list[tuple[str, str]]
) -> str:
    if not written:
        return ""
    code = parse_need(written, extra)
    if code is None:
        found.append(
            (
                field,
                f"This is not a census need code. Allowed: {NEEDS_ALLOWED}, or the census "
                "name. Your MIS's own word can be translated in a mapping file, under "
                '"values:" then "need:" (see "A mapping file" in the import guide).',
            )
        )
        return ""
    return code


def _check_needs_fit(
    provision: str, primary: str, secondary: str, found: list[tuple[str, str]]
) -> None:
    if provision in ON_REGISTER and not primary:
        found.append(
            ("primary_need", "A pupil on the register (E or K) needs a primary need code.")
        )
    if provision not in ON_REGISTER:
        for field, code in (("primary_need", primary), ("secondary_need", secondary)):
            if code:
                found.append(
                    (
                        field,
                        "A pupil not on the register (N or M) has no need code; leave it blank.",
                    )
                )
        return
    for field, code in (("primary_need", primary), ("secondary_need", secondary)):
        if code == ONLY_WITH_SEN_SUPPORT and provision != SEN_SUPPORT:
            found.append(
                (
                    field,
                    f"{ONLY_WITH_SEN_SUPPORT} (no specialist assessment) is allowed only "
                    "with K (SEN support).",
                )  # fmt: skip
            )
    if secondary and secondary == primary:
        found.append(("secondary_need", "This is the same as the primary need; leave it blank."))


def _is_web_link(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and " " not in url
