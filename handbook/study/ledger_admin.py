"""Back-office screens of the ledger, the attempts and the quizzes' statistics."""


def views() -> list:
    """The screens, in menu order."""
    return []
