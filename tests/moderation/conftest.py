import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs what the block's commits dispatch (the outbox's
    receivers: a held post enters the queue, a deleted one leaves it) when it ends."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block
