from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .backends import REFUSED_ATTRIBUTE


class PasswordLoginForm(AuthenticationForm):
    """Django's login form, which says so when the right password was refused because the person's company signs
    them in through its identity provider (a wrong password still gets Django's usual message)."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError:
            provider = getattr(self.request, REFUSED_ATTRIBUTE, None)
            if provider is not None:
                raise ValidationError(
                    _(
                        "Your company signs you in with %(provider)s: local passwords are switched off. Use "
                        '"Sign in with %(provider)s" or your work e-mail below.'
                    )
                    % {"provider": provider.name},
                    code="password_switched_off",
                ) from None
            raise


class SingleSignOnForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Work e-mail"), max_length=254)
