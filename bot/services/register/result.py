"""What a register import did, as the SENDCO reads it: counts only, never pupil data."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.register import ChangeKind, Scope

# What the summary calls each kind of change: (one, several).
KIND_WORDS = {
    ChangeKind.ADDED: ("added", "added"),
    ChangeKind.PLAN_ISSUED: ("plan issued", "plans issued"),
    ChangeKind.REMOVED: ("off the register", "off the register"),
    ChangeKind.NEED_CHANGED: ("new primary need", "new primary needs"),
    ChangeKind.LEFT: ("left", "left"),
}


@dataclass(frozen=True)
class RegisterResult:
    """What one import did, in counts only (it is printed and shown as it is)."""

    import_id: int
    pupils: int
    on_register: int
    baseline: bool
    counts: dict[str, int] = field(default_factory=dict)  # ChangeKind value -> how many
    alerts: int = 0  # people told (one message each)
    reads: int = 0  # (person, change) pairs waiting for "I've read the profile"
    not_reached: int = 0  # alerts with no sending moment within the search horizon
    confirmed_partial: bool = False
    scope: str = ""  # a Scope value: how the file was read
    by_upn: bool = False  # the file had no MIS id column: pupils were told apart by their UPN
    merged: int = 0  # pupils the file listed once per need

    @property
    def changes(self) -> int:
        return sum(self.counts.values())

    def __str__(self) -> str:
        pupils = f"{self.pupils:,} pupil{'s' if self.pupils != 1 else ''}"
        if self.baseline:
            return (
                f"{pupils}, {self.on_register:,} on the register: stored as the school's first"
                " register, the starting point for later imports. Nobody was alerted."
                + self._reading()
            )
        if not self.changes:
            return f"{pupils}; no changes since the last import; nobody alerted.{self._reading()}"
        parts = []
        for kind, (one, several) in KIND_WORDS.items():
            count = self.counts.get(kind.value, 0)
            if count:
                parts.append(f"{count:,} {one if count == 1 else several}")
        text = (
            f"{pupils}; {self.changes:,} change{'s' if self.changes != 1 else ''}: "
            f"{', '.join(parts)}; {self.alerts:,} alert{'s' if self.alerts != 1 else ''} planned"
        )
        if self.not_reached:
            text += f" ({self.not_reached:,} to people with no sending day ahead)"
        return text + "." + self._reading()

    def _reading(self) -> str:
        """How pupils were matched, and how pupils the file leaves out were read, where that
        mattered."""
        key = (
            " Pupils were matched by their UPN: the file has no admission number (MIS id)."
            if self.by_upn
            else ""
        )
        merged = (
            f" {self.merged:,} pupil{'s' if self.merged != 1 else ''} listed once per need"
            f" {'were' if self.merged != 1 else 'was'} read as one, ranking 1 the primary need."
            if self.merged
            else ""
        )
        return merged + key + self._left_out()

    def _left_out(self) -> str:
        if self.scope == Scope.SEN_ONLY and self.counts.get(ChangeKind.REMOVED.value):
            return (
                " Read as an SEN register report (it lists no pupil without SEN), so pupils it"
                " leaves out were taken off the register."
            )
        if self.scope == Scope.WHOLE_ROLL and self.counts.get(ChangeKind.LEFT.value):
            return " Read as the whole roll, so pupils it leaves out have left the school."
        return ""
