"""Exceptions that carry user-facing messages (bad input), as opposed to bugs."""

from __future__ import annotations


class DetenteError(Exception):
    """Bad user input: a scenario, event file, experiment file, flag or request that cannot be used.

    ``problems`` holds one readable line per problem, each naming the file, line (where known),
    field path and what was expected.
    """

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class ScenarioError(DetenteError):
    """A scenario file or mapping failed validation."""


class EventDataError(DetenteError):
    """An event table failed validation."""


class ExperimentError(DetenteError):
    """An experiment file failed validation or does not fit the requested analysis."""
