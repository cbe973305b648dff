"""Stock arriving without a purchase order (receive_stock), a counted correction (adjust_stock)
and goods found broken on the shelf (mark_defective). Each saves through Ops.write; a refusal
stays in the dialog with the input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import formatting, services
from app.errors import ShopError
from app.queries.pending import pending_queue
from app.queries.stock import product_search, stock_for, supplier_search
from db.session import Database
from ui.events import ShopEvents
from ui.ops import Ops
from ui.widgets.lookup import LookupEdit
from ui.widgets.tables import ErrorLabel, shop_currency


def _product_edit(db: Database) -> LookupEdit:
    return LookupEdit(
        db, lambda s, t: product_search(s, t, limit=20), lambda h: h.sku, lambda h: h.name,
        placeholder="SKU, name or barcode",
    )


class _StockDialog(QDialog):
    """What the three dialogs share: the product field, its stock line, the error label."""

    def __init__(self, db: Database, ops: Ops, events: ShopEvents, title: str, sku: str | None,
                 parent: QWidget | None) -> None:
        super().__init__(parent)
        self.db, self.ops, self.events = db, ops, events
        self.currency = shop_currency(db)
        self.result: Any = None
        self.result_message = ""
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.product = _product_edit(db)
        self.product.picked.connect(lambda _s: self._show_stock())
        self.product.editingFinished.connect(self._show_stock)
        self.stock_line = QLabel()
        self.stock_line.setStyleSheet("color: palette(mid);")
        self.error = ErrorLabel(self)
        self.form = QFormLayout()
        self.form.addRow("&Product:", self.product)
        self.form.addRow("", self.stock_line)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        self.buttons.accepted.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        if sku:
            self.product.setText(sku)

    def sku(self) -> str:
        return self.product.text().strip()

    def _show_stock(self) -> None:
        sku = self.sku()
        if not sku:
            self.stock_line.clear()
            return
        with self.db.read() as session:
            row = stock_for(session, [sku]).get(sku)
        if row is None:
            self.stock_line.setText("")
            return
        with self.db.read() as session:
            queue = pending_queue(session, sku)
        n = formatting.number
        waiting = sum(q.qty_pending - q.qty_allocated for q in queue)
        text = (f"{row.name}: {n(row.on_hand)} on hand, {n(row.allocated)} reserved, "
                f"{n(row.available)} available, {n(row.defective)} defective")
        if waiting:
            orders = len({q.order for q in queue if q.qty_pending > q.qty_allocated})
            plural = "s" if orders != 1 else ""
            text += f"<br><b>{n(waiting)} wait in {n(orders)} pending order{plural}</b>"
        self.stock_line.setText(text)
        self.product_found(row)

    def product_found(self, row: Any) -> None:
        """Subclasses propose defaults (the average cost)."""

    def run(self, job: Any, message: Any) -> None:
        if not self.sku():
            self.error.show_message("Choose the product first.")
            self.product.setFocus()
            return
        self.error.clear_message()
        for button in self.buttons.buttons():
            if self.buttons.buttonRole(button) == QDialogButtonBox.ButtonRole.AcceptRole:
                button.setEnabled(False)

        def done(result: Any) -> None:
            self.result = result
            self.result_message = message(result)
            self.events.emit_changes(result.changes)
            self.accept()

        self.ops.write(self, job, done, self._failed)

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import is_user_error, show_bug

        for button in self.buttons.buttons():
            button.setEnabled(True)
        if is_user_error(exc):
            self.error.show_message(str(exc))
        else:
            show_bug(self, exc)

    def save(self) -> None:
        raise NotImplementedError


class ReceiveDialog(_StockDialog):
    """Goods arrive: they go on the shelf and the pending queue is served at once."""

    def __init__(self, db: Database, ops: Ops, events: ShopEvents, sku: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(db, ops, events, "Receive stock", sku, parent)
        self.qty = QSpinBox()
        self.qty.setRange(1, 1_000_000)
        self.qty.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.cost = QLineEdit()
        self.cost.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.cost.setPlaceholderText("cost of one unit")
        self.supplier = LookupEdit(
            db, lambda s, t: supplier_search(s, t, limit=20), lambda h: h.code, lambda h: h.name,
            placeholder="optional",
        )
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional, e.g. delivery slip number")
        self.form.addRow("&Quantity:", self.qty)
        self.form.addRow(f"Unit &cost ({self.currency}):", self.cost)
        self.form.addRow("&Supplier:", self.supplier)
        self.form.addRow("&Note:", self.note)
        self.buttons.addButton("&Receive", QDialogButtonBox.ButtonRole.AcceptRole)
        hint = QLabel("Pending orders for this product are served in queue order as soon "
                      "as you save.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(mid);")
        self.form.addRow("", hint)
        if sku:
            self._show_stock()
            self.qty.setFocus()

    def product_found(self, row: Any) -> None:
        if not self.cost.text().strip() and row.average_cost is not None:
            self.cost.setText(formatting.number(row.average_cost, decimals=2))

    def save(self) -> None:
        try:
            cost: Decimal | str = formatting.parse_amount(self.cost.text())
        except ShopError as exc:
            self.error.show_message(f"Unit cost: {exc}")
            self.cost.setFocus()
            return
        db, sku, qty = self.db, self.sku(), self.qty.value()
        supplier = self.supplier.text().strip() or None
        note = self.note.text().strip()
        self.run(lambda: services.receive_stock(db, sku, qty, cost, supplier=supplier, note=note),
                 lambda r: r.summary)


class AdjustDialog(_StockDialog):
    """A counted difference: more or fewer units than the books say."""

    def __init__(self, db: Database, ops: Ops, events: ShopEvents, sku: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(db, ops, events, "Adjust stock", sku, parent)
        self.change = QSpinBox()
        self.change.setRange(-1_000_000, 1_000_000)
        self.change.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.change.setToolTip("Positive: found more; negative: fewer than recorded")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. stock count 31 March")
        self.form.addRow("&Change (+/−):", self.change)
        self.form.addRow("&Reason:", self.reason)
        self.buttons.addButton("&Adjust", QDialogButtonBox.ButtonRole.AcceptRole)
        if sku:
            self._show_stock()
            self.change.setFocus()

    def save(self) -> None:
        db, sku, change, reason = self.db, self.sku(), self.change.value(), self.reason.text()

        def message(r: Any) -> str:
            text = f"{r.sku}: stock changed by {r.qty_change:+d} ({r.number}); {r.on_hand} on hand."
            if r.invoices:
                text += f" {len(r.invoices)} invoice(s) issued for pending orders."
            return text

        self.run(lambda: services.adjust_stock(db, sku, change, reason), message)


class DefectiveDialog(_StockDialog):
    """Broken goods found on the shelf: from sellable to defective stock."""

    def __init__(self, db: Database, ops: Ops, events: ShopEvents, sku: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(db, ops, events, "Mark stock defective", sku, parent)
        self.qty = QSpinBox()
        self.qty.setRange(1, 1_000_000)
        self.qty.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. dropped, water damage")
        self.form.addRow("&Quantity:", self.qty)
        self.form.addRow("&Reason:", self.reason)
        self.buttons.addButton("&Mark defective", QDialogButtonBox.ButtonRole.AcceptRole)
        if sku:
            self._show_stock()
            self.qty.setFocus()

    def save(self) -> None:
        db, sku, qty, reason = self.db, self.sku(), self.qty.value(), self.reason.text()
        self.run(lambda: services.mark_defective(db, sku, qty, reason),
                 lambda r: f"{qty} × {sku} moved to defective stock"
                           + (f" ({r.number})" if r.number else "")
                           + "; write it off or return it to the supplier on the Returns tab.")
