import pytest

from .provider import Provider, start_provider


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> Provider:
    """One provider process for the whole session (each xdist worker has its own)."""
    provider = start_provider(tmp_path_factory.mktemp("oidc-provider"))
    yield provider
    provider.stop()


@pytest.fixture(autouse=True)
def _fresh_browsers(oidc_provider):
    """Each test's browser starts signed out at the provider."""
    oidc_provider.sessions.clear()
