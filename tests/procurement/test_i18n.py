"""Languages end to end below the browser: formats per locale, the profile's language, the supplier's
language for its orders, API messages in the caller's language."""

import dataclasses
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation
from pypdf import PdfReader

from orders.po_pdf import Party, PrintLine, PurchaseOrderPrint, render_purchase_order_pdf
from procurement.i18n import supplier_language, user_language
from procurement.money import (
    Money,
    date_display,
    money_display,
    number_display,
    percent_display,
    unit_price_display,
)
from scripts.compile_messages import compile_all
from tests.factories import LegalEntityFactory, SupplierFactory, api_token

NNBSP, NBSP = "\u202f", "\xa0"


@pytest.fixture(scope="module", autouse=True)
def _catalogues_compiled():
    """The .mo files `make test` compiles; Django forgets the catalogues it read before they existed."""
    compile_all()
    with override_settings(LOCALE_PATHS=settings.LOCALE_PATHS):
        yield


# -- formats ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "amount", "quantity", "percent", "price", "day"),
    [
        ("en", f"1,234.50{NBSP}EUR", "1,200.5", "5.5%", "0.0125", "2025-03-14"),
        ("fr", f"1{NNBSP}234,50{NBSP}EUR", f"1{NNBSP}200,5", f"5,5{NBSP}%", "0,0125", "14/03/2025"),
        ("sv", f"1{NBSP}234,50{NBSP}EUR", f"1{NBSP}200,5", f"5,5{NBSP}%", "0,0125", "2025-03-14"),
    ],
)
def test_amounts_numbers_and_dates_follow_the_active_language(language, amount, quantity, percent, price, day):
    money = Money(Decimal("1234.5"), "EUR")
    with translation.override(language):
        assert str(money) == money.format() == amount
        assert number_display(Decimal("1200.500")) == quantity
        assert percent_display(Decimal("5.50")) == percent
        assert unit_price_display(Decimal("0.0125"), "EUR") == price
        assert date_display(date(2025, 3, 14)) == day
        # what machines read does not move
        assert money.as_api() == {"amount": "1234.50", "currency": "EUR"}
    assert money_display(money, "fr") == f"1{NNBSP}234,50{NBSP}EUR"


def test_currencies_keep_their_own_digits_in_every_language():
    assert money_display(Money(Decimal("59400"), "JPY"), "fr") == f"59{NNBSP}400{NBSP}JPY"
    assert money_display(Money(Decimal("-0.5"), "SEK"), "sv") == f"-0,50{NBSP}SEK"


# -- whose language -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("own", "country", "expected"),
    [("", "FR", "fr"), ("", "SE", "sv"), ("", "DE", "en"), ("", "", "en"), ("sv", "FR", "sv"), ("en", "SE", "en")],
)
def test_a_supplier_reads_its_own_language_else_the_ordering_entitys_country(db, own, country, expected):
    supplier = SupplierFactory(language=own)
    entity = LegalEntityFactory(country=country)

    assert supplier_language(supplier, entity) == expected


def test_an_employee_without_a_language_is_written_to_in_the_sites(db, employee_in, france):
    employee = employee_in(france)
    assert user_language(employee.user) == "en"
    employee.language = "sv"
    employee.save()
    assert user_language(employee.user) == "sv"


# -- the profile page ---------------------------------------------------------------------------------------------


def test_the_profile_saves_the_language_and_the_cookie_the_login_page_follows(client, france, employee_in):
    employee = employee_in(france)
    client.force_login(employee.user)

    page = client.get("/profile/", HTTP_ACCEPT_LANGUAGE="sv")
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "sv"  # no choice yet: the browser's
    assert 'href="/notifications/preferences/"' in page.text

    saved = client.post("/profile/", {"language": "fr"}, HTTP_ACCEPT_LANGUAGE="sv")
    assert (saved.status_code, saved.headers["Location"]) == (302, "/profile/")
    assert saved.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    employee.refresh_from_db()
    assert employee.language == "fr"
    after = client.get("/profile/", HTTP_ACCEPT_LANGUAGE="sv")
    assert after.headers["Content-Language"] == "fr"
    assert "Votre langue est enregistrée." in after.text
    assert "Mon profil" in after.text

    client.post("/logout/")
    login = client.get("/login/", HTTP_ACCEPT_LANGUAGE="sv")
    assert login.headers["Content-Language"] == "fr"  # the cookie, not the browser

    client.force_login(employee.user)
    client.post("/profile/", {"language": ""})
    employee.refresh_from_db()
    assert employee.language == ""
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    assert client.get("/profile/", HTTP_ACCEPT_LANGUAGE="sv").headers["Content-Language"] == "sv"


def test_a_language_that_is_not_offered_is_refused_and_nothing_changes(client, france, employee_in):
    employee = employee_in(france, language="sv")
    client.force_login(employee.user)

    response = client.post("/profile/", {"language": "de"})

    assert response.status_code == 400
    assert 'class="form-select is-invalid"' in response.text
    employee.refresh_from_db()
    assert employee.language == "sv"


@pytest.mark.django_db  # the login page lists the single sign-on providers
def test_anonymous_pages_switch_language_with_set_language(client):
    response = client.post("/i18n/setlang/", {"language": "sv", "next": "/login/"})

    assert (response.status_code, response.headers["Location"]) == (302, "/login/")
    assert client.get("/login/").headers["Content-Language"] == "sv"


# -- API messages -------------------------------------------------------------------------------------------------


def test_api_messages_follow_accept_language_and_codes_stay_english(api_client):
    response = api_client.post("/api/v1/auth/token/", {}, format="json", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 400
    with translation.override("fr"):
        required = translation.gettext("This field is required.")
    assert required == "Ce champ est obligatoire."
    assert response.json()["code"] == "invalid"
    assert response.json()["message"] == f"username: {required}"


def test_api_messages_follow_the_token_users_profile_over_the_browser(api_client, france, employee_in):
    employee = employee_in(france, language="sv")
    token = api_token(employee.user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    SupplierFactory(code="ACMEPENS")

    response = api_client.patch("/api/v1/suppliers/ACMEPENS/", {"name": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 403
    english = "You do not have permission to perform this action."
    with translation.override("sv"):
        swedish = translation.gettext(english)
    assert swedish != english
    assert response.json() == {"code": "permission_denied", "message": swedish}
    assert response.headers["Content-Language"] == "sv"


# -- the purchase order PDF ---------------------------------------------------------------------------------------


def a_print(language: str) -> PurchaseOrderPrint:
    party = Party(name="Acme France SAS", address_lines=("41 quai Rambaud", "69002 Lyon", "FR"), tax_id="FR123")
    return PurchaseOrderPrint(
        number="FR-PO-000042",
        revision=1,
        order_date=date(2025, 3, 14),
        currency="EUR",
        buyer=party,
        supplier=dataclasses.replace(party, name="Bureau Vallée"),
        bill_to=party,
        ship_to=party,
        lines=(
            PrintLine(
                number=1,
                sku="BT-PEN",
                description="Stylos",
                quantity=Decimal("1200"),
                unit="EA",
                unit_price=Decimal("1.02875"),
                total=Decimal("1234.50"),
                needed_by=date(2025, 4, 1),
            ),
        ),
        total=Decimal("1234.50"),
        payment_terms="30 jours fin de mois",
        language=language,
    )


def pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_the_purchase_order_pdf_is_in_the_language_of_its_print_model():
    with translation.override("fr"):
        text = pdf_text(render_purchase_order_pdf(a_print("fr"), gettext=translation.gettext))

    for label in ("Bon de commande", "Numéro", "Révision", "Devise", "FOURNISSEUR", "LIVRER À", "FACTURER À"):
        assert label in text
    assert "Quantité" in text and "Prix unitaire (EUR)" in text and "Conditions de paiement" in text
    assert "Pour le 01/04/2025" in text and "14/03/2025" in text
    assert "1 234,50 EUR" in text  # pypdf gives the narrow no-break space back as a space
    assert "1,02875" in text and "Page 1 sur 1" in text
    assert "Purchase order" not in text


def test_an_untranslated_pdf_stays_in_english():
    text = pdf_text(render_purchase_order_pdf(a_print("en")))

    assert "Purchase order" in text and "Total 1,234.50 EUR" in text and "Needed by 2025-04-01" in text
