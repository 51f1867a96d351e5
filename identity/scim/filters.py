"""Filters (RFC 7644 §3.4.2.2) to querysets, and PATCH paths (§3.5.2) with their value filters.

The grammar is scim2-filter-parser's (its lexer and parser give the tree); the tree is turned into a Django Q here,
attribute by attribute from a table, so an attribute we do not know is refused (400 invalidFilter) instead of being
dropped from the query (which would answer with everyone).
"""

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from scim2_filter_parser import ast as scim_ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser

from .protocol import MAX_FILTER_LENGTH, SCHEMA_ENTERPRISE, SCHEMA_GROUP, SCHEMA_USER, ScimError

NOTHING = Q(pk__in=[])

STRING = "string"  # case-insensitive text (caseExact false)
EXACT = "exact"  # case-sensitive text (externalId)
BOOLEAN = "boolean"
USER_ID = "user_id"  # a user's id: an integer
GROUP_ID = "group_id"  # a group's id: a UUID
WORK = "work"  # emails.type: the one e-mail we keep is the work address


@dataclass(frozen=True)
class Field:
    lookup: str
    kind: str


# (attribute, sub-attribute) in lower case → the field it reads.
USER_FILTER_FIELDS: dict[tuple[str, str | None], Field] = {
    ("id", None): Field("pk", USER_ID),
    ("username", None): Field("username", STRING),
    ("externalid", None): Field("scim_user__external_id", EXACT),
    ("emails", None): Field("email", STRING),
    ("emails", "value"): Field("email", STRING),
    ("emails", "type"): Field("", WORK),
    ("name", "givenname"): Field("first_name", STRING),
    ("name", "familyname"): Field("last_name", STRING),
    ("active", None): Field("is_active", BOOLEAN),
    ("title", None): Field("employee__job_title", STRING),
    ("employeenumber", None): Field("scim_user__employee_number", STRING),
    ("department", None): Field("employee__org_unit__name", STRING),
    ("costcenter", None): Field("employee__default_cost_centre__code", STRING),
    ("manager", None): Field("employee__manager__user_id", USER_ID),
    ("manager", "value"): Field("employee__manager__user_id", USER_ID),
}
GROUP_FILTER_FIELDS: dict[tuple[str, str | None], Field] = {
    ("id", None): Field("pk", GROUP_ID),
    ("displayname", None): Field("display_name", STRING),
    ("externalid", None): Field("external_id", EXACT),
    ("members", None): Field("members__id", USER_ID),
    ("members", "value"): Field("members__id", USER_ID),
}
KNOWN_URNS = {SCHEMA_USER.lower(), SCHEMA_ENTERPRISE.lower(), SCHEMA_GROUP.lower()}

STRING_OPS = {"eq": "iexact", "co": "icontains", "sw": "istartswith", "ew": "iendswith"}


def filter_tree(text: str) -> Any:
    """The parsed filter, or 400 invalidFilter."""
    if len(text) > MAX_FILTER_LENGTH:
        raise ScimError(400, f"The filter is longer than {MAX_FILTER_LENGTH} characters.", "invalidFilter")
    try:
        tree = SCIMParser().parse(SCIMLexer().tokenize(text))
    except Exception as error:  # the lexer and parser raise their own (and IndexError on a cut expression)
        raise ScimError(400, f"The filter cannot be read: {str(error)[:200]}", "invalidFilter") from None
    if tree is None:
        raise ScimError(400, "The filter cannot be read.", "invalidFilter")
    return tree


def filter_q(text: str, fields: dict[tuple[str, str | None], Field]) -> Q:
    """The Q of a filter over the attributes `fields` names; 400 invalidFilter for anything else."""
    try:
        return _Translator(fields).node(filter_tree(text))
    except RecursionError:
        raise ScimError(400, "The filter is nested too deeply.", "invalidFilter") from None


class _Translator:
    def __init__(self, fields: dict[tuple[str, str | None], Field]) -> None:
        self.fields = fields

    def node(self, node: Any, prefix: str | None = None) -> Q:
        if isinstance(node, scim_ast.Filter):
            if node.namespace is not None:  # attr[filter]: the filter's attributes are attr's sub-attributes
                prefix = self._name(node.namespace)[0]
            q = self.node(node.expr, prefix)
            return ~q if node.negated else q
        if isinstance(node, scim_ast.LogExpr):
            left, right = self.node(node.expr1, prefix), self.node(node.expr2, prefix)
            return left & right if node.op.lower() == "and" else left | right
        if isinstance(node, scim_ast.AttrExpr):
            return self._comparison(node, prefix)
        raise ScimError(400, "The filter cannot be read.", "invalidFilter")

    def _name(self, attr_path: Any) -> tuple[str, str | None]:
        uri = (attr_path.uri or "").lower()
        if uri and uri not in KNOWN_URNS:
            raise ScimError(400, f"The filter names an unknown schema: {attr_path.uri[:100]}", "invalidFilter")
        sub = attr_path.sub_attr.value.lower() if attr_path.sub_attr is not None else None
        return str(attr_path.attr_name).lower(), sub

    def _comparison(self, node: Any, prefix: str | None) -> Q:
        attr_path = node.attr_path
        extra = Q()
        if isinstance(attr_path.attr_name, scim_ast.Filter):  # emails[type eq "work"].value eq "…"
            inner = attr_path.attr_name
            extra = self.node(inner)
            name = self._name(inner.namespace)
        else:
            name = self._name(attr_path)
            if prefix is not None:
                name = (prefix, name[0])
        field = self.fields.get(name)
        if field is None:
            shown = name[0] + (f".{name[1]}" if name[1] else "")
            raise ScimError(400, f"Filtering on {shown} is not supported.", "invalidFilter")
        op = node.value.lower()
        value = node.comp_value.value if node.comp_value is not None else None
        return extra & self._lookup(field, op, value)

    def _lookup(self, field: Field, op: str, value: Any) -> Q:
        if op == "pr":
            if field.kind == WORK:
                return Q()
            q = Q(**{f"{field.lookup}__isnull": False})
            return q & ~Q(**{field.lookup: ""}) if field.kind in (STRING, EXACT) else q
        if op not in ("eq", "ne", "co", "sw", "ew"):
            raise ScimError(400, f"The operator {op} is not supported here.", "invalidFilter")
        if value is None:
            raise ScimError(400, f"The operator {op} needs a value.", "invalidFilter")
        text = str(value)
        if field.kind == WORK:
            q = Q() if op == "eq" and text.lower() == "work" else NOTHING
        elif field.kind == BOOLEAN:
            if op not in ("eq", "ne") or text.lower() not in ("true", "false"):
                raise ScimError(
                    400, "A boolean attribute is compared with eq or ne and true or false.", "invalidFilter"
                )
            q = Q(**{field.lookup: text.lower() == "true"})
        elif field.kind in (USER_ID, GROUP_ID):
            if op not in ("eq", "ne"):
                raise ScimError(400, "An id is compared with eq or ne.", "invalidFilter")
            key = id_value(text, field.kind)
            q = NOTHING if key is None else Q(**{field.lookup: key})
        elif field.kind == EXACT and op == "eq":
            q = Q(**{field.lookup: text})
        else:
            lookup = STRING_OPS.get(op, "iexact")
            q = Q(**{f"{field.lookup}__{lookup}": text})
        return ~q if op == "ne" else q


UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


def id_value(text: str, kind: str) -> Any:
    """The key of a user id (an integer) or group id (a UUID) as text, or None when it cannot be one."""
    text = text.strip()
    if kind == USER_ID:
        return int(text) if text.isdigit() and len(text) <= 18 else None
    return text.lower() if UUID_PATTERN.match(text) else None


# ---- PATCH paths ------------------------------------------------------------------------------------------------

PATH_PATTERN = re.compile(
    r"^(?:(?P<urn>urn:[A-Za-z0-9:._-]+):)?(?P<attr>[A-Za-z$][\w$-]*)"
    r"(?:\[(?P<filter>[^\[\]]*)\])?(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$"
)


@dataclass(frozen=True)
class Path:
    attr: str  # lower case; an extension's attributes keep no prefix ("manager")
    sub: str | None  # lower case
    value_filter: Any  # the tree of attr[filter], or None
    urn: str  # lower case, "" when the path names none
    text: str


def path_parse(text: Any) -> Path:
    """A PATCH path: attr, attr.sub, attr[filter], attr[filter].sub, each optionally behind a schema URN
    (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`); a URN alone names the extension."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_FILTER_LENGTH:
        raise ScimError(400, "The path is not a SCIM attribute path.", "invalidPath")
    text = text.strip()
    if text.lower() in KNOWN_URNS:
        return Path(attr="", sub=None, value_filter=None, urn=text.lower(), text=text)
    match = PATH_PATTERN.match(text)
    if match is None:
        raise ScimError(400, f"The path {text[:100]!r} is not a SCIM attribute path.", "invalidPath")
    urn = (match["urn"] or "").lower()
    attr = match["attr"].lower()
    if urn and f"{urn}:{attr}" in KNOWN_URNS:  # "urn:…:enterprise:2.0:User" parsed as urn "…:2.0" + "User"
        return Path(attr="", sub=None, value_filter=None, urn=f"{urn}:{attr}", text=text)
    # An attribute of a schema we do not know (a provider's custom extension) keeps its URN: the caller ignores it.
    value_filter = filter_tree(match["filter"]) if match["filter"] is not None else None
    return Path(attr=attr, sub=(match["sub"] or "").lower() or None, value_filter=value_filter, urn=urn, text=text)


def value_matches(tree: Any, item: dict[str, Any]) -> bool:
    """Whether a multi-valued attribute's value (e.g. {"type": "work", "value": "…"}) passes a value filter."""
    if isinstance(tree, scim_ast.Filter):
        result = value_matches(tree.expr, item)
        return not result if tree.negated else result
    if isinstance(tree, scim_ast.LogExpr):
        left, right = value_matches(tree.expr1, item), value_matches(tree.expr2, item)
        return (left and right) if tree.op.lower() == "and" else (left or right)
    if isinstance(tree, scim_ast.AttrExpr) and isinstance(tree.attr_path.attr_name, str):
        name = tree.attr_path.attr_name.lower()
        current = next((value for key, value in item.items() if key.lower() == name), None)
        op = tree.value.lower()
        if op == "pr":
            return current not in (None, "")
        expected = tree.comp_value.value if tree.comp_value is not None else None
        have, want = str(current if current is not None else "").lower(), str(expected).lower()
        if op == "eq":
            return current is not None and have == want
        if op == "ne":
            return have != want
        if op == "co":
            return want in have
        if op == "sw":
            return have.startswith(want)
        if op == "ew":
            return have.endswith(want)
    raise ScimError(400, "The path's filter is not supported.", "invalidFilter")
