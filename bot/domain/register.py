"""The SEN register: a pupil's provision and needs, and what changed between two imports.

Codes are the DfE school census's. Provision: E (an EHC plan), K (SEN support), N (no SEN).
Many schools also keep a local "monitoring" list; sendbot calls it M and it is not the register.
Need types are ranked: the primary need is 1, the secondary 2. NSA (SEN support but no
specialist assessment) is valid only with K.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

EHC_PLAN = "E"
SEN_SUPPORT = "K"
NO_SEN = "N"
MONITORING = "M"
PROVISIONS = {
    EHC_PLAN: "EHC plan",
    SEN_SUPPORT: "SEN support",
    NO_SEN: "No SEN",
    MONITORING: "Monitoring (not on the register)",
}
ON_REGISTER = frozenset({EHC_PLAN, SEN_SUPPORT})

# Census need codes, with the Code of Practice's broad area each belongs to (CoP 6.28-6.35).
COGNITION = "Cognition and learning"
COMMUNICATION = "Communication and interaction"
SEMH = "Social, emotional and mental health"
SENSORY = "Sensory and/or physical"
NEEDS: dict[str, tuple[str, str]] = {
    "SPLD": ("Specific learning difficulty", COGNITION),
    "MLD": ("Moderate learning difficulty", COGNITION),
    "SLD": ("Severe learning difficulty", COGNITION),
    "PMLD": ("Profound and multiple learning difficulty", COGNITION),
    "SEMH": ("Social, emotional and mental health", SEMH),
    "SLCN": ("Speech, language and communication needs", COMMUNICATION),
    "ASD": ("Autistic spectrum disorder", COMMUNICATION),
    "HI": ("Hearing impairment", SENSORY),
    "VI": ("Vision impairment", SENSORY),
    "MSI": ("Multi-sensory impairment", SENSORY),
    "PD": ("Physical disability", SENSORY),
    "DS": ("Down syndrome", COGNITION),
    "OTH": ("Other difficulty or disability", ""),
    "NSA": ("SEN support but no specialist assessment of type of need", ""),
}
ONLY_WITH_SEN_SUPPORT = "NSA"

# Year groups as the census writes them: nursery, reception, then 1 to 14.
YEAR_GROUPS = ("N1", "N2", "R", *(str(n) for n in range(1, 15)))


@dataclass(frozen=True)
class PupilRecord:
    """One pupil as a register export gives them, checked. Names are as the MIS holds them;
    `preferred_*` are "" when the pupil has none. `upn` is "" when the export has none."""

    mis_id: str
    upn: str
    legal_first: str
    legal_last: str
    preferred_first: str
    preferred_last: str
    year_group: str
    reg_group: str
    provision: str
    primary_need: str
    secondary_need: str
    provision_start: date | None
    profile_url: str

    @property
    def first_name(self) -> str:
        return self.preferred_first or self.legal_first

    @property
    def last_name(self) -> str:
        return self.preferred_last or self.legal_last


@dataclass(frozen=True)
class Standing:
    """What the register held for a pupil before an import: enough to tell what changed."""

    provision: str
    primary_need: str
    on_roll: bool = True


class ChangeKind(StrEnum):
    """A change on the register that the staff who teach the pupil should hear about."""

    ADDED = "added"  # N, M or not known before, now K or E
    PLAN_ISSUED = "plan_issued"  # K to E
    REMOVED = "removed"  # K or E to N or M, still at the school
    NEED_CHANGED = "need_changed"  # on the register before and after, a new primary need
    LEFT = "left"  # on the register, and no longer in the export: left the school


# Staff who no longer teach a pupil who left have nothing to act on: no alert for LEFT.
ALERTED = frozenset(
    {ChangeKind.ADDED, ChangeKind.PLAN_ISSUED, ChangeKind.REMOVED, ChangeKind.NEED_CHANGED}
)


@dataclass(frozen=True)
class Change:
    """One pupil's change between the register before and the export being imported."""

    mis_id: str
    kind: ChangeKind
    old_provision: str
    new_provision: str
    old_need: str
    new_need: str


class Scope(StrEnum):
    """Which pupils an export lists, and so what a pupil it leaves out means."""

    SEN_ONLY = "sen-only"  # an SEN register report: left out means off the register
    WHOLE_ROLL = "whole-roll"  # every pupil on roll: left out means left the school


def export_scope(incoming: Iterable[PupilRecord]) -> Scope:
    """An export that lists no pupil with no SEN (N) is an SEN register report (a school's
    monitoring list may be in it too); one that lists any is the whole roll."""
    if any(pupil.provision == NO_SEN for pupil in incoming):
        return Scope.WHOLE_ROLL
    return Scope.SEN_ONLY


def diff_register(
    before: Mapping[str, Standing],
    incoming: Iterable[PupilRecord],
    scope: Scope = Scope.WHOLE_ROLL,
) -> list[Change]:
    """Every change that matters, in mis_id order. A pupil on the register whom the export
    leaves out has left the school, or, from an SEN register report, has come off the
    register (the caller guards against partial exports before believing either)."""
    gone = ChangeKind.LEFT if scope is Scope.WHOLE_ROLL else ChangeKind.REMOVED
    changes: list[Change] = []
    seen: set[str] = set()
    for pupil in incoming:
        seen.add(pupil.mis_id)
        old = before.get(pupil.mis_id)
        kind = _kind(old, pupil)
        if kind is not None:
            changes.append(
                Change(
                    pupil.mis_id,
                    kind,
                    old.provision if old and old.on_roll else "",
                    pupil.provision,
                    old.primary_need if old and old.on_roll else "",
                    pupil.primary_need,
                )
            )
    for mis_id, old in before.items():
        if mis_id not in seen and old.on_roll and old.provision in ON_REGISTER:
            after = NO_SEN if gone is ChangeKind.REMOVED else ""
            changes.append(Change(mis_id, gone, old.provision, after, old.primary_need, ""))
    return sorted(changes, key=lambda c: c.mis_id)


def _kind(old: Standing | None, new: PupilRecord) -> ChangeKind | None:
    was_on = old is not None and old.on_roll and old.provision in ON_REGISTER
    now_on = new.provision in ON_REGISTER
    if now_on and not was_on:
        return ChangeKind.ADDED
    if was_on and not now_on:
        return ChangeKind.REMOVED
    if not now_on:
        return None
    assert old is not None
    if old.provision == SEN_SUPPORT and new.provision == EHC_PLAN:
        return ChangeKind.PLAN_ISSUED
    if new.primary_need and old.primary_need != new.primary_need:
        return ChangeKind.NEED_CHANGED
    return None


def share_leaving(before: Mapping[str, Standing], changes: Iterable[Change]) -> float:
    """The share of pupils now on the register whom the import would take off it (or out of
    the school): a large share usually means a partial export, not a real change."""
    on = sum(1 for s in before.values() if s.on_roll and s.provision in ON_REGISTER)
    if on == 0:
        return 0.0
    off = sum(1 for c in changes if c.kind in (ChangeKind.REMOVED, ChangeKind.LEFT))
    return off / on


def initials(first: str, last: str) -> str:
    """ "A.B." from a pupil's names: what chat shows at the school's default privacy level."""
    letters = [part[0].upper() for part in (first.strip(), last.strip()) if part]
    return "".join(f"{letter}." for letter in letters) or "?"
