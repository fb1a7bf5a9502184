"""What a web form's checks found, field by field: shown beside each field and summed up on top."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldMessages:
    """Problems that stop the form (errors) and things worth a look (warnings), by field name."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str, is_error: bool = True) -> None:
        (self.errors if is_error else self.warnings).setdefault(name, []).append(message)


def capital(text: str) -> str:
    """The text with its first letter a capital, as a sentence on the page starts."""
    return text[:1].upper() + text[1:]
