"""Domain errors raised by services. Callers map them: pages show the message, the API answers
400 (InvalidInput), 403 (NotPermitted) or 409 (IllegalTransition, InsufficientStock)."""


class DomainError(Exception):
    """Base class: the message is written for the person who asked and is safe to show them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """The request itself is wrong (missing reason, quantity of zero, unknown line)."""


class NotPermitted(DomainError):
    """The actor's role does not allow this action."""


class IllegalTransition(DomainError):
    """The object's current state does not allow this action."""


class InsufficientStock(IllegalTransition):
    """A movement would take more than the location holds."""
