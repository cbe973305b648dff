"""Search-as-you-type fields: a line edit whose completion list comes from an app.queries search
(products, customers, suppliers), fetched a moment after the last key stroke."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from db.session import Database

SEP = "  —  "  # between the key (SKU, code) and its description in the popup
LOOKUP_DEBOUNCE_MS = 120


class LookupEdit(QLineEdit):
    """Type a few letters; a popup offers "KEY — description" items from `search(session,
    text)`. Picking one puts the bare key in the field and emits `picked(key)`."""

    picked = Signal(str)

    def __init__(
        self,
        db: Database,
        search: Callable[[Any, str], Sequence[Any]],
        key: Callable[[Any], str],
        label: Callable[[Any], str],
        parent: QWidget | None = None,
        placeholder: str = "",
    ) -> None:
        super().__init__(parent)
        self.db = db
        self._search = search
        self._key = key
        self._label = label
        self.hits: dict[str, Any] = {}  # key -> hit of the last search
        self._items = QStringListModel(self)
        self.completer_ = QCompleter(self._items, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer_.setMaxVisibleItems(12)
        self.completer_.setWidget(self)
        self.completer_.activated.connect(self._activated)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LOOKUP_DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)
        self.textEdited.connect(lambda _text: self._timer.start())
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)

    def search_now(self) -> None:
        text = self.text().strip()
        with self.db.read() as session:
            found = list(self._search(session, text))
        self.hits = {self._key(h): h for h in found}
        self._items.setStringList([f"{self._key(h)}{SEP}{self._label(h)}" for h in found])
        if found and self.hasFocus() and text:
            self.completer_.setCompletionPrefix(text)
            self.completer_.complete()
        else:
            self.completer_.popup().hide()

    def popup_visible(self) -> bool:
        return self.completer_.popup().isVisible()

    def _activated(self, text: str) -> None:
        key = text.split(SEP, 1)[0]
        self.completer_.popup().hide()
        self.setText(key)
        self.picked.emit(key)

    def hit(self) -> Any:
        """The search hit whose key is the text typed (exact), if any."""
        text = self.text().strip()
        if text not in self.hits:
            with self.db.read() as session:
                self.hits.update({self._key(h): h for h in self._search(session, text)})
        return self.hits.get(text)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        # Enter while the popup shows: the completer takes it (picks the highlighted item);
        # it would otherwise also reach the dialog's default button.
        if self.popup_visible() and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            current = self.completer_.popup().currentIndex()
            if current.isValid():
                self._activated(current.data())
                event.accept()
                return
            self.completer_.popup().hide()
        super().keyPressEvent(event)
