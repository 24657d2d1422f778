"""The touchpoint centre's work-order store (SQLite or PostgreSQL); see docs/store.md."""

from cube.store.errors import AuthError, ConflictError, ForbiddenError, NotFoundError, StoreError
from cube.store.model import (
    Cap,
    CapPolicy,
    Lease,
    LoadReport,
    Order,
    Principal,
    ResultAnswer,
    ResultIn,
)
from cube.store.realtime import CapReachedError
from cube.store.store import Store, open_store

__all__ = [
    "AuthError",
    "Cap",
    "CapPolicy",
    "CapReachedError",
    "ConflictError",
    "ForbiddenError",
    "Lease",
    "LoadReport",
    "NotFoundError",
    "Order",
    "Principal",
    "ResultAnswer",
    "ResultIn",
    "Store",
    "StoreError",
    "open_store",
]
