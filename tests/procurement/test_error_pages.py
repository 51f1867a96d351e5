"""Issue 17: the error pages people see, in the design of the other pages."""

import pytest
from django.test import Client, RequestFactory

from procurement.views import server_error


def test_the_500_page_needs_neither_the_database_nor_the_request_context():
    # No django_db mark: a query (a context processor's, say) would raise here.
    response = server_error(RequestFactory().get("/somewhere/"))

    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page and "bootstrap-5.3.9/bootstrap.csp.min.css" in page
    assert 'href="/" data-primary-action' in page


@pytest.mark.django_db
def test_a_form_sent_without_its_csrf_token_gets_the_expired_form_page(france, employee_in):
    employee = employee_in(france)
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/login/", {"username": employee.user.username, "password": "demo"})

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
