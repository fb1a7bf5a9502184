"""`sendbot school show|set`: the school's sending hours, quiz and register alert settings."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import SchoolName, in_one_transaction
from bot.domain.people import describe_working_days, working_days_from_text
from bot.services.school_settings import SchoolChanges, change_settings
from bot.services.schools import find_school
from bot.storage.school import School


def register(app: typer.Typer) -> None:
    """Add the school commands."""
    school_app = typer.Typer(
        help="The school's sending hours, quiz and register alert settings.", no_args_is_help=True
    )

    @school_app.command("show")
    def show_command(school: SchoolName = None) -> None:
        """Show the school's settings."""
        typer.echo(describe(in_one_transaction(lambda s, _a: find_school(s, school), "reading")))

    @school_app.command("set")
    def set_command(
        school: SchoolName = None,
        hours: Annotated[str | None, typer.Option(help="Sending hours, e.g. 07:30-16:30.")] = None,
        quiz_days: Annotated[str | None, typer.Option(help="Quiz days, e.g. 'Tue Thu'.")] = None,
        questions: Annotated[int | None, typer.Option(help="Questions a round, 1 to 5.")] = None,
        retention: Annotated[
            float | None, typer.Option(help="Share to be remembered, 0.7 to 0.97 (0.9 usual).")
        ] = None,
        max_interval: Annotated[
            int | None, typer.Option(help="Longest gap before a question comes back, in days.")
        ] = None,
        remind_after: Annotated[
            int | None, typer.Option(help="School days before an unanswered question is chased.")
        ] = None,
        close_after: Annotated[
            int | None, typer.Option(help="School days before an unanswered question closes.")
        ] = None,
        focus: Annotated[
            str | None, typer.Option(help="Focus topics, comma-separated ('' for none).")
        ] = None,
        chat_detail: Annotated[
            str | None,
            typer.Option(
                help="What a register alert shows in chat: count, minimal (initials, year,"
                " form, provision) or area (minimal and the broad area of need)."
            ),
        ] = None,
        register_remind_after: Annotated[
            int | None, typer.Option(help="School days before an unread profile is chased.")
        ] = None,
        read_within: Annotated[
            int | None, typer.Option(help="School days within which a profile read is on time.")
        ] = None,
        partial_share: Annotated[
            float | None,
            typer.Option(
                help="Share of the register an import may take off before it must be"
                " confirmed, 0.05 to 0.9."
            ),
        ] = None,
        keep_days: Annotated[
            int | None,
            typer.Option(
                help="Days former register pupils are kept (0: to the end of the school year)."
            ),
        ] = None,
        session_idle_hours: Annotated[
            int | None,
            typer.Option(help="Hours without use after which a web sign-in ends, 1 to 24."),
        ] = None,
        session_max_days: Annotated[
            int | None,
            typer.Option(help="Days after which a web sign-in ends however it is used, 1 to 30."),
        ] = None,
        privacy_contact: Annotated[
            str | None,
            typer.Option(
                help="Whom staff ask about their data, shown on the privacy page, e.g. 'Jo Bloggs,"
                " data protection officer, dpo@school.org'."
            ),
        ] = None,
    ) -> None:
        """Change some of the school's settings; every change is checked first."""
        changes = SchoolChanges(
            window=hours,
            quiz_days=quiz_days,
            questions_per_round=questions,
            desired_retention=retention,
            max_interval_days=max_interval,
            reminder_after_days=remind_after,
            close_after_days=close_after,
            focus_tags=focus.split(",") if focus is not None else None,
            register_chat_detail=chat_detail,
            register_reminder_after_days=register_remind_after,
            register_read_within_days=read_within,
            register_partial_share=partial_share,
            register_keep_days=keep_days,
            session_idle_hours=session_idle_hours,
            session_max_days=session_max_days,
            privacy_contact=privacy_contact,
        )
        changed = in_one_transaction(
            lambda s, _a: change_settings(s, find_school(s, school), changes), "changing settings"
        )
        typer.echo(describe(changed))

    app.add_typer(school_app, name="school")


def describe(school: School) -> str:
    """The settings as the SENDCO would read them."""
    return "\n".join(
        [
            school.name,
            f"  Sending hours: {school.send_window_start:%H:%M}-{school.send_window_end:%H:%M}"
            f" ({school.timezone})",
            f"  Quiz days: {describe_working_days(working_days_from_text(school.quiz_days))},"
            f" {school.quiz_questions_per_round} questions a round",
            f"  Spacing: {school.quiz_desired_retention:.0%} to be remembered, gaps up to"
            f" {school.quiz_max_interval_days} days",
            f"  Unanswered: a reminder after {school.quiz_reminder_after_days} school days,"
            f" closed after {school.quiz_expire_after_days}",
            f"  Focus topics: {', '.join(school.quiz_focus_tags) or 'none'}",
            f"  Register alerts show in chat: {school.register_chat_detail}",
            f"  Unread profiles: a reminder after {school.register_reminder_after_days} school"
            f" days; read on time within {school.register_read_within_days}",
            f"  A register import taking more than {school.register_partial_share:.0%} of the"
            " register off it must be confirmed",
            "  Former register pupils are kept "
            + (
                f"for {school.register_keep_days} days"
                if school.register_keep_days
                else "until the end of the school year (31 August)"
            ),
            f"  Web sign-ins end after {school.session_idle_hours} hours unused, or"
            f" {school.session_max_days} days after signing in",
            "  Questions about data go to: "
            + (school.privacy_contact or "not set (sendbot school set --privacy-contact)"),
        ]
    )
