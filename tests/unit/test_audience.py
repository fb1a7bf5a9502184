"""Who a briefing is for: a named person, by their school email, beside the groups."""

from __future__ import annotations

import pytest

from bot.domain.audience import ALLOWED, AudienceError, Member, check_audience, is_in_audience
from bot.domain.people import Role


def member(email: str, job_role: str = "teacher", department: str = "Science") -> Member:
    return Member(job_role, department, frozenset({Role.STAFF}), email)


def test_a_person_is_written_by_their_email_and_tidied_to_lower_case() -> None:
    assert check_audience(["person: j.smith@school.org"]) == ["person: j.smith@school.org"]
    assert check_audience(["  Person:   J.Smith@School.ORG "]) == ["person: j.smith@school.org"]
    assert check_audience(["person:j.smith@school.org"]) == ["person: j.smith@school.org"]
    assert check_audience(["Teachers", "person: A.Khan@school.org"]) == [
        "teachers",
        "person: a.khan@school.org",
    ]


@pytest.mark.parametrize("written", ["person:", "person: Jo Smith", "person: jsmith", "person: @x"])
def test_a_person_without_an_email_address_is_refused_saying_how_to_write_one(
    written: str,
) -> None:
    with pytest.raises(AudienceError) as refused:
        check_audience([written])
    assert f"'{written}' does not give an email address" in str(refused.value)
    assert "e.g. person: j.smith@school.org" in str(refused.value)


def test_an_unknown_word_names_every_audience_allowed_people_too() -> None:
    assert ALLOWED.endswith(", or person: EMAIL (e.g. person: j.smith@school.org)")
    with pytest.raises(AudienceError) as refused:
        check_audience(["pupils"])
    assert str(refused.value) == f"'pupils' is not an audience sendbot knows. Allowed: {ALLOWED}"
    assert "department: NAME" in ALLOWED and "person: EMAIL" in ALLOWED


def test_a_named_person_is_in_the_audience_whatever_the_case_of_their_email() -> None:
    named = check_audience(["person: J.Smith@school.org"])

    assert is_in_audience(named, member("j.smith@school.org"))
    assert is_in_audience(named, member("J.SMITH@School.Org"))
    assert is_in_audience(["person: J.Smith@School.org"], member("j.smith@school.org"))
    assert not is_in_audience(named, member("j.smithson@school.org"))
    assert not is_in_audience(named, member("a.khan@school.org"))


def test_named_people_add_to_the_groups_and_take_in_nobody_else() -> None:
    audience = check_audience(["teaching assistants", "person: a.khan@school.org"])

    assert is_in_audience(audience, member("a.khan@school.org", job_role="teacher"))
    assert is_in_audience(audience, member("b.lee@school.org", job_role="teaching_assistant"))
    assert not is_in_audience(audience, member("c.jones@school.org", job_role="teacher"))
    # An email is not a department, and a department is not an email.
    assert not is_in_audience(["department: a.khan@school.org"], member("a.khan@school.org"))
    assert not is_in_audience(["person: science"], member("x@school.org", department="science"))
