"""The exponent-form guard reads numbers as a person would, and only numbers."""

import pytest

from tests import document_guard


@pytest.mark.parametrize(
    "text",
    [
        '<Accounting name="1E+2 %">',
        '<Accounting name="9E+1 %"/>',
        '{"quantity": "1E+1"}',
        "rate 1e-05 applied",
        "10 × 2.5E+3 EUR",
        "-1E+2",
    ],
)
def test_a_number_in_exponent_form_is_found(text):
    document_guard.scan(text, "here")
    assert len(document_guard.take()) == 1


@pytest.mark.parametrize(
    "text",
    [
        '<Accounting name="100 %">',
        '{"quantity": "10", "amount": "1250.00"}',
        "payloadID=1764720000.123@procurement",
        "nonce-aB3E+5fGh/9E+1x==",  # a base64 token holds such runs inside words
        "SKU NX-1E-4",
        "2026-12-10T00:00:00+01:00",
        "QUANTITY &#x27;1E+26&#x27; is larger than a requisition line can hold.",
        "the UnitPrice is not a number: '1e-30'",
    ],
)
def test_words_tokens_and_dates_are_not_numbers(text):
    document_guard.scan(text, "here")
    assert document_guard.take() == []
