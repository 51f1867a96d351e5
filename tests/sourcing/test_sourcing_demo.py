"""The demo has a request for quotation with three quotes, being scored: carol has scored, erin has not."""

import re
from io import StringIO

from django.core.management import call_command

from sourcing.models import RequestForQuotation
from sourcing.selectors import evaluation
from tests.sourcing.helpers import person


def test_the_demo_has_a_request_with_three_quotes_being_scored_by_two_evaluators(demo, client):
    call_command("seed_demo", stdout=StringIO())  # loaded again: still one request

    rfq = RequestForQuotation.objects.get(title="Lab centrifuges and pipette tips")
    assert (rfq.status, rfq.is_due(), rfq.quotes.count()) == ("sent", True, 3)
    assert sorted(
        (evaluator.employee.user.username, evaluator.submitted_at is not None)
        for evaluator in rfq.evaluators.select_related("employee__user")
    ) == [("carol", True), ("erin", False)]
    seen = evaluation(rfq=rfq, employee=person("erin"))
    assert (seen.revealed, seen.mine) == (False, {})
    # erin opens her scoring page, frank his comparison
    client.force_login(person("erin").user)
    assert 'id="score-form"' in client.get(f"/sourcing/{rfq.pk}/score/").content.decode()
    client.force_login(person("frank").user)
    page = client.get(f"/sourcing/{rfq.pk}/compare/").content.decode()
    assert re.findall(r'data-supplier="([\w-]+)"><strong>', page) == ["NORDIC-IT", "BUROTEC"]  # lowest per line
