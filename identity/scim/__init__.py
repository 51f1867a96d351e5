"""SCIM 2.0 provisioning (RFC 7643, RFC 7644) for Users and Groups, as Microsoft Entra ID and Okta speak it.

    auth        the client's bearer token (issued once, kept as its SHA-256, compared in constant time)
    protocol    the wire: media type, errors, list responses, paging, attribute selection, body limits
    filters     the filter grammar (parsed by scim2-filter-parser) to querysets; PATCH paths and their filters
    users       a user and employee as a SCIM User, and the attribute changes a POST, PUT or PATCH asks for
    groups      a pushed group as a SCIM Group, its members and the roles its group mapping gives them
    discovery   ServiceProviderConfig, ResourceTypes, Schemas
    views       the endpoints under /scim/v2/: they apply people changes through p2p.people_changes

docs/identity.md "SCIM provisioning" is the administrator's side.
"""
