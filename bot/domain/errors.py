"""The error whose text is written for school staff, and so is safe to show as it is."""


class UserError(Exception):
    """A problem the person can put right; its text names the place and says what is allowed."""
