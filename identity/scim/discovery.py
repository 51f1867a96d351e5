"""What this service provider supports (RFC 7643 §5-7): ServiceProviderConfig, ResourceTypes and Schemas."""

from typing import Any

from django.urls import reverse

from .protocol import MAX_RESULTS, SCHEMA_ENTERPRISE, SCHEMA_GROUP, SCHEMA_USER


def _absolute(request: Any, name: str, *args: str) -> str:
    return str(request.build_absolute_uri(reverse(name, args=args)))


def service_provider_config(request: Any) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://tools.ietf.org/html/rfc7644",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "The SCIM client's secret token, sent as Authorization: Bearer <token>.",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": _absolute(request, "scim:config")},
    }


def resource_types(request: Any) -> list[dict[str, Any]]:
    return [
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A person: a user and their employee in the client's legal entity.",
            "schema": SCHEMA_USER,
            "schemaExtensions": [{"schema": SCHEMA_ENTERPRISE, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": _absolute(request, "scim:resource-type", "User")},
        },
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A group pushed by the provider; its group to role mappings give roles.",
            "schema": SCHEMA_GROUP,
            "meta": {"resourceType": "ResourceType", "location": _absolute(request, "scim:resource-type", "Group")},
        },
    ]


def _attribute(name: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    attribute = {
        "name": name,
        "type": kind,
        "multiValued": False,
        "description": extra.pop("description", name),
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    }
    attribute.update(extra)
    return attribute


def _sub(*names: str) -> list[dict[str, Any]]:
    return [_attribute(name) for name in names]


def schemas(request: Any) -> list[dict[str, Any]]:
    def meta(schema_id: str) -> dict[str, str]:
        return {"resourceType": "Schema", "location": _absolute(request, "scim:schema", schema_id)}

    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": SCHEMA_USER,
        "name": "User",
        "description": "User Account",
        "attributes": [
            _attribute("userName", required=True, uniqueness="server", description="The login name: unique."),
            _attribute("externalId", caseExact=True, description="The provider's id of the person."),
            _attribute("name", "complex", subAttributes=_sub("givenName", "familyName", "formatted")),
            _attribute("displayName", mutability="readOnly", description="The full name (from name)."),
            _attribute("title", description="The job title."),
            _attribute("active", "boolean", description="false: a leaver (see docs/identity.md)."),
            _attribute("emails", "complex", multiValued=True, subAttributes=_sub("value", "type", "primary")),
            _attribute(
                "groups",
                "complex",
                multiValued=True,
                mutability="readOnly",
                subAttributes=_sub("value", "display", "$ref"),
            ),
        ],
        "meta": meta(SCHEMA_USER),
    }
    enterprise = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": SCHEMA_ENTERPRISE,
        "name": "EnterpriseUser",
        "description": "Enterprise User",
        "attributes": [
            _attribute("employeeNumber"),
            _attribute("department", description="An org unit of the legal entity, by code or name."),
            _attribute("costCenter", description="An active cost centre of the legal entity, by code or name."),
            _attribute(
                "manager",
                "complex",
                subAttributes=[_attribute("value", description="The manager's id here."), _attribute("$ref")],
            ),
        ],
        "meta": meta(SCHEMA_ENTERPRISE),
    }
    group = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": SCHEMA_GROUP,
        "name": "Group",
        "description": "Group",
        "attributes": [
            _attribute("displayName", required=True, uniqueness="server"),
            _attribute("externalId", caseExact=True),
            _attribute("members", "complex", multiValued=True, subAttributes=_sub("value", "display", "$ref")),
        ],
        "meta": meta(SCHEMA_GROUP),
    }
    return [user, enterprise, group]
