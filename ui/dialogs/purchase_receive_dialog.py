"""Receive a purchase order, all or part: per line a quantity (the open quantity by default).
The receipt runs on the writer thread; afterwards the dialog shows what it served."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import formatting, services
from app.queries.purchases import PurchaseDetail, purchase_detail
from db.session import Database
from ui.events import ShopEvents
from ui.models.table import Column, Formatter
from ui.ops import Ops
from ui.tabs._kit import ErrorLabel, SortedRowsModel, shop_currency, show_failure, table_view


class PurchaseReceiveDialog(QDialog):
    """After a receipt: `result` holds the ReceiptResult, and the served lines are listed."""

    open_document = Signal(str)

    def __init__(
        self, db: Database, ops: Ops, events: ShopEvents, number: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db, self.ops, self.events, self.purchase = db, ops, events, number
        self.result = None
        self.setWindowTitle(f"Receive {number}")
        self.setMinimumWidth(640)
        with db.read() as session:
            detail: PurchaseDetail = purchase_detail(session, number)
        self._currency = shop_currency(db)

        heading = QLabel(
            f"<b>{detail.number}</b> from {detail.supplier_name}"
            + (f" — for order {detail.for_order}" if detail.for_order else "")
        )
        grid = QGridLayout()
        titles = ("SKU", "Product", "Ordered", "Received", "Open", "Receive now")
        for col, title in enumerate(titles):
            label = QLabel(f"<b>{title}</b>")
            label.setAlignment(
                (Qt.AlignmentFlag.AlignRight if col >= 2 else Qt.AlignmentFlag.AlignLeft)
                | Qt.AlignmentFlag.AlignBottom
            )
            grid.addWidget(label, 0, col)
        self.spins: list[tuple[str, QSpinBox]] = []
        for row, line in enumerate(detail.lines, start=1):
            grid.addWidget(QLabel(line.sku), row, 0)
            grid.addWidget(QLabel(line.name), row, 1)
            for col, value in ((2, line.ordered), (3, line.received), (4, line.open)):
                cell = QLabel(formatting.number(value))
                cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                grid.addWidget(cell, row, col)
            spin = QSpinBox()
            spin.setRange(0, line.open)  # never more than is still to come
            spin.setValue(line.open)
            spin.setEnabled(line.open > 0)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.setMinimumWidth(90)
            spin.setAccessibleName(f"Receive {line.sku}")
            grid.addWidget(spin, row, 5)
            self.spins.append((line.sku, spin))
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(len(detail.lines) + 1, 1)  # rows packed at the top
        lines_box = QWidget()
        lines_box.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(lines_box)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumHeight(min(360, 60 + 34 * len(detail.lines)))

        self.note = QLineEdit()
        self.note.setPlaceholderText("Delivery note number, remarks (optional)")

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.hide()
        self.served = SortedRowsModel(
            [
                Column("Order", lambda s: s.order_number, width=15),
                Column("SKU", lambda s: s.sku, width=12),
                Column("Qty", lambda s: s.qty, "qty"),
                Column("Delivery", lambda s: s.delivery, width=15),
                Column("Invoice", lambda s: s.invoice, width=15),
            ],
            Formatter(self._currency),
            parent=self,
        )
        self.served_box = QGroupBox("Served from this receipt (double-click to open)")
        served_layout = QVBoxLayout(self.served_box)
        self.served_view = table_view(self.served, self)
        self.served_view.doubleClicked.connect(self._open_served)
        served_layout.addWidget(self.served_view)
        self.served_box.hide()

        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.receive_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.receive_button.setText("&Receive")
        self.buttons.accepted.connect(self.receive)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(scroll)
        note_row = QGridLayout()
        note_row.addWidget(QLabel("&Note:", buddy=self.note), 0, 0)
        note_row.addWidget(self.note, 0, 1)
        layout.addLayout(note_row)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.served_box, 1)
        layout.addWidget(self.buttons)
        if not any(spin.maximum() for _, spin in self.spins):
            self.receive_button.setEnabled(False)
            self.error.show_message(f"Purchase order {number} has nothing left to receive.")

    def quantities(self) -> dict[str, int]:
        wanted: dict[str, int] = defaultdict(int)
        for sku, spin in self.spins:
            if spin.value():
                wanted[sku] += spin.value()
        return dict(wanted)

    def receive(self) -> None:
        if self.result is not None:  # the button reads "Close" after the receipt
            self.accept()
            return
        items = self.quantities()
        if not items:
            self.error.show_message("Enter a quantity for at least one line.")
            return
        self.error.clear_message()
        self.receive_button.setEnabled(False)
        self.receive_button.setText("Receiving…")
        db, number, note = self.db, self.purchase, self.note.text()
        self.ops.write(
            self,
            lambda: services.receive_purchase(db, number, items, note=note),
            self._received,
            self._failed,
        )

    def _received(self, result) -> None:  # type: ignore[no-untyped-def]
        self.result = result
        self.events.emit_changes(result.changes)
        for _, spin in self.spins:
            spin.setEnabled(False)
        self.note.setEnabled(False)
        self.summary.setText(f"<b>{result.summary}</b>")
        self.summary.show()
        if result.served:
            self.served.set_rows(result.served)
            self.served_box.show()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).hide()
        self.receive_button.setText("&Close")
        self.receive_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.receive_button.setText("&Receive")
        self.receive_button.setEnabled(True)
        show_failure(self.error, self, exc)

    def _open_served(self, index) -> None:  # type: ignore[no-untyped-def]
        from ui.tabs._kit import source_row

        row = source_row(self.served_view, index)
        if row is None:
            return
        column = self.served.columns[index.column()].title
        target = {"Delivery": row.delivery, "Invoice": row.invoice}.get(column) or row.order_number
        self.open_document.emit(target)
