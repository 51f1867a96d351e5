"""A person's API tokens: the page /profile/tokens/ and the API /api/v1/tokens/ (procurement.api_tokens)."""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from .api_tokens import (
    MAX_ACTIVE_TOKENS,
    MAX_LIFETIME_DAYS,
    ORIGIN_API,
    ORIGIN_PAGE,
    ORIGIN_PASSWORD,
    SCOPE_HELP,
    InsufficientScope,
    api_token_create,
    api_token_revoke,
    scope_labels,
    scopes_allowed,
)
from .error_codes import ProcurementErrorCode
from .errors import ProcurementError
from .models import ApiToken, TokenScope

DEFAULT_LIFETIME_DAYS = 30


class TooManyTokens(ProcurementError):
    code = ProcurementErrorCode.TOO_MANY_TOKENS


def token_request_errors(*, user: Any, scopes: list[str], days: int, caller: ApiToken | None) -> dict[str, str]:
    """What is wrong with a request for a token of `user` (field -> message); `caller`: the token asking, if any."""
    errors: dict[str, str] = {}
    allowed = scopes_allowed(user)
    refused = [scope for scope in scopes if scope not in allowed]
    if refused:
        errors["scopes"] = gettext("Your roles do not allow the scope “%(scope)s”.") % {"scope": refused[0]}
    elif caller is not None:
        stronger = [scope for scope in scopes if scope not in caller.scopes]
        if stronger:
            errors["scopes"] = gettext("A token can only make tokens with its own scopes; it lacks “%(scope)s”.") % {
                "scope": stronger[0]
            }
    if caller is not None and timezone.now() + timedelta(days=days) > caller.expires_at:
        errors["expires_in_days"] = gettext("A token cannot make a token that outlives itself.")
    return errors


def active_named_tokens(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).exclude(
        origin=ORIGIN_PASSWORD
    )


def token_cap_check(user: Any) -> None:
    if active_named_tokens(user).count() >= MAX_ACTIVE_TOKENS:
        raise TooManyTokens(
            ngettext(
                "You have %(count)d active token: revoke one before making another.",
                "You have %(count)d active tokens: revoke one before making another.",
                MAX_ACTIVE_TOKENS,
            )
            % {"count": MAX_ACTIVE_TOKENS}
        )


# --- API -------------------------------------------------------------------------------------------------------


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "scopes", "hint", "origin", "created_at", "expires_at", "last_used_at", "revoked_at"]
        fields += ["status"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=TokenScope.choices), min_length=1, max_length=len(TokenScope)
    )
    expires_in_days = serializers.IntegerField(min_value=1, max_value=MAX_LIFETIME_DAYS)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret: shown in this answer only.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


def signed_in(request: Any) -> Any:
    """The request's user (authenticated: every view here requires it)."""
    return request.user


def caller_token(request: Request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class ApiTokenListView(generics.ListAPIView[ApiToken]):
    """The caller's API tokens, newest first (the secrets are never shown again); POST makes one."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # the schema's model; get_queryset gives the caller's

    def get_queryset(self) -> QuerySet[ApiToken]:
        return ApiToken.objects.filter(user=signed_in(self.request))

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = ApiTokenCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        errors = token_request_errors(
            user=request.user, scopes=data["scopes"], days=data["expires_in_days"], caller=caller_token(request)
        )
        if errors:
            raise serializers.ValidationError({field: [message] for field, message in errors.items()})
        token_cap_check(request.user)
        token, secret = api_token_create(
            user=request.user,
            name=data["name"],
            scopes=data["scopes"],
            lifetime=timedelta(days=data["expires_in_days"]),
            origin=ORIGIN_API,
        )
        answer = {**ApiTokenSerializer(token).data, "token": secret}
        response = Response(answer, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class ApiTokenDetailView(generics.RetrieveDestroyAPIView[ApiToken]):
    """One of the caller's tokens; DELETE revokes it (it stays listed, revoked)."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()

    def get_queryset(self) -> QuerySet[ApiToken]:
        return ApiToken.objects.filter(user=signed_in(self.request))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        token = self.get_object()
        caller = caller_token(request)
        if caller is not None and caller.pk != token.pk and not set(token.scopes) <= set(caller.scopes):
            raise InsufficientScope(gettext("A token can only revoke tokens with no scope it lacks."))
        api_token_revoke(token=token, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- The page ---------------------------------------------------------------------------------------------------


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, help_text=gettext_lazy("What it is for."))
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"), widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
    )
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("Expires in (days)"),
        min_value=1,
        max_value=MAX_LIFETIME_DAYS,
        initial=DEFAULT_LIFETIME_DAYS,
        help_text=gettext_lazy("At most 365 days."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        allowed = scopes_allowed(user)
        scope_field: Any = self.fields["scopes"]
        scope_field.choices = [
            (value, f"{label} — {SCOPE_HELP[value]}") for value, label in TokenScope.choices if value in allowed
        ]
        self.fields["scopes"].initial = [TokenScope.READ.value]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "scopes" in cleaned and "expires_in_days" in cleaned:
            for field, message in token_request_errors(
                user=self.user, scopes=cleaned["scopes"], days=cleaned["expires_in_days"], caller=None
            ).items():
                self.add_error(field, message)
        return cleaned


@login_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    """The person's tokens; a POST makes one and shows its secret on this answer only."""
    new_secret = ""
    new_token = None
    if request.method == "POST":
        form = ApiTokenForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                token_cap_check(request.user)
            except TooManyTokens as error:
                form.add_error(None, error.message)
            else:
                new_token, new_secret = api_token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    lifetime=timedelta(days=form.cleaned_data["expires_in_days"]),
                    origin=ORIGIN_PAGE,
                )
                form = ApiTokenForm(user=request.user)
    else:
        form = ApiTokenForm(user=request.user)
    tokens = list(ApiToken.objects.filter(user=signed_in(request))[:200])
    for token in tokens:
        token.scope_labels = scope_labels(token.scopes)  # type: ignore[attr-defined]
    response = render(
        request,
        "procurement/tokens.html",
        {"form": form, "tokens": tokens, "new_secret": new_secret, "new_token": new_token},
        status=400 if form.is_bound and form.errors else 200,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if api_token_revoke(token=token, actor=request.user):
        messages.success(request, gettext("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("profile-tokens")
