"""An inline message bar (what just happened, or a refusal) that does not block the user the way
a modal box would; it can be dismissed and fades back by itself after a while."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

_STYLES = {
    "info": "background: #e8f1fb; border: 1px solid #9cc2ea; border-radius: 4px;",
    "success": "background: #e7f5ea; border: 1px solid #93c9a0; border-radius: 4px;",
    "error": "background: #fdecee; border: 1px solid #e3a1aa; border-radius: 4px;",
}


class NoticeBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(self)
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 4, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, text: str, kind: str = "success", seconds: int = 20) -> None:
        self.setStyleSheet(f"NoticeBar {{{_STYLES.get(kind, _STYLES['info'])}}}")
        self.label.setText(text)
        self.show()
        if seconds:
            self._timer.start(seconds * 1000)
        else:
            self._timer.stop()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()
