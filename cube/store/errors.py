"""Errors the work-order store raises; the HTTP API maps each to one status code.

AuthError -> 401, ForbiddenError -> 403, NotFoundError -> 404, ConflictError (and
QuietHoursError, one) -> 409.
Out-of-scope objects raise NotFoundError with the same message as missing ones, so
a key never learns that another region's or touchpoint's order exists.
"""

from __future__ import annotations

from cube.errors import CubeError


class StoreError(CubeError):
    """The store cannot do what was asked (bad database URL, unreadable run, ...)."""


class AuthError(StoreError):
    """No key, an unknown key, a wrong secret or a revoked key."""


class ForbiddenError(StoreError):
    """The key is valid but its scopes do not allow the operation."""


class NotFoundError(StoreError):
    """No such object in the caller's scope (missing and out of scope look the same)."""


class ConflictError(StoreError):
    """The request contradicts the stored state (a run reloaded with other contents, ...)."""


class QuietHoursError(ConflictError):
    """The touchpoint is inside its quiet hours: it may contact no one until they end."""
