"""Exception hierarchy shared by every hop.

Handlers map these to answers: a `BadInputError` becomes a 400 naming the field,
a `RetriableError` sends the message back to its queue, a `FatalError` sends it
to the dead-letter queue with its reason.
"""

from __future__ import annotations


class JourneysyncError(Exception):
    """Base of every error journeysync raises on purpose."""


class ConfigError(JourneysyncError):
    """A configuration file or setting is invalid; names the file and the field."""

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source = source
        self.field = field
        self.message = message
        super().__init__(f"{source}: {field}: {message}")


class BadInputError(JourneysyncError):
    """Input failed validation; `field` is the dotted path of the first bad field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class VersionConflictError(JourneysyncError):
    """An optimistic-locking write lost the race; the caller re-reads and retries."""


class IdentityConflictError(JourneysyncError):
    """An identity key is owned by another customer than the one that tried to claim it."""

    def __init__(self, key: str, owner: str) -> None:
        self.key = key
        self.owner = owner
        super().__init__(f"identity key already owned by {owner}")


class DuplicateConflictError(JourneysyncError):
    """A delivery reused an id already accepted, with different content: neither a retry nor silently dropped."""


class RetriableError(JourneysyncError):
    """A transient failure (throttling, 5xx, timeout): retry later, the message stays queued."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class FatalError(JourneysyncError):
    """A permanent failure (4xx, invalid data): retrying cannot help; dead-letter with the reason."""
