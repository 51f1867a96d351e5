"""Telling people what happened: the one entry point other apps call (`notify`), reading notifications, the
preferences, and the daily digest.

`notify` renders each recipient's title, body and e-mail in that person's language (their profile's, through
`procurement.i18n.user_language`) from a message template and its parts, so callers never build English
sentences. Per the recipient's preference for the kind it writes an in-app notification, queues an e-mail after
commit (or keeps it for their daily digest), and queues one webhook delivery per active webhook of the legal
entity that subscribes to the event. Nothing leaves before the caller's transaction commits.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Model
from django.template import Context, Node, Template
from django.template.base import TextNode, VariableNode
from django.template.context import make_context
from django.template.defaulttags import (
    AutoEscapeControlNode,
    CommentNode,
    FirstOfNode,
    ForNode,
    IfNode,
    LoadNode,
    TemplateLiteral,
    WithNode,
)
from django.template.loader import get_template, render_to_string
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import timezone, translation

from procurement.i18n import user_language
from procurement.models import LegalEntity
from procurement.sql import sql_column, sql_insert, sql_inserted, sql_rows_select, sql_table
from procurement.task_queue import task_enqueue_on_commit
from procurement.tasks import notification_email_send

from .models import Channel, Kind, Notification, NotificationPreference, NotificationSettings, Webhook
from .webhooks import webhook_event_queue, webhooks_for

TITLE_MAX = Notification._meta.get_field("title").max_length or 300
LINK_MAX = Notification._meta.get_field("link").max_length or 500


@dataclass(frozen=True)
class Recipient:
    """A person to tell, with what only their message holds (e.g. their own decision link in the e-mail)."""

    user: Any
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    language: str
    title: str
    body: str  # in the app: no bearer link
    email_body: str


def message_render(*, message: str, context: dict[str, Any], language: str) -> Rendered:
    """`templates/notifications/messages/<message>.subject.txt` and `.body.txt` in `language`; the body for the app
    (`for_email` false) and for the e-mail, in one pass (`_body_render`: what two renders write)."""
    with translation.override(language):
        # One line; a no-break space (in amounts) stays.
        title = re.sub(r"[ \t\r\n]+", " ", render_to_string(f"notifications/messages/{message}.subject.txt", context))
        title = title.strip(" ")
        body, email_body = _body_render(get_template(f"notifications/messages/{message}.body.txt"), context)
        used = translation.get_language() or language
    return Rendered(used, title[:TITLE_MAX], _tidy(body), _tidy(email_body) + "\n")


# Template nodes whose output depends only on the variables their own tags name and on the context's values (no
# state kept between renders, no other template read): a body made of these alone is rendered in one pass.
_PLAIN_NODES: tuple[type[Node], ...] = (
    TextNode,
    VariableNode,
    LoadNode,
    AutoEscapeControlNode,
    IfNode,
    ForNode,
    WithNode,
    FirstOfNode,
    CommentNode,
    TranslateNode,
    BlockTranslateNode,
)
_READER = "for_email"


@dataclass(frozen=True)
class _BodyPlan:
    """A body template as steps: its nodes with any `{% autoescape %}` around the first that reads `for_email`
    opened into its children (an `int`: set `autoescape` to it, `None`: put back the one before). The steps before
    `split` read no `for_email` and are rendered once; from `split` on, once per reader, each from the same state.
    `split` None: the template cannot be split (a node outside _PLAIN_NODES): rendered whole once per reader."""

    steps: tuple[Node | int | None, ...]
    split: int | None


def _reads(node: Node) -> bool:
    """Whether `for_email` appears in any tag or condition of the node and the nodes inside it."""
    for inner in node.get_nodes_by_type(Node):
        token = getattr(inner, "token", None)
        if token is not None and _READER in token.contents:
            return True
        if isinstance(inner, BlockTranslateNode) and any(
            _READER in part.contents for part in (*inner.singular, *(inner.plural or ()))
        ):
            return True
        if isinstance(inner, IfNode) and any(
            condition is not None and _READER in _condition_text(condition)
            for condition, _nodes in inner.conditions_nodelists
        ):
            return True
    return False


def _condition_text(condition: Any) -> str:
    """The variables an `{% if %}`/`{% elif %}` condition names (smartif's literals and operators)."""
    if isinstance(condition, TemplateLiteral):
        return str(condition.text)
    parts = (getattr(condition, "first", None), getattr(condition, "second", None))
    return " ".join(_condition_text(part) for part in parts if part)


def _body_plan(template: Template) -> _BodyPlan:
    plan: _BodyPlan | None = getattr(template, "_message_body_plan", None)
    if plan is not None:
        return plan
    nodes = template.nodelist.get_nodes_by_type(Node)
    if not all(type(node) in _PLAIN_NODES for node in nodes):
        plan = _BodyPlan(steps=(), split=None)
    else:
        steps: list[Node | int | None] = []
        split: int | None = None
        pending: list[Node | None] = list(template.nodelist)
        while pending:
            node = pending.pop(0)
            if node is not None and split is None and _reads(node):
                if isinstance(node, AutoEscapeControlNode):
                    steps.append(int(node.setting))
                    pending[:0] = [*node.nodelist, None]
                    continue
                split = len(steps)
            steps.append(node)
        plan = _BodyPlan(steps=tuple(steps), split=len(steps) if split is None else split)
    template._message_body_plan = plan  # type: ignore[attr-defined] # compiled once, kept with the template
    return plan


def _steps_render(steps: tuple[Node | int | None, ...], context: Context, settings_before: list[bool]) -> str:
    out: list[str] = []
    for step in steps:
        if step is None:
            context.autoescape = settings_before.pop()
        elif isinstance(step, int):
            settings_before.append(context.autoescape)
            context.autoescape = bool(step)
        else:
            out.append(str(step.render_annotated(context)))
    return "".join(out)


def _body_render(found: Any, values: dict[str, Any]) -> tuple[str, str]:
    """A body template (as `get_template` finds it) rendered for the app (`for_email` false) and for the e-mail
    (true): what `render_to_string` writes with each, the part before the first node that reads `for_email`
    rendered once."""
    template = found.template
    plan = _body_plan(template)
    if plan.split is None:
        return found.render({**values, _READER: False}), found.render({**values, _READER: True})
    context = make_context({**values, _READER: False}, None, autoescape=template.engine.autoescape)
    with context.render_context.push_state(template), context.bind_template(template):
        context.template_name = template.name
        settings_before: list[bool] = []
        shared = _steps_render(plan.steps[: plan.split], context, settings_before)
        rest = plan.steps[plan.split :]
        if not rest:
            return shared, shared
        autoescape, opened = context.autoescape, list(settings_before)
        with context.push():
            app = _steps_render(rest, context, settings_before)
        context.autoescape, settings_before = autoescape, opened
        with context.push({_READER: True}):
            email = _steps_render(rest, context, settings_before)
    return shared + app, shared + email


def _tidy(text: str) -> str:
    """Template text as a message: no trailing spaces, at most one empty line in a row, no blank ends."""
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()


def _object_ref(obj: Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def channels_for(*, users: Iterable[Any], kind: str) -> dict[int, str]:
    """Each user's channel for `kind` (both when they never chose)."""
    ids = [user.pk for user in users]
    chosen = dict(NotificationPreference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "channel"))
    return {pk: chosen.get(pk, Channel.BOTH) for pk in ids}


def digest_users(*, users: Iterable[Any]) -> set[int]:
    ids = [user.pk for user in users]
    return set(
        NotificationSettings.objects.filter(user_id__in=ids, daily_digest=True).values_list("user_id", flat=True)
    )


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    legal_entity: LegalEntity | None,
    message: str,
    context: dict[str, Any],
    link: str = "",
    obj: Model | None = None,
    data: dict[str, Any] | None = None,
) -> list[Notification]:
    """Tell `recipients` (users, or `Recipient`s with their own context) that `kind` happened.

    - `message` names the templates `notifications/messages/<message>.subject.txt` / `.body.txt`; `context`
      holds their parts (names, numbers, Money, dates), rendered per recipient in their language.
    - `link` is a path inside the site (the object's page); e-mails show it as an absolute URL.
    - `obj` is what it is about (its type and id are kept); `data` is the webhook's `data` (JSON-safe, no
      secrets, no bearer links).
    Returns the in-app notifications written. Call it inside the caller's transaction: e-mails and webhooks
    are queued on commit.
    """
    return notify_each(
        notices=[Notice(recipients=list(recipients), context=context, data=data)],
        kind=kind,
        legal_entity=legal_entity,
        message=message,
        link=link,
        obj=obj,
    )


def _channels_and_digests(
    *, users: list[Any], kind: str, legal_entity: LegalEntity | None = None
) -> tuple[dict[int, str], set[int], bool]:
    """`channels_for` and `digest_users` of the same people, and whether `legal_entity` has an active webhook at all
    (True when not read: no people, or no entity), in one query. Written as SQL: the ORM's subqueries cost more to
    build than the database takes to answer (this runs with every decision)."""
    if not users:
        return {}, set(), True
    qn = connection.ops.quote_name
    user_meta, preference, settings_meta = (
        get_user_model()._meta,
        NotificationPreference._meta,
        NotificationSettings._meta,
    )
    ids = [user.pk for user in users]
    hooks_sql, hooks_params = _any_hook_sql(legal_entity)
    user_pk = sql_column(user_meta, "pk")
    sql = (  # identifiers from the models, values as parameters
        f"SELECT u.{user_pk}, "  # noqa: S608
        f"(SELECT p.{sql_column(preference, 'channel')} FROM {qn(preference.db_table)} p"
        f" WHERE p.{sql_column(preference, 'user')} = u.{user_pk}"
        f" AND p.{sql_column(preference, 'kind')} = %s LIMIT 1), "
        f"EXISTS (SELECT 1 FROM {qn(settings_meta.db_table)} s"
        f" WHERE s.{sql_column(settings_meta, 'user')} = u.{user_pk}"
        f" AND s.{sql_column(settings_meta, 'daily_digest')} = %s), "
        f"{hooks_sql} FROM {qn(user_meta.db_table)} u WHERE u.{user_pk} IN ({', '.join(['%s'] * len(ids))})"
    )
    params = [kind, True, *hooks_params, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    channels: dict[int, str] = {user.pk: Channel.BOTH for user in users}
    digest: set[int] = set()
    hooks = True
    for pk, channel, wants_digest, any_hook in rows:
        channels[pk] = channel or Channel.BOTH
        hooks = bool(any_hook)
        if wants_digest:
            digest.add(pk)
    return channels, digest, hooks


def _any_hook_sql(legal_entity: LegalEntity | None) -> tuple[str, list[Any]]:
    """Whether `legal_entity` has an active webhook, as an SQL expression and its parameters (true without one)."""
    if legal_entity is None:
        return "%s", [True]
    webhook = Webhook._meta
    return (
        f"EXISTS (SELECT 1 FROM {sql_table(webhook)} w"  # noqa: S608 - identifiers from the model
        f" WHERE w.{sql_column(webhook, 'legal_entity')} = %s AND w.{sql_column(webhook, 'active')} = %s)"
    ), [legal_entity.pk, True]


@dataclass(frozen=True)
class Notice:
    """One message of a batch (`notify_each`): who is told, its parts, and its webhook event's `data`."""

    recipients: list[Any]
    context: dict[str, Any]
    data: dict[str, Any] | None = None


def _render_for(notice: Notice, person: Recipient, message: str, absolute: str) -> Rendered:
    user = person.user
    return message_render(
        message=message,
        context={**notice.context, **person.context, "recipient": user, "link_url": absolute},
        language=user_language(user),
    )


def _notification(row: Notification, user: Any, rendered: Rendered) -> Notification:
    """`row`'s message (entity, kind, link, object) to `user`, in their words."""
    return Notification(
        recipient=user,
        legal_entity=row.legal_entity,
        kind=row.kind,
        title=rendered.title,
        body=rendered.body,
        link=row.link,
        object_type=row.object_type,
        object_id=row.object_id,
    )


Told = list[tuple[Notice, Recipient]]
Written = tuple[list[Notification], list[tuple[Any, Rendered]], bool]


def _chosen_then_written(told: Told, *, row: Notification, message: str, absolute: str) -> Written:
    """Each person's channel and digest read (`_channels_and_digests`), then the messages rendered for those told and
    the notifications kept inserted (`sql_insert`): the in-app and digest rows written, the e-mails to send, and
    whether the entity has an active webhook."""
    users = list({person.user.pk: person.user for _notice, person in told}.values())
    channels, digest, any_hook = _channels_and_digests(users=users, kind=row.kind, legal_entity=row.legal_entity)
    written: list[Notification] = []
    emails: list[tuple[Any, Rendered]] = []
    for notice, person in told:
        user = person.user
        channel = channels[user.pk]
        if channel == Channel.NONE:
            continue
        wants_email = channel in (Channel.EMAIL, Channel.BOTH) and bool(user.email)
        in_app = channel in (Channel.IN_APP, Channel.BOTH)
        batched = wants_email and user.pk in digest
        if not (in_app or batched or wants_email):
            continue
        rendered = _render_for(notice, person, message, absolute)
        if in_app or batched:
            notification = _notification(row, user, rendered)
            notification.in_app, notification.for_digest = in_app, batched
            written.append(notification)
        if wants_email and not batched:
            emails.append((user, rendered))
    # The rows `bulk_create` writes, built as text (`procurement.sql.sql_insert`).
    sql_insert(written)
    return written, emails, any_hook


def _written_as_chosen(told: Told, *, row: Notification, message: str, absolute: str) -> Written:
    """What `_chosen_then_written` does, in one statement on PostgreSQL: every message rendered first, then one
    INSERT … SELECT keeps the rows each person's channel and digest call for (in-app, or kept for the digest), with
    the same values, in the same order, and answers each person's choice and whether the entity has an active
    webhook. A person who chose no channel had their message rendered for nothing."""
    rendered = [_render_for(notice, person, message, absolute) for notice, person in told]
    rows = [_notification(row, person.user, words) for (_notice, person), words in zip(told, rendered, strict=True)]
    users = list({person.user.pk: person.user for _notice, person in told}.values())
    fields, rows_sql, rows_params = sql_rows_select(rows, leave_out=("in_app", "for_digest"))
    qn = connection.ops.quote_name
    meta, preference, settings_meta = Notification._meta, NotificationPreference._meta, NotificationSettings._meta
    hooks_sql, hooks_params = _any_hook_sql(row.legal_entity)
    pk = sql_column(meta, "pk")
    columns = [qn(str(field.column)) for field in fields]
    sql = (  # identifiers from the models, values as parameters
        f"WITH people (uid, has_email) AS (VALUES {', '.join(['(%s, %s)'] * len(users))}), "  # noqa: S608
        "choice AS (SELECT p.uid, p.has_email, COALESCE(NULLIF("
        f"(SELECT c.{sql_column(preference, 'channel')} FROM {sql_table(preference)} c"
        f" WHERE c.{sql_column(preference, 'user')} = p.uid AND c.{sql_column(preference, 'kind')} = %s LIMIT 1),"
        " ''), %s) AS channel, "
        f"EXISTS (SELECT 1 FROM {sql_table(settings_meta)} s WHERE s.{sql_column(settings_meta, 'user')} = p.uid"
        f" AND s.{sql_column(settings_meta, 'daily_digest')} = %s) AS digest FROM people p), "
        "flags AS (SELECT uid, channel IN (%s, %s) AS in_app, (channel IN (%s, %s) AND has_email) AS wants_email,"
        " digest FROM choice), "
        f"candidates AS ({rows_sql}), "
        f"written AS (INSERT INTO {sql_table(meta)} ({', '.join(columns)}, {sql_column(meta, 'in_app')},"
        f" {sql_column(meta, 'for_digest')}) SELECT {', '.join(f'r.{column}' for column in columns)}, x.in_app,"
        f" x.wants_email AND x.digest FROM candidates r JOIN flags x ON x.uid = r.{sql_column(meta, 'recipient')}"
        f" WHERE x.in_app OR (x.wants_email AND x.digest) ORDER BY r.n RETURNING {sql_table(meta)}.{pk}) "
        f"SELECT x.uid, x.in_app, x.wants_email, x.digest, {hooks_sql}, ARRAY(SELECT w.{pk} FROM written w"
        f" ORDER BY w.{pk}) FROM flags x"
    )
    params = [
        *(value for user in users for value in (user.pk, bool(user.email))),
        row.kind,
        Channel.BOTH,
        True,
        Channel.IN_APP,
        Channel.BOTH,
        Channel.EMAIL,
        Channel.BOTH,
        *rows_params,
        *hooks_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        answered = cursor.fetchall()
    chosen = {uid: (in_app, wants_email, digest) for uid, in_app, wants_email, digest, _hook, _ids in answered}
    ids = iter(answered[0][5])
    written: list[Notification] = []
    emails: list[tuple[Any, Rendered]] = []
    for notification, words in zip(rows, rendered, strict=True):
        user = notification.recipient
        in_app, wants_email, digest = chosen[user.pk]
        batched = wants_email and digest
        if in_app or batched:
            notification.in_app, notification.for_digest = in_app, batched
            sql_inserted(notification, next(ids))
            written.append(notification)
        if wants_email and not batched:
            emails.append((user, words))
    return written, emails, bool(answered[0][4])


def notify_each(
    *,
    notices: list[Notice],
    kind: str,
    legal_entity: LegalEntity | None,
    message: str,
    link: str = "",
    obj: Model | None = None,
) -> list[Notification]:
    """`notify` for several messages of one kind at once (e.g. one per approval task of a stage), each as `notify`
    would send it alone (its own webhook event), in a constant number of queries however many there are: the
    preferences and digests read once, the in-app notifications written in one insert, the webhooks read once."""
    if link and not link.startswith("/"):
        raise ValueError("A notification's link is a path inside the site.")
    link = link[:LINK_MAX]
    object_type, object_id = _object_ref(obj)
    batch = [
        [
            person
            for person in (r if isinstance(r, Recipient) else Recipient(user=r) for r in notice.recipients)
            if person.user is not None and getattr(person.user, "is_active", True)
        ]
        for notice in notices
    ]
    absolute = settings.SITE_URL.rstrip("/") + link if link else ""
    # Each person once per notice, with the parts of their message.
    told: list[tuple[Notice, Recipient]] = []
    for notice, people in zip(notices, batch, strict=True):
        seen: set[int] = set()
        for person in people:
            if person.user.pk not in seen:
                seen.add(person.user.pk)
                told.append((notice, person))
    row = Notification(legal_entity=legal_entity, kind=kind, link=link, object_type=object_type, object_id=object_id)
    if told and connection.vendor == "postgresql":
        # The entity's webhooks are read below only when it has an active one.
        written, emails, any_hook = _written_as_chosen(told, row=row, message=message, absolute=absolute)
    else:
        written, emails, any_hook = _chosen_then_written(told, row=row, message=message, absolute=absolute)
    for user, rendered in emails:
        task_enqueue_on_commit(
            notification_email_send.name,
            kwargs={
                "user_id": user.pk,
                "subject": rendered.title[:150],
                "body": rendered.email_body,
                "language": rendered.language,
                "email": user.email,
            },
        )
    if legal_entity is not None:
        hooks = webhooks_for(legal_entity=legal_entity, event=kind) if any_hook else []
        for notice in notices:
            webhook_event_queue(
                legal_entity=legal_entity,
                event=kind,
                data={
                    **(notice.data or {}),
                    "object": {"type": object_type, "id": object_id} if object_type else None,
                    "link": absolute,
                },
                hooks=hooks,
            )
    return written


# --- reading ---------------------------------------------------------------------------------------


def notification_mark_read(*, user: Any, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False when it is not theirs (or not there)."""
    found = Notification.objects.filter(pk=notification_id, recipient=user, in_app=True)
    if not found.exists():
        return False
    found.filter(read_at=None).update(read_at=timezone.now())
    return True


def notifications_mark_all_read(*, user: Any) -> int:
    """Every unread notification of the user read; how many were."""
    return Notification.objects.filter(recipient=user, in_app=True, read_at=None).update(read_at=timezone.now())


# --- preferences ---------------------------------------------------------------------------------


@transaction.atomic
def preferences_save(*, user: Any, channels: dict[str, str], daily_digest: bool) -> None:
    """Store a channel per kind (unknown kinds and channels refused) and the digest switch."""
    for kind, channel in channels.items():
        if kind not in Kind.values or channel not in Channel.values:
            raise ValueError(f"Unknown kind or channel: {kind[:40]!r} {channel[:20]!r}")
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"channel": channel})
    NotificationSettings.objects.update_or_create(user=user, defaults={"daily_digest": daily_digest})


# --- the daily digest -------------------------------------------------------------------------------------


def digest_send(*, user_id: int, today: date | None = None, now: datetime | None = None) -> int:
    """E-mail one person the notifications kept for their digest (still unread ones), in their language, and mark
    every kept one digested. Returns how many the e-mail listed (0: nothing sent). Once a day per person."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    moment = now or timezone.now()
    day = today or timezone.localdate(moment)
    with transaction.atomic():
        settings_row, _created = NotificationSettings.objects.select_for_update().get_or_create(user=user)
        if settings_row.last_digest_on == day:
            return 0
        waiting = list(
            Notification.objects.select_for_update()
            .filter(recipient=user, for_digest=True, digested_at=None, created__lte=moment)
            .order_by("created", "pk")
        )
        listed = [n for n in waiting if n.read_at is None]
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(digested_at=moment)
        settings_row.last_digest_on = day
        settings_row.save(update_fields=["last_digest_on"])
        if listed and user.email:
            rendered = message_render(
                message="daily_digest",
                context={
                    "notifications": listed,
                    "count": len(listed),
                    "day": day,
                    "site_url": settings.SITE_URL.rstrip("/"),
                    "link_url": settings.SITE_URL.rstrip("/") + "/notifications/",
                },
                language=user_language(user),
            )
            task_enqueue_on_commit(
                notification_email_send.name,
                kwargs={
                    "user_id": user.pk,
                    "subject": rendered.title[:150],
                    "body": rendered.email_body,
                    "language": rendered.language,
                    "email": user.email,
                },
            )
    return len(listed) if user.email else 0


def digest_users_due(*, now: datetime | None = None) -> list[int]:
    """Who has notifications waiting for a digest."""
    moment = now or timezone.now()
    return sorted(
        set(
            Notification.objects.filter(for_digest=True, digested_at=None, created__lte=moment).values_list(
                "recipient_id", flat=True
            )
        )
    )
