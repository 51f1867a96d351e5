"""Entra ID group overage: a person in more groups than an ID token carries (about 200) gets a token without the
groups claim, naming instead where to read them (`_claim_names: {"groups": "src1"}` with `_claim_sources`, or
`hasgroups: true`). Their groups are then read from Microsoft Graph with the sign-in's access token
(`POST /v1.0/me/getMemberObjects`, every page of `@odata.nextLink`), bounded in time, pages and groups.

Only the provider's own Graph address is called (the `_claim_sources` endpoint in the token is not followed, nor a
next link to another host: the access token goes nowhere else). No database is touched here: the caller is outside
any transaction while we wait for Graph.
"""

import json
import logging
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_PAGES = 20
MAX_GROUPS = 2000
MAX_GROUP_ID = 256
MAX_PAGE_BYTES = 1_000_000


class GraphGroupsError(Exception):
    """Graph could not tell the person's groups: `reason` is a short code for the audit log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def has_group_overage(claims: dict[str, Any], groups_claim: str) -> bool:
    """Whether the token left the groups claim out because there are too many (Entra's two ways of saying so)."""
    if not groups_claim or groups_claim in claims:
        return False
    names = claims.get("_claim_names")
    if isinstance(names, dict) and groups_claim in names:
        return True
    return groups_claim == "groups" and claims.get("hasgroups") is True


def _same_root(url: str, root: str) -> bool:
    link, base = urlsplit(url), urlsplit(root)
    return (link.scheme, link.netloc) == (base.scheme, base.netloc) and link.path.startswith("/v1.0/")


def member_object_ids(graph_url: str, access_token: str) -> list[str]:
    """The ids of every group (and directory role) the signed-in person is a member of, transitively, as Graph's
    getMemberObjects tells them. Raises GraphGroupsError when Graph cannot be reached, refuses, answers something
    else, or tells more than MAX_GROUPS groups or MAX_PAGES pages."""
    if not access_token:
        raise GraphGroupsError("graph_no_access_token")
    root = graph_url.strip().rstrip("/")
    url = f"{root}/v1.0/me/getMemberObjects"
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    groups: list[str] = []
    with requests.Session() as session:
        answer = _call(session, "POST", url, headers, {"securityEnabledOnly": False})
        for _page in range(MAX_PAGES):
            value = answer.get("value")
            if not isinstance(value, list):
                raise GraphGroupsError("graph_bad_answer")
            for item in value:
                if not isinstance(item, str) or not item or len(item) > MAX_GROUP_ID:
                    raise GraphGroupsError("graph_bad_answer")
                groups.append(item)
            if len(groups) > MAX_GROUPS:
                raise GraphGroupsError("graph_too_many_groups")
            next_link = answer.get("@odata.nextLink")
            if not next_link:
                return groups
            if not isinstance(next_link, str) or not _same_root(next_link, root):
                raise GraphGroupsError("graph_bad_answer")
            answer = _call(session, "GET", next_link, headers, None)
    raise GraphGroupsError("graph_too_many_pages")


def _call(
    session: requests.Session, method: str, url: str, headers: dict[str, str], body: dict[str, Any] | None
) -> dict[str, Any]:
    try:
        response = session.request(
            method, url, headers=headers, json=body, timeout=TIMEOUT_SECONDS, allow_redirects=False, stream=True
        )
        with response:
            content = response.raw.read(MAX_PAGE_BYTES + 1, decode_content=True)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        logger.warning("microsoft graph: %s", type(error).__name__)
        raise GraphGroupsError("graph_unreachable") from None
    if response.status_code in (401, 403):
        raise GraphGroupsError("graph_refused")
    if response.status_code != 200:
        logger.warning("microsoft graph answered %s", response.status_code)
        raise GraphGroupsError("graph_unreachable")
    if len(content) > MAX_PAGE_BYTES:
        raise GraphGroupsError("graph_bad_answer")
    try:
        data = json.loads(content)
    except ValueError:
        raise GraphGroupsError("graph_bad_answer") from None
    if not isinstance(data, dict):
        raise GraphGroupsError("graph_bad_answer")
    return data
