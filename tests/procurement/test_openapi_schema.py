"""The committed OpenAPI schema is what the code serves: integrators generate clients from the file."""

from pathlib import Path

from django.core.management import call_command

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml"


def test_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")
    assert generated.read_text() == SCHEMA.read_text(), "The API changed: run `make schema` and commit the file."


def test_schema_documents_the_contracts(client):
    body = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/auth/token/", "/api/v1/catalog/items/", "/api/v1/legal-entities/"):
        assert path in body
