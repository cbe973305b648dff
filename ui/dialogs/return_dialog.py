"""A customer return, started from an order or an invoice number: pick the lines and
quantities (never more than can still be returned), the condition and a reason. Afterwards the
dialog shows the credit note(s) issued."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import formatting, services
from app.errors import ShopError
from app.queries.invoices import invoice_order
from app.queries.returns import ReturnableLine, returnable_lines
from app.services.returns import REASONS
from db.session import Database
from ui.events import ShopEvents
from ui.ops import Ops
from ui.tabs._kit import ErrorLabel, shop_currency, show_failure


class ReturnDialog(QDialog):
    open_document = Signal(str)

    def __init__(
        self,
        db: Database,
        ops: Ops,
        events: ShopEvents,
        order_number: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.ops, self.events = db, ops, events
        self.order: str | None = None
        self.result = None
        self._currency = shop_currency(db)
        self.setWindowTitle("New return")
        self.setMinimumWidth(680)

        self.document = QLineEdit(order_number or "")
        self.document.setPlaceholderText("Order number (SO-…) or invoice number (INV-…)")
        self.load_button = QPushButton("&Find")
        self.load_button.setAutoDefault(False)
        self.load_button.clicked.connect(self.load)
        self.document.installEventFilter(self)
        find = QHBoxLayout()
        find.addWidget(QLabel("Return on:"))
        find.addWidget(self.document, 1)
        find.addWidget(self.load_button)
        self.order_label = QLabel()

        # lines: one row per SKU with a spin box capped at what is returnable
        self.lines_box = QGroupBox("What comes back")
        self.grid = QGridLayout()
        grid_widget = QWidget()
        grid_widget.setLayout(self.grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(grid_widget)
        scroll.setMinimumHeight(150)
        box_layout = QVBoxLayout(self.lines_box)
        box_layout.addWidget(scroll)
        self.spins: dict[str, QSpinBox] = {}

        self.sellable = QRadioButton("&Sellable — back on the shelf, may serve waiting orders")
        self.defective = QRadioButton("&Defective — kept apart until written off or sent back")
        self.sellable.setChecked(True)
        self.condition = QButtonGroup(self)
        self.condition.addButton(self.sellable)
        self.condition.addButton(self.defective)
        condition_box = QVBoxLayout()
        condition_box.addWidget(self.sellable)
        condition_box.addWidget(self.defective)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(list(REASONS))
        self.reason.setCurrentIndex(-1)
        self.reason.lineEdit().setPlaceholderText("choose or type a reason")
        self.note = QLineEdit()
        form = QFormLayout()
        form.addRow("Condition:", _wrap(condition_box))
        form.addRow("&Reason:", self.reason)
        form.addRow("&Note:", self.note)

        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.RichText)
        self.outcome.linkActivated.connect(self.open_document)
        self.outcome.hide()
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.save_button.setText("&Create return and credit note")
        self.save_button.setEnabled(False)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(find)
        layout.addWidget(self.order_label)
        layout.addWidget(self.lines_box, 1)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.outcome)
        layout.addWidget(self.buttons)
        if order_number:
            self.load()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        # Enter in the number field finds the order; it must not also press a dialog button
        if watched is self.document and _is_enter(event):
            self.load()
            return True
        return super().eventFilter(watched, event)

    # -- finding the order
    def load(self) -> None:
        text = self.document.text().strip()
        self.error.clear_message()
        if not text:
            self.error.show_message("Enter an order or invoice number.")
            return
        try:
            with self.db.read() as session:
                order = text
                if text.upper().startswith("INV"):
                    order = invoice_order(session, text)
                lines = returnable_lines(session, order)
        except ShopError as exc:
            self.error.show_message(str(exc))
            self._show_lines(None, [])
            return
        self._show_lines(order, lines)

    def _show_lines(self, order: str | None, lines: list[ReturnableLine]) -> None:
        self.order = order
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.spins = {}
        if order is None:
            self.order_label.clear()
            self.save_button.setEnabled(False)
            return
        via = (
            ""
            if order == self.document.text().strip()
            else f" (invoice {self.document.text().strip()})"
        )
        self.order_label.setText(f"Order <b>{order}</b>{via}")
        titles = (
            "SKU",
            "Description",
            "Delivered",
            "Returned",
            "Returnable",
            "Unit price",
            "Return",
        )
        for col, title in enumerate(titles):
            label = QLabel(f"<b>{title}</b>")
            label.setAlignment(
                (Qt.AlignmentFlag.AlignRight if col >= 2 else Qt.AlignmentFlag.AlignLeft)
                | Qt.AlignmentFlag.AlignBottom
            )
            self.grid.addWidget(label, 0, col)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, line in enumerate(lines, start=1):
            self.grid.addWidget(QLabel(line.sku), row, 0)
            self.grid.addWidget(QLabel(line.description), row, 1)
            values = (
                formatting.number(line.delivered),
                formatting.number(line.returned),
                formatting.number(line.returnable),
                formatting.money(line.unit_price, self._currency),
            )
            for col, value in enumerate(values, start=2):
                cell = QLabel(value)
                cell.setAlignment(right)
                self.grid.addWidget(cell, row, col)
            spin = QSpinBox()
            spin.setRange(0, line.returnable)  # never more than is returnable
            spin.setEnabled(line.returnable > 0)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.setMinimumWidth(80)
            spin.setAccessibleName(f"Return {line.sku}")
            self.grid.addWidget(spin, row, 6)
            self.spins[line.sku] = spin
        self.grid.setColumnStretch(1, 1)
        self.grid.setRowStretch(len(lines) + 1, 1)
        if not any(line.returnable for line in lines):
            self.error.show_message(f"Nothing delivered on {order} can still be returned.")
        self.save_button.setEnabled(any(line.returnable for line in lines))

    def quantities(self) -> dict[str, int]:
        return {sku: spin.value() for sku, spin in self.spins.items() if spin.value() > 0}

    # -- saving
    def save(self) -> None:
        if self.result is not None:
            self.accept()
            return
        if self.order is None:
            self.load()
            return
        items = self.quantities()
        if not items:
            self.error.show_message("Enter how many units come back for at least one line.")
            return
        condition = "defective" if self.defective.isChecked() else "sellable"
        reason, note, db, order = self.reason.currentText(), self.note.text(), self.db, self.order
        self.error.clear_message()
        self.save_button.setEnabled(False)
        self.ops.write(
            self,
            lambda: services.create_return(
                db, order, items, condition=condition, reason=reason, note=note
            ),
            self._saved,
            self._failed,
        )

    def _saved(self, result) -> None:  # type: ignore[no-untyped-def]
        self.result = result
        self.events.emit_changes(result.changes)
        for spin in self.spins.values():
            spin.setEnabled(False)
        for widget in (
            self.document,
            self.load_button,
            self.sellable,
            self.defective,
            self.reason,
            self.note,
        ):
            widget.setEnabled(False)
        notes = ", ".join(f'<a href="{n}">{n}</a>' for n in result.credit_notes) or "none"
        text = (
            f"<b>Return {result.number}</b> saved ({result.condition}). "
            f"Credit note{'s' if len(result.credit_notes) != 1 else ''}: {notes}, "
            f"{formatting.money(result.credited, self._currency)} credited."
        )
        if result.served:
            orders = sorted({s.order_number for s in result.served})
            text += (
                f"<br>The returned goods served waiting order{'s' if len(orders) != 1 else ''}: "
                + ", ".join(f'<a href="{o}">{o}</a>' for o in orders)
            )
        self.outcome.setText(text)
        self.outcome.show()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).hide()
        self.save_button.setText("&Close")
        self.save_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        show_failure(self.error, self, exc)


def _wrap(layout) -> QWidget:  # type: ignore[no-untyped-def]
    widget = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    widget.setLayout(layout)
    return widget


def _is_enter(event: QEvent) -> bool:
    return (
        event.type() == QEvent.Type.KeyPress
        and isinstance(event, QKeyEvent)
        and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
    )
