"""One signal for "the shop changed": each screen decides whether to re-query (Anki OpChanges)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.services.common import EVERYTHING, Changes


class ShopEvents(QObject):
    """Passed to every tab and dialog; services' results say what they changed."""

    changed = Signal(object)  # app.services.common.Changes

    def emit_changes(self, changes: Changes | None) -> None:
        self.changed.emit(changes if changes is not None else EVERYTHING)
