"""`{% form_token %}`: the hidden one-time token that makes a form's POST act once (procurement.idempotency)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from procurement.idempotency import FORM_TOKEN_FIELD
from procurement.idempotency import form_token as new_form_token

register = template.Library()


@register.simple_tag
def form_token() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_TOKEN_FIELD, new_form_token())
