"""Returns: customer returns with their credit notes, a New return dialog (from an order or an
invoice), and the defective stock waiting for a decision (write off / return to supplier)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app import formatting
from app.queries.returns import DefectiveRow, ReturnRow, defective_stock, return_rows
from db.session import Database
from ui.dialogs.defective_dialog import DefectiveDialog
from ui.dialogs.return_dialog import ReturnDialog
from ui.events import ShopEvents
from ui.models.table import Column
from ui.ops import Ops
from ui.tabs._kit import (
    LazyTab,
    SortedRowsModel,
    debounced,
    plural,
    selected_row,
    source_row,
    table_view,
)

RETURN_COLUMNS = [
    Column("Return", lambda r: r.number, width=15),
    Column("Date", lambda r: r.date, "date"),
    Column("Order", lambda r: r.order, width=15),
    Column("Customer", lambda r: r.customer, width=24),
    Column("Reason", lambda r: r.reason, width=16),
    Column("Condition", lambda r: r.condition, width=10),
    Column("Units", lambda r: r.qty, "qty"),
    Column("Cost", lambda r: r.cost, "money"),
    Column("Credited", lambda r: r.credited, "money"),
    Column(
        "Credit notes",
        lambda r: ", ".join(r.credit_notes),
        width=16,
        tooltip=lambda r: "\n".join(r.credit_notes) or None,
    ),
]
DEFECTIVE_COLUMNS = [
    Column("SKU", lambda r: r.sku, width=12),
    Column("Product", lambda r: r.name, width=30),
    Column("Units", lambda r: r.qty, "qty"),
    Column("Value at cost", lambda r: r.value, "money", width=13),
    Column("Oldest (days)", lambda r: r.oldest_days, "number", width=12),
]


def _defective_color(row: ReturnRow) -> QColor | None:
    return QColor("#fdecea") if row.condition == "defective" else None


class ReturnsTab(LazyTab):
    open_document = Signal(str)
    CONCERNS = ("returns", "stock", "catalog")

    def __init__(
        self, db: Database, events: ShopEvents, ops: Ops, parent: QWidget | None = None
    ) -> None:
        super().__init__(db, events, ops, parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search return, order, customer, reason or credit note")
        self.search.setClearButtonEnabled(True)
        self._debounce = debounced(self, self.refresh)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.count = QLabel()
        self.new_button = QPushButton("&New return…")
        self.new_button.clicked.connect(lambda: self.new_return())
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addSpacing(12)
        bar.addWidget(self.count)
        bar.addWidget(self.new_button)

        self.model = SortedRowsModel(RETURN_COLUMNS, self.fmt, _defective_color, parent=self)
        self.view = table_view(self.model, self, stretch=3)
        self.view.doubleClicked.connect(self._double_clicked)

        self.defective = SortedRowsModel(DEFECTIVE_COLUMNS, self.fmt, parent=self)
        self.defective_view = table_view(self.defective, self, stretch=1)
        self.defective_view.doubleClicked.connect(
            lambda index: self._emit(source_row(self.defective_view, index), "sku")
        )
        self.defective_view.selectionModel().selectionChanged.connect(
            lambda *_: self._update_buttons()
        )
        self.write_off_button = QPushButton("&Write off…")
        self.write_off_button.clicked.connect(lambda: self.dispose("write_off"))
        self.supplier_button = QPushButton("Return to &supplier…")
        self.supplier_button.clicked.connect(lambda: self.dispose("supplier_return"))
        self.defective_total = QLabel()
        actions = QHBoxLayout()
        actions.addWidget(self.defective_total)
        actions.addStretch(1)
        actions.addWidget(self.write_off_button)
        actions.addWidget(self.supplier_button)
        self.defective_box = QGroupBox("Defective stock awaiting a decision")
        box_layout = QVBoxLayout(self.defective_box)
        box_layout.addWidget(self.defective_view)
        box_layout.addLayout(actions)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(self.defective_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # -- data
    def refresh(self) -> None:
        super().refresh()
        text = self.search.text()
        self.query(lambda s: (return_rows(s, text), defective_stock(s)), self._show)

    def _show(self, result: tuple[list[ReturnRow], list[DefectiveRow]]) -> None:
        rows, defective = result
        keep = selected_row(self.defective_view)
        self.model.set_rows(rows)
        self.count.setText(plural(len(rows), "return"))
        self.defective.set_rows(defective)
        units = sum(d.qty for d in defective)
        value = sum((d.value for d in defective), Decimal(0))
        worth = formatting.money(value, self.fmt.currency)
        summary = f"{formatting.number(units)} units, {worth} at cost"
        self.defective_total.setText(summary if defective else "No defective stock.")
        for row, d in enumerate(defective):
            if keep is not None and d.sku == keep.sku:
                self.defective_view.selectRow(row)
        if defective and not self.defective_view.selectionModel().hasSelection():
            self.defective_view.selectRow(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = selected_row(self.defective_view) is not None
        self.write_off_button.setEnabled(chosen)
        self.supplier_button.setEnabled(chosen)

    # -- actions
    def new_return(self, order_number: str | None = None) -> ReturnDialog:
        dialog = ReturnDialog(self.db, self.ops, self.events, order_number, self)
        dialog.open_document.connect(self.open_document)
        dialog.open()
        return dialog

    def dispose(self, action: str) -> DefectiveDialog | None:
        row = selected_row(self.defective_view)
        if row is None:
            return None
        dialog = DefectiveDialog(self.db, self.ops, self.events, row, action, self)
        dialog.open()
        return dialog

    # -- opening documents
    def _emit(self, row, attr: str) -> None:  # type: ignore[no-untyped-def]
        value = getattr(row, attr, None) if row is not None else None
        if value:
            self.open_document.emit(value)

    def _double_clicked(self, index) -> None:  # type: ignore[no-untyped-def]
        row: ReturnRow | None = source_row(self.view, index)
        if row is None:
            return
        column = self.model.columns[index.column()].title
        if column == "Credit notes" and row.credit_notes:
            self.open_document.emit(row.credit_notes[0])
        elif column in ("Order", "Customer"):
            self.open_document.emit(row.order)
        else:
            self.open_document.emit(row.number)
