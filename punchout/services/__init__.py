"""Punchout's services by subdomain: outbound sessions at a supplier's shop (`outbound_sessions`), the cart
the shop sends back (`cart_returns`), testing a connection (`connection_tests`) and the HTTP calls to shops
(`supplier_calls`). The names callers used from the former `punchout/services.py` are re-exported here."""

from ..errors import PunchoutError, PunchoutReturnRefused
from ..tokens import token_hash
from .cart_returns import (
    MAX_QUANTITY,
    MAX_RETURN_BYTES,
    ReturnOutcome,
    punchout_cart_read,
    punchout_return_record,
    punchout_return_session_take,
    punchout_session_line_ids,
)
from .connection_tests import ConnectionTest, punchout_connection_test
from .outbound_sessions import (
    EXTRINSICS,
    CartToShop,
    SessionStart,
    punchout_callup,
    punchout_operation_check,
    punchout_session_start,
)
from .supplier_calls import USER_AGENT

__all__ = [
    "EXTRINSICS",
    "MAX_QUANTITY",
    "MAX_RETURN_BYTES",
    "USER_AGENT",
    "CartToShop",
    "ConnectionTest",
    "PunchoutError",
    "PunchoutReturnRefused",
    "ReturnOutcome",
    "SessionStart",
    "punchout_callup",
    "punchout_cart_read",
    "punchout_connection_test",
    "punchout_operation_check",
    "punchout_return_record",
    "punchout_return_session_take",
    "punchout_session_line_ids",
    "punchout_session_start",
    "token_hash",
]
