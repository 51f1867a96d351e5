"""The person's own page: the language of their pages, e-mails and PDFs, and where their notifications go.

The choice is kept on `Employee.language` (read by `procurement.i18n.UserLanguageMiddleware` on every page)
and in Django's language cookie, so the login page of this browser speaks it too after logging out.
"As my browser" keeps the field empty and drops the cookie: the browser's Accept-Language decides again.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from .models import Employee

NOTIFICATION_PREFERENCES_PATH = "/notifications/preferences/"  # the notifications app's page (by path)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("", gettext_lazy("As my browser")), *settings.LANGUAGES],
        required=False,
        help_text=gettext_lazy("Pages, e-mails and PDFs you receive are written in it."),
    )


def language_cookie_set(response: HttpResponse, language: str) -> None:
    """Remember `language` in this browser (the login page follows it); an empty one forgets it."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # "Lax" (settings)
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # "Lax" (settings)
        )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    employee: Employee | None = getattr(request.user, "employee", None)  # None: a user without a profile
    if request.method == "POST":
        form = LanguageForm(request.POST)
        if employee is None:
            form.add_error(None, gettext("Your account has no employee profile: ask an administrator."))
        elif form.is_valid():
            language = form.cleaned_data["language"]
            employee.language = language
            employee.save(update_fields=["language"])
            if language:  # the confirmation is already in the language chosen
                translation.activate(language)
            messages.success(request, gettext("Your language is saved."))
            response = redirect("profile")
            language_cookie_set(response, language)
            return response
    else:
        form = LanguageForm(initial={"language": employee.language if employee else ""})
    return render(
        request,
        "procurement/profile.html",
        {
            "form": form,
            "profile_employee": employee,
            "notification_preferences_path": NOTIFICATION_PREFERENCES_PATH,
        },
        status=400 if form.is_bound else 200,
    )
