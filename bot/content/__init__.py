"""Loaders for content files and imports: briefings, staff lists, calendars (and later quizzes)."""
