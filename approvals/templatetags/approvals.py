from typing import Any

from django import template
from django.conf import settings
from django.template.base import render_value_in_context
from django.template.context import Context
from django.template.defaultfilters import timesince_filter, truncatechars
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import conditional_escape as escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from procurement.templatetags.form_tokens import form_token
from requisitions.models import Requisition

from ..models import StepStatus
from ..selectors import approval_chain_for
from ..step_texts import step_text_display

register = template.Library()


@register.inclusion_tag("approvals/_chain.html")
def approval_chain_diagram(requisition: Requisition) -> dict[str, Any]:
    """The approval chain as a picture: who signs, in what order, any-of or all-of, and how far it got."""
    return {"chain": approval_chain_for(requisition=requisition), "requisition": requisition}


@register.filter
def step_text(text: str) -> str:
    """A stored step name or reason in the reader's language (approvals.step_texts)."""
    return step_text_display(text)


@register.filter
def step_status_label(status: str) -> str:
    """An approver's status on a step ("approved") as the reader's word for it."""
    try:
        return str(StepStatus(status).label)
    except ValueError:
        return status


# --- the inbox's requisition rows, built in Python -----------------------------------------------------------
# A page of 100 rows rendered node by node cost some 4,000 variable lookups and 300 blocktranslate tags; a row is
# now written in one pass with the same markup and the same msgids (so the same translations). Each value goes
# through render_value_in_context, as `{{ value }}` does: localized, then escaped; a text (which localizing leaves
# as it is) is only escaped (conditional_escape, as the template does).


_PAGE_TEXTS = "approvals.inbox_page_texts"  # their key in the render context (one page render)


class _PageTexts:
    """What is the same on every row of a page, translated once a render, not once a row; and the texts rows share
    (an amount, a step's name, a status, a quantity), each written once a render. Everything here lives as long as
    one render of one page (the render context), in that render's language."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.fixed = {
            "approve": escape(_("Approve")),
            "return": escape(_("Return")),
            "reject": escape(_("Reject")),
            "comment": escape(_("Comment")),
            "no_budget": escape(_("no budget")),
            "csrf": CsrfTokenNode().render(context),
            "requisition_url": render_value_in_context(context.get("requisition_url", ""), context),
            "decide_url": render_value_in_context(context.get("decide_url", ""), context),
        }
        self.messages: dict[str, str] = {}
        self.values: dict[Any, str] = {}
        self.step_texts: dict[str, str] = {}
        self.statuses: dict[str, str] = {}
        self.comments: dict[str, str] = {}
        # As `{{ value }}` writes an int: Django groups digits only with USE_THOUSAND_SEPARATOR.
        self.plain_ints = not settings.USE_THOUSAND_SEPARATOR

    def translated(self, message: str) -> str:
        text = self.messages.get(message)
        if text is None:
            text = self.messages[message] = _(message)
        return text

    def value(self, value: Any) -> str:
        """`{{ value }}` of an amount, a quantity or a count, written once a page for each distinct value."""
        kind = type(value)
        if kind is int and self.plain_ints:
            return str(value)
        if kind is str:  # a row's own text (a number, a label): escaped, nothing to share
            return render_value_in_context(value, self.context)
        key = (kind, repr(value))  # repr: 2.5 and 2.50 are equal but not written alike
        text = self.values.get(key)
        if text is None:
            text = self.values[key] = render_value_in_context(value, self.context)
        return text

    def step_text(self, text: str) -> str:
        """A step's stored name or reason in the reader's language, escaped."""
        shown = self.step_texts.get(text)
        if shown is None:
            shown = self.step_texts[text] = escape(step_text(text))
        return shown

    def status(self, decision: Any) -> str:
        shown = self.statuses.get(decision.status)
        if shown is None:
            shown = self.statuses[decision.status] = escape(decision.get_status_display())
        return shown

    def comment(self, comment: str) -> str:
        shown = self.comments.get(comment)
        if shown is None:
            shown = self.comments[comment] = f" “{escape(truncatechars(comment, 40))}”" if comment else ""
        return shown


def _page_texts(context: Context) -> _PageTexts:
    texts = context.render_context.get(_PAGE_TEXTS)
    if texts is None:
        texts = context.render_context[_PAGE_TEXTS] = _PageTexts(context)
    return texts


def _blocktranslated(page: _PageTexts, message: str, **values: Any) -> str:
    """`{% blocktranslate with name=value %}…{% endblocktranslate %}`: the values rendered, the message not.
    `message` is marked with gettext_noop where it is written, so makemessages still finds it."""
    data = {name: page.value(value) for name, value in values.items()}
    try:
        return page.translated(message) % data
    except (KeyError, ValueError):  # a broken translation: the tag falls back to the untranslated message
        return message % data


def _step_cell(page: _PageTexts, item: Any) -> str:
    """The approver's step, its reason and rule, and the decisions made before it."""
    step = item.step
    rule = ""
    if step.rule:
        rule = " · " + _blocktranslated(page, gettext_noop("rule “%(rule)s”"), rule=step.rule.name)
    earlier = "".join(
        f'<div class="muted earlier">{escape(decision.approver.display_name)} '
        f'<span class="status status-{escape(decision.status)}">{page.status(decision)}</span>'
        f"{page.comment(decision.comment)}</div>"
        for earlier_step in item.earlier_steps
        for decision in earlier_step.decisions
        if decision.decided_at
    )
    return (
        f'<td class="wrap"><div>{page.value(step.position)}. {page.step_text(step.name)}\n'
        f'      <div class="muted">{page.step_text(step.reason)}{rule}</div>\n'
        f"      {earlier}</div></td>"
    )


@register.simple_tag(takes_context=True)
def inbox_requisition_row(context: Context, item: Any) -> SafeString:
    """One requisition's row of the approver's inbox (approvals/inbox.html), with its decision form."""
    page = _page_texts(context)
    value = page.value
    fixed = page.fixed
    requisition = item.requisition
    number = escape(requisition.number)
    lines = "".join(
        f"{value(line.quantity.normalize())} × {escape(truncatechars(line.description, 40))}<br>" for line in item.lines
    )
    if requisition.line_count > len(item.lines):
        count = requisition.line_count
        message = ngettext("… %(counter)s line", "… %(counter)s lines", count)  # one a row at most
        lines += message % {"counter": value(count)}
    budgets = (
        "".join(
            '<div class="budget-impact{}">{}</div>'.format(
                " over-limit" if impact.available.amount < 0 else "",
                _blocktranslated(
                    page,
                    gettext_noop("%(budget)s: %(left_now)s left now, this requisition %(this)s, %(after)s left after"),
                    budget=impact.budget,
                    left_now=impact.left_now,
                    this=impact.this_requisition,
                    after=impact.available,
                ),
            )
            for impact in item.budget_impact
        )
        or f'<div class="muted">{fixed["no_budget"]}</div>'
    )
    justification = (
        f'<div class="muted">{escape(truncatechars(requisition.justification, 80))}</div>'
        if requisition.justification
        else ""
    )
    task = value(item.task_id)
    decide = f"{fixed['decide_url']}{task}"
    select = _blocktranslated(page, gettext_noop("Select %(label)s"), label=requisition.number)
    comment_on = _blocktranslated(page, gettext_noop("Comment on %(label)s"), label=requisition.number)
    since = _blocktranslated(page, gettext_noop("%(since)s ago"), since=timesince_filter(item.created))
    who = f"{escape(requisition.requester.display_name)} · {escape(requisition.legal_entity.code)}"
    total = value(item.total) if item.total is not None else "—"
    button = '          <button type="submit" formaction="{}/{}/" class="btn btn-sm {}">{}</button>\n'
    return mark_safe(  # noqa: S308 - every value above is escaped by render_value_in_context or conditional_escape
        f'<tr data-requisition="{number}">\n'
        f'    <td class="col-select" data-label=""><input class="form-check-input" type="checkbox" name="tasks" '
        f'value="{task}" form="bulk-form" aria-label="{select}"></td>\n'
        f'    <td class="wrap task" data-label=""><div><a href="{fixed["requisition_url"]}{value(requisition.pk)}/" '
        f'class="mono nowrap">{number}</a>\n'
        f'      <div class="task-title">{escape(requisition.title)}</div>\n'
        f'      <div class="muted">{who}</div>\n'
        f"      {justification}</div></td>\n"
        f'    <td class="num">{total}</td>\n'
        f'    <td class="wrap"><div>\n'
        f'      <div class="muted">{lines}</div>\n'
        f"      {budgets}\n"
        f"    </div></td>\n"
        f"    {_step_cell(page, item)}\n"
        f"    <td><div>{since}</div></td>\n"
        f'    <td class="decide" data-label="">\n'
        f'      <form method="post" action="" class="decision">\n'
        f"        {fixed['csrf']}{form_token()}\n"
        f'        <input type="text" name="comment" class="form-control form-control-sm" '
        f'placeholder="{fixed["comment"]}" aria-label="{comment_on}">\n'
        f'        <div class="decision-buttons">\n'
        + button.format(decide, "approve", "btn-primary", fixed["approve"])
        + button.format(decide, "return", "btn-outline-secondary", fixed["return"])
        + button.format(decide, "reject", "btn-outline-danger", fixed["reject"])
        + "        </div>\n"
        "      </form>\n"
        "    </td>\n"
        "  </tr>"
    )
