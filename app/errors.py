"""Refusals are sentences: every ShopError's str() is shown to the user as is."""

from __future__ import annotations

from db.errors import StorageError


class ShopError(Exception):
    """Something the user can fix. Raising it rolls the whole transaction back."""

    exit_code = 1


class InvalidInput(ShopError):
    """A value that cannot be used (a negative quantity, a price with too many decimals...)."""

    exit_code = 2


class NotFound(ShopError):
    """An unknown SKU, customer, document number..."""

    exit_code = 3


class Conflict(ShopError):
    """The request contradicts the shop's state (over-return, overpayment, duplicate code)."""

    exit_code = 4


class DatabaseBusy(ShopError):
    """Another window or seat held the database for too long."""

    exit_code = 5


USER_ERRORS: tuple[type[Exception], ...] = (ShopError, StorageError)
