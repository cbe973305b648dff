"""Decide on defective stock: write it off (a loss) or return it to the supplier (its cost is
recovered). Saved through services.dispose_defective."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
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
from app.queries.returns import DefectiveRow, last_supplier
from app.queries.stock import supplier_search
from db.session import Database
from ui.dialogs.purchase_dialog import SEP, code_of
from ui.events import ShopEvents
from ui.ops import Ops
from ui.tabs._kit import ErrorLabel, shop_currency, show_failure

ACTIONS = {"write_off": "Write off", "supplier_return": "Return to supplier"}


class DefectiveDialog(QDialog):
    def __init__(
        self,
        db: Database,
        ops: Ops,
        events: ShopEvents,
        row: DefectiveRow,
        action: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.ops, self.events, self.row, self.action = db, ops, events, row, action
        self.result = None
        self.setWindowTitle(f"{ACTIONS[action]}: {row.sku}")
        self.setMinimumWidth(460)
        currency = shop_currency(db)
        unit = (row.value / row.qty if row.qty else row.value).quantize(Decimal("0.01"))
        info = QLabel(
            f"<b>{row.sku}</b> {row.name}<br>{formatting.number(row.qty)} defective units, "
            f"worth {formatting.money(row.value, currency)} at cost "
            f"(about {formatting.money(unit, currency)} each)."
        )
        info.setWordWrap(True)
        self.qty = QSpinBox()
        self.qty.setRange(1, max(1, row.qty))
        self.qty.setValue(row.qty)
        self.qty.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.qty.setMaximumWidth(120)
        self.supplier = QComboBox()
        self.supplier.setEditable(True)
        self.supplier.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        with db.read() as session:
            hits = supplier_search(session, "", limit=5000)
            usual = last_supplier(session, row.sku) if action == "supplier_return" else None
        for hit in hits:
            self.supplier.addItem(f"{hit.code}{SEP}{hit.name}", hit.code)
        self.supplier.setCurrentIndex(self.supplier.findData(usual) if usual else -1)
        self.supplier.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.supplier.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.note = QLineEdit()
        form = QFormLayout()
        form.addRow("&Quantity:", self.qty)
        if action == "supplier_return":
            form.addRow("&Supplier:", self.supplier)
        form.addRow("&Note:", self.note)
        explain = QLabel(
            "Written-off goods count as a loss in the profit report."
            if action == "write_off"
            else "The supplier takes the goods back; their cost counts as recovered."
        )
        explain.setWordWrap(True)
        explain.setStyleSheet("color: #555555;")
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ACTIONS[action])
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(explain)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def save(self) -> None:
        supplier = (
            code_of(self.supplier.currentText()) if self.action == "supplier_return" else None
        )
        if self.action == "supplier_return" and not supplier:
            self.error.show_message("Choose the supplier who takes the goods back.")
            return
        db, sku, qty, action, note = (
            self.db,
            self.row.sku,
            self.qty.value(),
            self.action,
            self.note.text(),
        )
        self.error.clear_message()
        self.ok_button.setEnabled(False)
        self.ops.write(
            self,
            lambda: services.dispose_defective(db, sku, qty, action, supplier=supplier, note=note),
            self._saved,
            self._failed,
        )

    def _saved(self, result) -> None:  # type: ignore[no-untyped-def]
        self.result = result
        self.events.emit_changes(result.changes)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        show_failure(self.error, self, exc)
