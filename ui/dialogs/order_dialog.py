"""New sales order, typed at the keyboard (or scanned): customer, product lines with live stock
("6 now, 4 pending"), totals with tax, project, promised date, ship complete. Saved through
services.create_order on the writer thread; a refusal stays in the dialog with the input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import stdnum.ean
from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import formatting, services
from app.errors import InvalidInput
from app.money import document_tax, line_net
from app.queries.stock import StockRow, customer_search, product_search, stock_for
from app.services.orders import OrderResult
from db.session import Database
from ui.events import ShopEvents
from ui.ops import Ops
from ui.widgets.lookup import LookupEdit

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
NO_DATE = QDate(2000, 1, 1)  # the QDateEdit minimum, shown as "none"
Index = QModelIndex | QPersistentModelIndex


def _settings(db: Database) -> tuple[str, str, str]:
    """(currency, tax rounding mode, fulfilment mode) of the shop, for display only."""
    from app.settings import load

    with db.read() as session:
        s = load(session)
    return s.currency, s.tax_rounding, s.fulfilment_mode


def _number(text: str) -> Decimal | None:
    try:
        return formatting.parse_amount(text)
    except InvalidInput:
        return None


@dataclass
class DraftLine:
    sku: str
    name: str
    qty: str  # as typed: the service parses and refuses with a sentence
    price: str
    discount: str
    tax_rate: Decimal
    available: int | None = None

    def qty_value(self) -> int | None:
        value = _number(self.qty)
        return int(value) if value is not None and value == int(value) else None

    def net(self) -> Decimal | None:
        qty, price, discount = self.qty_value(), _number(self.price), _number(self.discount or "0")
        if qty is None or price is None or discount is None:
            return None
        return line_net(qty, price, discount)

    def stock_text(self, ship_complete: bool) -> str:
        qty = self.qty_value()
        if qty is None or self.available is None:
            return ""
        now = max(0, min(qty, self.available))
        if ship_complete and now < qty:
            now = 0
        waiting = qty - now
        if waiting == 0:
            return f"{formatting.number(now)} now"
        return f"{formatting.number(now)} now, {formatting.number(waiting)} pending"


class OrderLinesModel(QAbstractTableModel):
    """The draft lines; quantity, price and discount are edited in place."""

    HEADERS = ("SKU", "Product", "Qty", "Unit price", "Disc. %", "Net", "Stock")
    EDITABLE = {2: "qty", 3: "price", 4: "discount"}
    changed = Signal()

    def __init__(self, currency: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.lines: list[DraftLine] = []
        self.currency = currency
        self.ship_complete = False

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if 2 <= section <= 5 else _LEFT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in self.EDITABLE:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.lines):
            return None
        line, col = self.lines[index.row()], index.column()
        if not 0 <= col < len(self.HEADERS):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == 0:
                return line.sku
            if col == 1:
                return line.name
            if col in self.EDITABLE:
                raw = getattr(line, self.EDITABLE[col])
                if role == Qt.ItemDataRole.EditRole:
                    return raw
                value = _number(raw)
                if value is None:
                    return raw
                if col == 3:
                    return formatting.money(value, self.currency)
                return formatting.number(value)
            if col == 5:
                net = line.net()
                return formatting.money(net, self.currency) if net is not None else "?"
            return line.stock_text(self.ship_complete)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if 2 <= col <= 5 else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole and col == 6:
            text = line.stock_text(self.ship_complete)
            if "pending" in text:
                from PySide6.QtGui import QBrush, QColor

                return QBrush(QColor("#a65e00"))
        if role == Qt.ItemDataRole.ToolTipRole and col in self.EDITABLE:
            return "Double-click or start typing to change"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        editable = index.isValid() and index.column() in self.EDITABLE
        if role != Qt.ItemDataRole.EditRole or not editable:
            return False
        line = self.lines[index.row()]
        setattr(line, self.EDITABLE[index.column()], str(value).strip())
        row = index.row()
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
        self.changed.emit()
        return True

    # -- editing the list
    def add(self, sku: str, name: str, qty: int, price: Decimal, tax_rate: Decimal) -> int:
        """Add a line, or add `qty` to the line that already has this SKU. Returns its row."""
        for row, line in enumerate(self.lines):
            if line.sku == sku:
                current = line.qty_value() or 0
                line.qty = str(current + qty)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
                self.changed.emit()
                return row
        row = len(self.lines)
        self.beginInsertRows(QModelIndex(), row, row)
        self.lines.append(DraftLine(sku, name, str(qty), str(price), "0", tax_rate))
        self.endInsertRows()
        self.changed.emit()
        return row

    def remove(self, row: int) -> None:
        if 0 <= row < len(self.lines):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.lines[row]
            self.endRemoveRows()
            self.changed.emit()

    def set_stock(self, stock: dict[str, StockRow]) -> None:
        for line in self.lines:
            row = stock.get(line.sku)
            line.available = row.available if row is not None else None
        self.refresh_column(6)

    def refresh_column(self, col: int) -> None:
        if self.lines:
            self.dataChanged.emit(self.index(0, col), self.index(len(self.lines) - 1, col))


class OrderDialog(QDialog):
    """`result_message` holds what happened after a successful save."""

    def __init__(self, db: Database, ops: Ops, events: ShopEvents, parent: QWidget | None = None,
                 customer: str | None = None) -> None:
        super().__init__(parent)
        self.db, self.ops, self.events = db, ops, events
        self.result: OrderResult | None = None
        self.result_message = ""
        self.currency, self.tax_mode, self.mode = _settings(db)
        self.setWindowTitle("New sales order")
        self.resize(980, 620)

        self.customer = LookupEdit(
            db, lambda s, t: customer_search(s, t, limit=20), lambda h: h.code, lambda h: h.name,
            placeholder="Customer code or name",
        )
        self.customer.picked.connect(self._customer_picked)
        self.customer.returnPressed.connect(self._customer_entered)
        self.customer.textChanged.connect(lambda _t: self.customer_name.clear())
        self.customer_name = QLabel()
        self.customer_name.setStyleSheet("color: palette(mid);")
        self.project = QLineEdit()
        self.project.setPlaceholderText("optional")
        self.promised = QDateEdit()
        self.promised.setCalendarPopup(True)
        self.promised.setMinimumDate(NO_DATE)
        self.promised.setSpecialValueText("none")
        self.promised.setDisplayFormat("yyyy-MM-dd")
        self.promised.setDate(NO_DATE)
        self.promised.setToolTip("The date promised to the customer; 'none' if there is none")
        self.ship_complete = QCheckBox("Ship complete (deliver only when every line can go)")
        self.ship_complete.toggled.connect(self._ship_complete_toggled)

        head = QGridLayout()
        head.addWidget(QLabel("&Customer:"), 0, 0)
        head.itemAtPosition(0, 0).widget().setBuddy(self.customer)  # type: ignore[union-attr]
        head.addWidget(self.customer, 0, 1)
        head.addWidget(self.customer_name, 0, 2)
        head.addWidget(QLabel("Pro&ject:"), 1, 0)
        head.itemAtPosition(1, 0).widget().setBuddy(self.project)  # type: ignore[union-attr]
        head.addWidget(self.project, 1, 1)
        promised_label = QLabel("Pro&mised:")
        promised_label.setBuddy(self.promised)
        head.addWidget(promised_label, 0, 3)
        head.addWidget(self.promised, 0, 4)
        head.addWidget(self.ship_complete, 1, 3, 1, 2)
        head.setColumnStretch(2, 1)

        # -- entering lines
        self.qty = QSpinBox()
        self.qty.setRange(1, 1_000_000)
        self.qty.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.qty.setToolTip("How many to add with the next Enter")
        self.product = LookupEdit(
            db, lambda s, t: product_search(s, t, limit=20), lambda h: h.sku,
            lambda h: f"{h.name} ({formatting.number(h.available)} available)",
            placeholder="SKU, name or scan a barcode, then Enter",
        )
        self.product.picked.connect(lambda _sku: self.add_product())
        self.product.returnPressed.connect(self.add_product)
        self.product_problem = QLabel()
        self.product_problem.setStyleSheet("color: #b00020;")
        self.product_problem.setWordWrap(True)
        add = QPushButton("&Add line")
        add.clicked.connect(self.add_product)
        entry = QHBoxLayout()
        product_label = QLabel("&Product:")
        product_label.setBuddy(self.product)
        qty_label = QLabel("&Qty:")
        qty_label.setBuddy(self.qty)
        entry.addWidget(qty_label)
        entry.addWidget(self.qty)
        entry.addWidget(product_label)
        entry.addWidget(self.product, 1)
        entry.addWidget(add)

        self.lines = OrderLinesModel(self.currency, self)
        self.table = QTableView()
        self.table.setModel(self.lines)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        char = QFontMetrics(self.table.font()).horizontalAdvance("0")
        for col, width in enumerate((12, 30, 7, 11, 7, 12, 18)):
            self.table.setColumnWidth(col, width * char + 16)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        remove = QPushButton("&Remove line")
        remove.clicked.connect(self.remove_selected)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table, activated=self.remove_selected)

        self.totals = QLabel()
        self.totals.setAlignment(_RIGHT)
        self.totals.setTextFormat(Qt.TextFormat.RichText)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-weight: 600;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()

        self.save_button = QPushButton("&Save order")
        self.save_button.setToolTip("Ctrl+Enter")
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        for button in (add, remove, self.save_button, cancel):
            button.setAutoDefault(False)  # Enter adds a line; it never saves by accident
        for keys in ("Ctrl+Return", "Ctrl+Enter", "Ctrl+S"):
            QShortcut(QKeySequence(keys), self, activated=self.save)

        bottom = QHBoxLayout()
        bottom.addWidget(remove)
        bottom.addStretch(1)
        bottom.addWidget(self.totals)
        buttons = QHBoxLayout()
        mode_text = ("In-stock goods are delivered and invoiced when you save."
                     if self.mode == "deliver" else
                     "In-stock goods are reserved when you save; deliver them from the order.")
        hint = QLabel(mode_text)
        hint.setStyleSheet("color: palette(mid);")
        buttons.addWidget(hint, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addSpacing(6)
        layout.addLayout(entry)
        layout.addWidget(self.product_problem)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.product_problem.hide()

        self._stock_timer = QTimer(self)
        self._stock_timer.setSingleShot(True)
        self._stock_timer.setInterval(150)
        self._stock_timer.timeout.connect(self.refresh_stock)
        self.lines.changed.connect(self._lines_changed)
        self._update_totals()
        if customer:
            self.customer.setText(customer)
            self._customer_entered()
        self.customer.setFocus()

    # -- customer
    def _customer_picked(self, code: str) -> None:
        hit = self.customer.hits.get(code)
        if hit is not None:
            self.customer_name.setText(hit.name)
            self.ship_complete.setChecked(hit.ship_complete)
        self.qty.setFocus()
        self.qty.selectAll()

    def _customer_entered(self) -> None:
        if self.customer.popup_visible():
            return
        hit = self.customer.hit()
        if hit is None:
            with self.db.read() as session:
                hits = customer_search(session, self.customer.text(), limit=2)
            hit = hits[0] if len(hits) == 1 else None
            if hit is not None:
                self.customer.hits[hit.code] = hit
                self.customer.setText(hit.code)
        if hit is not None:
            self._customer_picked(hit.code)

    # -- lines
    def add_product(self) -> None:
        if self.product.popup_visible():
            return
        text = self.product.text().strip()
        if not text:
            return
        problem = ""
        hit = None
        if text.isdigit() and len(text) in (8, 12, 13, 14) and not stdnum.ean.is_valid(text):
            problem = (f"{text} is not a valid barcode (its check digit is wrong). "
                       "Scan it again or type the SKU.")
        else:
            with self.db.read() as session:
                hits = product_search(session, text, limit=20)
            exact = [h for h in hits if h.sku.lower() == text.lower() or h.ean == text]
            if exact:
                hit = exact[0]
            elif len(hits) == 1:
                hit = hits[0]
            elif not hits:
                problem = f"No product matches {text!r}. Type a SKU, a name or scan a barcode."
            else:
                problem = (f"{len(hits)} products match {text!r}; pick one from the list "
                           "or type more of the SKU.")
                self.product.search_now()
        if hit is None:
            self.product_problem.setText(problem)
            self.product_problem.show()
            return
        self.product_problem.hide()
        row = self.lines.add(hit.sku, hit.name, self.qty.value(), hit.unit_price, hit.tax_rate)
        self.table.selectRow(row)
        self.product.clear()
        self.qty.setValue(1)
        self.product.setFocus()
        self.refresh_stock()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}, reverse=True)
        for row in rows:
            self.lines.remove(row)

    def _lines_changed(self) -> None:
        self._update_totals()
        self._stock_timer.start()

    def _ship_complete_toggled(self, on: bool) -> None:
        self.lines.ship_complete = on
        self.lines.refresh_column(6)

    def refresh_stock(self) -> None:
        skus = [line.sku for line in self.lines.lines]
        if not skus:
            return
        with self.db.read() as session:
            stock = stock_for(session, skus)
        self.lines.set_stock(stock)

    def _update_totals(self) -> None:
        nets = [(line.net(), line.tax_rate) for line in self.lines.lines]
        if any(net is None for net, _ in nets):
            self.totals.setText(
                "<i>Totals appear when every line's quantity and price are numbers.</i>")
            return
        pairs = [(net, rate) for net, rate in nets if net is not None]
        net = sum((n for n, _ in pairs), Decimal(0))
        tax = document_tax(pairs, self.tax_mode)
        m = lambda v: formatting.money(v, self.currency)  # noqa: E731
        self.totals.setText(
            f"Net {m(net)} &nbsp; Tax {m(tax)} &nbsp; <b>Total {m(net + tax)}</b>"
        )

    # -- saving
    def promised_date(self) -> date | None:
        value = self.promised.date()
        return None if value == NO_DATE else value.toPython()  # type: ignore[no-any-return]

    def line_inputs(self) -> list[services.LineInput]:
        inputs = []
        for line in self.lines.lines:
            price = _number(line.price)
            discount = _number(line.discount or "0")
            qty = _number(line.qty)
            inputs.append(services.LineInput(
                line.sku,
                qty if qty is not None else line.qty,
                price if price is not None else line.price,
                discount if discount is not None else line.discount,
            ))
        return inputs

    def save(self) -> None:
        customer = self.customer.text().strip()
        if not customer:
            self.show_error("Choose the customer first.")
            self.customer.setFocus()
            return
        if not self.lines.lines:
            self.show_error("Add at least one product line.")
            self.product.setFocus()
            return
        self.error.hide()
        db, lines = self.db, self.line_inputs()
        project = self.project.text().strip() or None
        promised, ship_complete = self.promised_date(), self.ship_complete.isChecked()
        self.save_button.setEnabled(False)
        self.ops.write(
            self,
            lambda: services.create_order(db, customer, lines, project=project,
                                          promised=promised, ship_complete=ship_complete),
            self._saved,
            self._failed,
        )

    def _saved(self, result: OrderResult) -> None:
        self.result = result
        self.result_message = order_summary(result)
        self.events.emit_changes(result.changes)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import is_user_error, show_bug

        self.save_button.setEnabled(True)
        if is_user_error(exc):
            self.show_error(str(exc))
        else:
            show_bug(self, exc)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


def order_summary(result: OrderResult) -> str:
    """SO-2026-00012: 6 delivered and invoiced (INV-2026-00031), 4 pending."""
    served = sum(s.qty for s in result.served)
    pending = sum(result.pending.values())
    parts = []
    if served:
        if result.invoices:
            parts.append(f"{formatting.number(served)} delivered and invoiced "
                         f"({', '.join(result.invoices)})")
        elif result.deliveries:
            parts.append(f"{formatting.number(served)} delivered ({', '.join(result.deliveries)})")
        else:
            parts.append(f"{formatting.number(served)} reserved")
    if pending:
        parts.append(f"{formatting.number(pending)} pending")
    if not parts:
        parts.append("saved")
    return f"{result.number}: {', '.join(parts)}."

