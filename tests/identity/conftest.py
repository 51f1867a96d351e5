import pytest

from .provider import Provider, start_provider
from .saml_support import SamlIdp, start_idp


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


@pytest.fixture(scope="session")
def saml_idp_process(tmp_path_factory) -> SamlIdp:
    """One SAML IdP process for the whole session (each xdist worker has its own)."""
    idp = start_idp(tmp_path_factory.mktemp("saml-idp"))
    yield idp
    idp.stop()


@pytest.fixture
def saml_idp(saml_idp_process) -> SamlIdp:
    """The IdP with no people, no service providers and fresh browsers."""
    saml_idp_process.reset()
    return saml_idp_process
