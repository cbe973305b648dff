"""Who is working: asked at start only when the shop has two or more users."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from app.errors import USER_ERRORS
from app.users import User, verify
from db.session import Database


def _active_names(db: Database) -> list[str]:
    from db.models import AppUser  # read through app's users module would be nicer; small list

    with db.read() as session:
        return list(
            session.scalars(
                select(AppUser.name).where(AppUser.active.is_(True)).order_by(AppUser.name)
            )
        )


class LoginDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.user: User | None = None
        self.setWindowTitle("ShopDesk — who is working?")
        self.name = QComboBox()
        self.name.addItems(_active_names(db))
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("PIN or password")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("PIN:", self.pin)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.pin.setFocus()

    def _try(self) -> None:
        try:
            self.user = verify(self.db, self.name.currentText(), self.pin.text())
        except USER_ERRORS as exc:
            self.error.setText(str(exc))
            self.pin.selectAll()
            return
        self.accept()


def who_is_working(db: Database, parent: QWidget | None = None) -> User | None:
    """The user for this session: asked when the shop has several users, else implicit.
    None when the person cancels."""
    from app import audit
    from app.users import implicit_user, login_required

    if login_required(db):
        dialog = LoginDialog(db, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.user is None:
            return None
        user = dialog.user
    else:
        user = implicit_user(db)
    audit.set_current_user(user.name)
    return user
