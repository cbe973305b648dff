"""New purchase order: a supplier (searched), lines of SKU, quantity and unit cost, optionally
for a sales order or a project, and an expected date. Saved through services.create_purchase."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QDate, QEvent, QObject, QStringListModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import formatting, services
from app.errors import InvalidInput
from app.queries.stock import product_search, stock_for, supplier_search
from db.session import Database
from ui.events import ShopEvents
from ui.models.table import Column, Formatter, RowsModel
from ui.ops import Ops
from ui.tabs._kit import (
    ErrorLabel,
    date_edit,
    debounced,
    selected_row,
    shop_currency,
    show_failure,
    table_view,
)

SEP = " — "


@dataclass(frozen=True)
class DraftLine:
    sku: str
    name: str
    qty: int
    unit_cost: Decimal

    @property
    def amount(self) -> Decimal:
        return self.unit_cost * self.qty


def code_of(text: str) -> str:
    """'ACME — Acme Ltd' -> 'ACME' (pickers show code and name; services want the code)."""
    return text.split(SEP, 1)[0].strip()


class PurchaseDialog(QDialog):
    def __init__(
        self,
        db: Database,
        ops: Ops,
        events: ShopEvents,
        for_order: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.ops, self.events = db, ops, events
        self.number: str | None = None
        self.setWindowTitle("New purchase order")
        self.setMinimumWidth(720)

        self.supplier = QComboBox()
        self.supplier.setEditable(True)
        self.supplier.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.supplier.lineEdit().setPlaceholderText("Type to search suppliers by code or name")
        with db.read() as session:
            hits = supplier_search(session, "", limit=5000)
        self.supplier.addItems([f"{h.code}{SEP}{h.name}" for h in hits])
        self.supplier.setCurrentIndex(-1)
        completer = self.supplier.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)

        self.for_order = QLineEdit(for_order or "")
        self.for_order.setPlaceholderText("e.g. SO-2026-00012 (its goods serve that order first)")
        self.project = QLineEdit()
        self.project.setPlaceholderText("optional")
        self.has_expected = QCheckBox("Expected on")
        self.expected = date_edit(QDate.currentDate().addDays(7))
        self.expected.setEnabled(False)
        self.has_expected.toggled.connect(self.expected.setEnabled)
        expected_row = QHBoxLayout()
        expected_row.addWidget(self.has_expected)
        expected_row.addWidget(self.expected)
        expected_row.addStretch(1)
        self.note = QLineEdit()

        head = QFormLayout()
        head.addRow("&Supplier:", self.supplier)
        head.addRow("For sales &order:", self.for_order)
        head.addRow("&Project:", self.project)
        head.addRow("", _wrap(expected_row))
        head.addRow("&Note:", self.note)

        # -- lines: a product picker, quantity, cost, Add; the list below
        self.product = QLineEdit()
        self.product.setPlaceholderText("SKU, name or EAN")
        self._hits = QStringListModel(self)
        pcompleter = QCompleter(self._hits, self)
        pcompleter.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        pcompleter.setFilterMode(Qt.MatchFlag.MatchContains)
        self.product.setCompleter(pcompleter)
        self._search = debounced(self, self._search_products, 200)
        self.product.textEdited.connect(lambda _t: self._search.start())
        pcompleter.activated.connect(self._product_chosen)
        self.qty = QSpinBox()
        self.qty.setRange(1, 1_000_000)
        self.qty.setGroupSeparatorShown(True)
        self.cost = QLineEdit()
        self.cost.setPlaceholderText("unit cost")
        self.cost.setMaximumWidth(120)
        self.cost.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.add_button = QPushButton("&Add line")
        self.add_button.clicked.connect(self.add_line)
        for field in (self.product, self.cost, self.qty):
            field.installEventFilter(self)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Product:"))
        pick.addWidget(self.product, 3)
        pick.addWidget(QLabel("Qty:"))
        pick.addWidget(self.qty)
        pick.addWidget(QLabel("Unit cost:"))
        pick.addWidget(self.cost)
        pick.addWidget(self.add_button)

        currency = shop_currency(db)
        self.lines = RowsModel(
            [
                Column("SKU", lambda r: r.sku, width=12),
                Column("Product", lambda r: r.name, width=28),
                Column("Qty", lambda r: r.qty, "qty"),
                Column("Unit cost", lambda r: r.unit_cost, "money"),
                Column("Amount", lambda r: r.amount, "money"),
            ],
            Formatter(currency),
            parent=self,
        )
        self.lines_view = table_view(self.lines, self, sortable=False, stretch=1)
        self.lines_view.setMinimumHeight(150)
        self.remove_button = QPushButton("&Remove line")
        self.remove_button.clicked.connect(self.remove_line)
        self.total = QLabel()
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.total.setStyleSheet("font-weight: 600;")
        self._currency = currency
        below = QHBoxLayout()
        below.addWidget(self.remove_button)
        below.addStretch(1)
        below.addWidget(self.total)

        box = QGroupBox("Lines")
        box_layout = QVBoxLayout(box)
        box_layout.addLayout(pick)
        box_layout.addWidget(self.lines_view)
        box_layout.addLayout(below)

        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Create purchase order")
        self.add_button.setAutoDefault(False)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(box, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._update_total()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        # Enter in the line fields adds the line; it must not also save the purchase
        if (
            watched in (self.product, self.cost, self.qty)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            if watched is self.cost:
                self.add_line()
            else:
                self.focusNextChild()
            return True
        return super().eventFilter(watched, event)

    # -- products
    def _search_products(self) -> None:
        with self.db.read() as session:
            hits = product_search(session, self.product.text(), limit=20)
        self._hits.setStringList([f"{h.sku}{SEP}{h.name}" for h in hits])
        self.product.completer().complete()

    def _product_chosen(self, text: str) -> None:
        sku = code_of(text)
        if not self.cost.text().strip():
            with self.db.read() as session:
                row = stock_for(session, [sku]).get(sku)
            if row is not None and row.average_cost is not None:
                self.cost.setText(formatting.number(row.average_cost, decimals=2))
        self.qty.setFocus()

    def add_line(self) -> None:
        sku = code_of(self.product.text())
        if not sku:
            self.error.show_message("Choose a product first.")
            return
        try:
            cost = formatting.parse_amount(self.cost.text())
        except InvalidInput as exc:
            self.error.show_message(f"Unit cost of {sku}: {exc}")
            return
        with self.db.read() as session:
            row = stock_for(session, [sku]).get(sku)
        if row is None:
            self.error.show_message(f"There is no product with SKU {sku!r}.")
            return
        self.error.clear_message()
        self.lines.set_rows([*self.lines.rows, DraftLine(sku, row.name, self.qty.value(), cost)])
        self.product.clear()
        self.cost.clear()
        self.qty.setValue(1)
        self.product.setFocus()
        self._update_total()

    def remove_line(self) -> None:
        row = selected_row(self.lines_view)
        if row is not None:
            self.lines.set_rows([r for r in self.lines.rows if r is not row])
            self._update_total()

    def _update_total(self) -> None:
        total = sum((r.amount for r in self.lines.rows), Decimal(0))
        self.total.setText(f"Total: {formatting.money(total, self._currency)}")
        self.save_button.setEnabled(bool(self.lines.rows))

    # -- saving
    def save(self) -> None:
        supplier = code_of(self.supplier.currentText())
        if not supplier:
            self.error.show_message("Choose a supplier.")
            return
        lines = [services.PurchaseLineInput(r.sku, r.qty, r.unit_cost) for r in self.lines.rows]
        for_order = self.for_order.text().strip() or None
        project = self.project.text().strip() or None
        expected = self.expected.date().toPython() if self.has_expected.isChecked() else None
        note, db = self.note.text(), self.db
        self.save_button.setEnabled(False)
        self.error.clear_message()

        def job():  # type: ignore[no-untyped-def]
            return services.create_purchase(
                db,
                supplier,
                lines,
                for_order=for_order,
                project=project,
                expected=expected,
                note=note,
            )

        self.ops.write(self, job, self._saved, self._failed)

    def _saved(self, result) -> None:  # type: ignore[no-untyped-def]
        self.number = result.number
        self.events.emit_changes(result.changes)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        show_failure(self.error, self, exc)


def _wrap(layout) -> QWidget:  # type: ignore[no-untyped-def]
    widget = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    widget.setLayout(layout)
    return widget
