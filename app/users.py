"""Who may do what: users with a role and a PIN, and one table of permissions.

A shop with zero or one user never asks anyone to log in: whoever uses it acts as the owner.
From the second user on, the GUI/CLI ask for name and PIN (`verify`) and check `require`.
PINs are stored as scrypt hashes with a random salt per user, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from app import audit
from app.errors import Conflict, InvalidInput, NotFound, ShopError
from app.services.common import check_text, now, reading, transaction
from db.models import ROLES, AppUser
from db.session import Database

SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
MIN_PIN, MAX_PIN = 4, 128

# permission -> (roles allowed, what it is, said after "may not")
PERMISSIONS: dict[str, tuple[frozenset[str], str]] = {
    "orders.read": (frozenset(ROLES), "see orders"),
    "orders.write": (frozenset({"owner", "clerk"}), "create or change orders"),
    "deliveries.write": (frozenset({"owner", "clerk"}), "deliver orders"),
    "returns.write": (frozenset({"owner", "clerk"}), "take returns"),
    "documents.print": (frozenset(ROLES), "print documents"),
    "stock.read": (frozenset(ROLES), "see stock"),
    "stock.write": (frozenset({"owner"}), "receive or adjust stock"),
    "purchases.write": (frozenset({"owner"}), "create or receive purchase orders"),
    "catalog.write": (frozenset({"owner"}), "change products, customers or suppliers"),
    "payments.write": (frozenset({"owner", "accountant"}), "record payments"),
    "reports.export": (frozenset({"owner", "accountant"}), "export reports"),
    "reports.profit": (frozenset({"owner", "accountant"}), "see profit reports"),
    "costs.view": (frozenset({"owner", "accountant"}), "see cost prices and margins"),
    "settings.write": (frozenset({"owner"}), "change the shop's settings"),
    "users.manage": (frozenset({"owner"}), "manage users"),
    "audit.view": (frozenset({"owner", "accountant"}), "see the audit log"),
    "backup": (frozenset({"owner", "accountant"}), "make backups"),
    "restore": (frozenset({"owner"}), "restore a backup"),
}


class NotAllowed(ShopError):
    """The user's role does not allow this."""

    exit_code = 6


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def can(self, permission: str) -> bool:
        roles, _ = PERMISSIONS[permission]  # an unknown permission is a bug: KeyError
        return self.role in roles


def require(user: User, permission: str) -> None:
    if not user.can(permission):
        _, what = PERMISSIONS[permission]
        raise NotAllowed(f"{user.name} ({user.role}) may not {what}; ask the shop's owner.")


def hash_pin(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, **SCRYPT)


def _check_pin(pin: str) -> str:
    if not isinstance(pin, str) or not MIN_PIN <= len(pin) <= MAX_PIN:
        raise InvalidInput(f"A PIN has {MIN_PIN} to {MAX_PIN} characters.")
    return pin


def add_user(db: Database, name: str, role: str, pin: str) -> User:
    """A new user. The first user of a shop must be an owner (so no one is locked out)."""
    name = check_text(name, "User name", max_len=80)
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}, not {role!r}.")
    salt = secrets.token_bytes(16)
    digest = hash_pin(_check_pin(pin), salt)
    with transaction(db) as (session, _):
        if session.execute(select(AppUser.id).where(AppUser.name == name)).first():
            raise Conflict(f"A user named {name!r} already exists.")
        if role != "owner" and not _count(session, role="owner"):
            raise Conflict("The first user of a shop is its owner; add the owner first.")
        session.add(AppUser(name=name, role=role, pin_hash=digest.hex(), pin_salt=salt.hex(),
                            active=True, created_at=now()))
        audit.record(session, None, "add_user", name, None, {"role": role})
    return User(name, role)


def deactivate_user(db: Database, name: str) -> None:
    with transaction(db) as (session, _):
        user = session.execute(select(AppUser).where(AppUser.name == name)).scalar_one_or_none()
        if user is None or not user.active:
            raise NotFound(f"There is no active user {name!r}.")
        if user.role == "owner" and _count(session, role="owner") <= 1:
            raise Conflict(f"{name} is the shop's only owner and stays active.")
        audit.record(session, None, "deactivate_user", name, {"active": True}, {"active": False})
        user.active = False


def _count(session, *, role: str | None = None) -> int:  # type: ignore[no-untyped-def]
    stmt = select(func.count()).select_from(AppUser).where(AppUser.active.is_(True))
    if role is not None:
        stmt = stmt.where(AppUser.role == role)
    return int(session.execute(stmt).scalar_one())


_DUMMY_SALT = secrets.token_bytes(16)


def verify(db: Database, name: str, pin: str) -> User:
    """The user with this name and PIN; the same refusal for an unknown name or a wrong PIN."""
    with reading(db) as session:
        row = session.execute(
            select(AppUser.name, AppUser.role, AppUser.pin_hash, AppUser.pin_salt)
            .where(AppUser.name == name, AppUser.active.is_(True))
        ).first()
    pin_text = pin if isinstance(pin, str) else ""
    if row is None:
        hash_pin(pin_text, _DUMMY_SALT)  # same work, so timing does not tell names apart
        raise NotAllowed("Wrong name or PIN.")
    if not hmac.compare_digest(hash_pin(pin_text, bytes.fromhex(row.pin_salt)),
                               bytes.fromhex(row.pin_hash)):
        raise NotAllowed("Wrong name or PIN.")
    return User(row.name, row.role)


def login_required(db: Database) -> bool:
    """Two or more active users: ask who is working. Zero or one: nobody is bothered."""
    with reading(db) as session:
        return _count(session) >= 2


def implicit_user(db: Database) -> User:
    """Who works in a shop that does not ask: its only user (as owner), or "owner"."""
    with reading(db) as session:
        name = session.execute(
            select(AppUser.name).where(AppUser.active.is_(True)).order_by(AppUser.id)
        ).scalar()
    return User(name or audit.current_user(), "owner")
