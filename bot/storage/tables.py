"""Imports every table so that SQLModel.metadata knows them all (Alembic and tests use this)."""

from sqlmodel import SQLModel

from bot.storage.audit import AuditEvent
from bot.storage.briefing import Acknowledgement, Briefing
from bot.storage.digest import WeeklyDigest
from bot.storage.kept_presses import KeptPress
from bot.storage.linking import PersonLink
from bot.storage.local_chat import LocalMessage
from bot.storage.outbox import Delivery
from bot.storage.platform_status import PlatformProblem
from bot.storage.quiz import MemoryState, Question, QuizItem, QuizRound, Target
from bot.storage.register import (
    ProfileAlert,
    ProfileRead,
    Pupil,
    RegisterChange,
    RegisterImport,
    TeachingLink,
)
from bot.storage.school import Closure, School, Term, Trust
from bot.storage.slack_requests import SlackRequestSeen
from bot.storage.staff import ChatIdentity, Staff
from bot.storage.web_session import SignInLink, WebSession

metadata = SQLModel.metadata

__all__ = [
    "Acknowledgement",
    "AuditEvent",
    "Briefing",
    "ChatIdentity",
    "Closure",
    "Delivery",
    "KeptPress",
    "LocalMessage",
    "MemoryState",
    "PlatformProblem",
    "PersonLink",
    "ProfileAlert",
    "ProfileRead",
    "Pupil",
    "Question",
    "QuizItem",
    "QuizRound",
    "RegisterChange",
    "RegisterImport",
    "School",
    "SignInLink",
    "SlackRequestSeen",
    "Staff",
    "Target",
    "TeachingLink",
    "Term",
    "Trust",
    "WebSession",
    "WeeklyDigest",
    "metadata",
]
