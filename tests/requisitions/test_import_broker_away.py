"""An upload while the task queue is away (Redis restarting for longer than publishing waits): the import fails
with why, instead of waiting at 0 % for good."""

import io

import pytest

from requisitions.models import ImportJob
from tests.broker import broker_away  # noqa: F401 - the fixture
from tests.factories import api_token

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("broker_away")]


def test_an_upload_that_cannot_be_queued_fails_with_why(api_client, cart, requester, items):
    # Given a requester's cart, while the broker does not answer
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(requester.user)}")
    upload = io.BytesIO(b"sku;quantity\nPEN-1;2\n")
    upload.name = "order.csv"

    # When they upload a file to it
    response = api_client.post(f"/api/v1/requisitions/{cart.pk}/upload/", {"file": upload}, format="multipart")

    # Then the import was taken, and polling it says it could not start and what to do
    assert response.status_code == 202, response.content
    job = api_client.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert (job["status"], job["message"]) == (
        "failed",
        "The import could not be started: the task queue did not answer. Upload the file again.",
    )
    assert ImportJob.objects.get().added == 0
