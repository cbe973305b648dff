"""Refusals are shown as sentences; anything else is a bug: logged, and a report dialog opens."""

from __future__ import annotations

import logging
import traceback

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import USER_ERRORS

log = logging.getLogger(__name__)


def is_user_error(exc: BaseException) -> bool:
    return isinstance(exc, USER_ERRORS)


def show_error(parent: QWidget | None, exc: BaseException, title: str = "ShopDesk") -> None:
    if is_user_error(exc):
        QMessageBox.warning(parent, title, str(exc))
        return
    show_bug(parent, exc)


def show_bug(parent: QWidget | None, exc: BaseException) -> None:
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("unexpected error\n%s", details)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("ShopDesk: something went wrong")
    box.setText(
        "An internal error stopped this action. Nothing was saved.\n"
        "Please send the details below to whoever looks after ShopDesk."
    )
    box.setDetailedText(details)
    box.exec()
