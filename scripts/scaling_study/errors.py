"""The two ways a study stops early, each with the exit status it ends in."""


class UsageError(Exception):
    """Bad arguments or inputs: one line, exit status 2."""
    status = 2


class StudyError(Exception):
    """A run failed or the reports disagree: exit status 1."""
    status = 1
