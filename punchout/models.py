"""Punchout: connections to supplier web shops (cXML, OCI) and the sessions users open through them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from procurement.encryption import EncryptedPasswordsJSONField, EncryptedTextField
from procurement.models import Employee, Supplier


class PunchoutConnection(models.Model):
    """How we punch out to one supplier's shop. Secrets are write-only: never shown back, never logged."""

    class Protocol(models.TextChoices):
        CXML = "cxml", _("cXML")
        OCI = "oci", _("SAP OCI")

    class Method(models.TextChoices):
        GET = "GET", _("GET")
        POST = "POST", _("POST")

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="punchout_connections")
    name = models.CharField(max_length=100, blank=True, help_text=_("Shown on the button; default: the supplier."))
    protocol = models.CharField(max_length=4, choices=Protocol.choices, default=Protocol.CXML)
    url = models.URLField(
        _("setup or catalog URL"),
        max_length=500,
        help_text=_("cXML: where the PunchOutSetupRequest is posted. OCI: the catalog URL the browser is sent to."),
    )
    is_active = models.BooleanField(default=True)
    # cXML
    from_domain = models.CharField(max_length=40, blank=True, default="NetworkID")
    from_identity = models.CharField(max_length=200, blank=True)
    to_domain = models.CharField(max_length=40, blank=True, default="DUNS")
    to_identity = models.CharField(max_length=200, blank=True)
    sender_domain = models.CharField(max_length=40, blank=True, default="NetworkID")
    sender_identity = models.CharField(max_length=200, blank=True)
    shared_secret = EncryptedTextField(max_length=200, blank=True, help_text=_("Encrypted at rest."))
    deployment_mode = models.CharField(
        max_length=10, choices=[("production", "production"), ("test", "test")], default="production"
    )
    extrinsics = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "Extrinsics to send: any of UserEmail, UniqueName, UserFullName, CostCenter, BusinessUnit, "
            "LegalEntity, Department."
        ),
    )
    supports_edit = models.BooleanField(default=True)
    supports_inspect = models.BooleanField(default=True)
    # OCI
    method = models.CharField(_("OCI method"), max_length=4, choices=Method.choices, default=Method.POST)
    oci_fields = EncryptedPasswordsJSONField(
        _("OCI login fields and parameters"),
        default=dict,
        blank=True,
        help_text=_(
            'Sent with the call-up, e.g. {"USERNAME": "acme", "PASSWORD": "…", "~CALLER": "CTLG"}. '
            "Passwords are encrypted at rest."
        ),
    )
    unit_map = models.JSONField(
        default=dict, blank=True, help_text=_('Supplier unit → ours (UN/CEFACT), e.g. {"ST": "EA", "KAR": "CT"}.')
    )
    charset_fallback = models.CharField(
        max_length=20, default="iso-8859-1", help_text=_("Used when a returned form is not valid UTF-8.")
    )
    timeout_seconds = models.PositiveSmallIntegerField(default=20)
    session_minutes = models.PositiveSmallIntegerField(default=60, help_text=_("How long a shopping session lasts."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["supplier__name", "name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.supplier.name


class PunchoutSession(models.Model):
    """One trip to a supplier's shop. The token authenticates the return: only its hash is stored."""

    class Operation(models.TextChoices):
        CREATE = "create", _("Create")
        EDIT = "edit", _("Edit")
        INSPECT = "inspect", _("Inspect")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("punchout session status", "Shopping")
        RETURNED = "returned", pgettext_lazy("punchout session status", "Returned")
        FAILED = "failed", pgettext_lazy("punchout session status", "Failed")
        EXPIRED = "expired", pgettext_lazy("punchout session status", "Expired")

    connection = models.ForeignKey(PunchoutConnection, on_delete=models.PROTECT, related_name="sessions")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="punchout_sessions")
    requisition = models.ForeignKey(
        "requisitions.Requisition", on_delete=models.CASCADE, related_name="punchout_sessions"
    )
    operation = models.CharField(max_length=7, choices=Operation.choices, default=Operation.CREATE)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    token_hash = models.CharField(max_length=64, unique=True, help_text=_("SHA-256 of the return token."))
    start_token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, help_text=_("OCI: SHA-256 of the one-time call-up token.")
    )
    started_at = models.DateTimeField(null=True, blank=True)
    buyer_cookie = models.CharField(max_length=64)
    start_url = models.URLField(max_length=2000, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    lines = models.ManyToManyField(
        "requisitions.RequisitionLine",
        blank=True,
        related_name="punchout_sessions",
        through="PunchoutSessionLine",
        help_text=_("The lines this session brought."),
    )
    result = models.JSONField(default=dict, blank=True, help_text=_("What came back: counts, warnings, errors."))

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requisition", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(operation__in=["create", "edit", "inspect"]), name="punchout_session_operation_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.connection} {self.operation} for {self.requisition_id}"


class PunchoutSessionLine(models.Model):
    """A line a session brought: the table Django made for `PunchoutSession.lines`, same name, columns and unique
    pair, less the index of its own on the session (the unique (session, line) index starts with it and serves
    every look-up by session; one index less to write for each of the thousands of links a cart brings)."""

    punchoutsession = models.ForeignKey(PunchoutSession, on_delete=models.CASCADE, related_name="+", db_index=False)
    requisitionline = models.ForeignKey("requisitions.RequisitionLine", on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "punchout_punchoutsession_lines"
        unique_together = [("punchoutsession", "requisitionline")]

    def __str__(self) -> str:
        return f"{self.punchoutsession_id} → {self.requisitionline_id}"


class ErpClient(models.Model):
    """An ERP or e-procurement system (SAP, Ariba, Coupa) whose users punch out into our catalog.

    Its users shop at `legal_entity`'s prices plus those of the client's group (price lists and custom
    catalogs name the group), each as a punch-in identity of the client, never as an employee's account.
    Secrets are write-only; the OCI password is stored hashed.
    """

    code = models.CharField(max_length=30, unique=True, help_text="e.g. ERP-DEMO")
    name = models.CharField(max_length=200)
    legal_entity = models.ForeignKey(
        "procurement.LegalEntity", on_delete=models.PROTECT, related_name="erp_clients", help_text=_("Buys for.")
    )
    is_active = models.BooleanField(default=True)
    cxml_enabled = models.BooleanField("cXML", default=True)
    cxml_identities = models.JSONField(
        _("accepted From/Sender credentials"),
        default=list,
        blank=True,
        help_text=_('e.g. [{"domain": "NetworkID", "identity": "AN01000000001"}]; domains compare without case.'),
    )
    shared_secret = EncryptedTextField(max_length=200, blank=True, help_text=_("Encrypted at rest."))
    oci_enabled = models.BooleanField("OCI", default=False)
    oci_username = models.CharField(max_length=100, blank=True, db_index=True)
    oci_password_hash = models.CharField(max_length=200, blank=True, editable=False)
    allowed_hosts = models.JSONField(
        default=list,
        help_text=_(
            'Hosts BrowserFormPost and HOOK_URL may point to, e.g. ["erp.example.com", ".sap.example.com"] '
            "(a leading dot allows subdomains)."
        ),
    )
    group = models.OneToOneField(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="erp_client",
        help_text=_("Its users' group: attach price lists and custom catalogs to it."),
    )
    start_minutes = models.PositiveSmallIntegerField(default=5, help_text=_("How long a StartPage URL stays valid."))
    session_minutes = models.PositiveSmallIntegerField(default=120, help_text=_("How long shopping may take."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ERP client")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class InboundSession(models.Model):
    """One ERP user's visit to our catalog: from the setup request to the cart sent back."""

    class Protocol(models.TextChoices):
        CXML = "cxml", _("cXML")
        OCI = "oci", _("SAP OCI")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("inbound session status", "Waiting for the browser")
        SHOPPING = "shopping", pgettext_lazy("inbound session status", "Shopping")
        TRANSFERRED = "transferred", pgettext_lazy("inbound session status", "Cart sent back")
        EXPIRED = "expired", pgettext_lazy("inbound session status", "Expired")

    client = models.ForeignKey(ErpClient, on_delete=models.PROTECT, related_name="sessions")
    protocol = models.CharField(max_length=4, choices=Protocol.choices)
    operation = models.CharField(max_length=7, default="create")
    status = models.CharField(max_length=11, choices=Status.choices, default=Status.PENDING)
    buyer_cookie = models.CharField(max_length=500, blank=True)
    return_url = models.URLField(_("BrowserFormPost or HOOK_URL"), max_length=2000)
    oci_target = models.CharField("~TARGET", max_length=40, blank=True)
    start_token_hash = models.CharField(max_length=64, unique=True)
    start_expires_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    transferred_at = models.DateTimeField(null=True, blank=True)
    employee = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.PROTECT, related_name="inbound_punchout_sessions"
    )
    requisition = models.ForeignKey(
        "requisitions.Requisition",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_punchout_sessions",
    )
    user_email = models.EmailField(blank=True)
    user_name = models.CharField(max_length=200, blank=True)
    extrinsics = models.JSONField(default=dict, blank=True)
    contact = models.JSONField(default=dict, blank=True)
    ship_to = models.JSONField(default=dict, blank=True)
    items_out = models.JSONField(default=list, blank=True, help_text=_("Edit and inspect: the ERP's lines."))
    payload_id = models.CharField(max_length=250, blank=True)
    deployment_mode = models.CharField(
        max_length=10,
        default="production",
        help_text=_('cXML: "test" when the setup request came in test mode; the cart goes back in the same mode.'),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.client.code} {self.protocol} {self.operation} {self.pk}"
