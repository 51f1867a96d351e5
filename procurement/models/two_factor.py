"""Two-factor authentication: a person's TOTP authenticator (a django-otp device) and recovery codes
(procurement.two_factor)."""

import time

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_otp.models import Device, ThrottlingMixin
from django_otp.oath import TOTP

from ..encryption import EncryptedTextField

TOTP_STEP = 30
TOTP_DIGITS = 6
TOTP_TOLERANCE = 1  # a code of the step before or after is accepted too (clocks a little apart)


class TotpDevice(ThrottlingMixin, Device):
    """An authenticator app (RFC 6238: SHA-1, 30-second steps, 6 digits); its key is encrypted at rest.

    Unconfirmed until its first code is typed on the enrolment page. A code is accepted once (a step not after
    the last accepted one is refused) and failures slow the next try down (django-otp's throttling).
    """

    key_hex = EncryptedTextField(max_length=80)
    last_t = models.BigIntegerField(default=-1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = gettext_lazy("TOTP device")
        verbose_name_plural = gettext_lazy("TOTP devices")

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.key_hex)

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: object) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        text = str(token).strip().replace(" ", "")
        verified = False
        if len(text) == TOTP_DIGITS and text.isdigit():
            totp = TOTP(self.bin_key, TOTP_STEP, 0, TOTP_DIGITS, 0)
            totp.time = time.time()
            verified = bool(totp.verify(int(text), TOTP_TOLERANCE, self.last_t + 1))
            if verified:
                self.last_t = totp.t()
                self.throttle_reset(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified


class RecoveryCode(models.Model):
    """A single-use code that stands in for the authenticator (lost phone); stored as its SHA-256 only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "code_hash"], name="recovery_code_user_hash")]

    def __str__(self) -> str:
        return f"recovery code of user {self.user_id} ({'used' if self.used_at else 'unused'})"
