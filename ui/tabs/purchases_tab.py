"""Purchases: the purchase orders (search, open only), new purchase and receive dialogs, and
below the selected one's lines, receipts and the pending order lines each receipt served."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import formatting, services
from app.queries.purchases import PurchaseDetail, PurchaseRow, purchase_detail, purchase_rows
from db.session import Database
from ui.dialogs.purchase_dialog import PurchaseDialog
from ui.dialogs.purchase_receive_dialog import PurchaseReceiveDialog
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

_STATUS_COLORS = {"received": None, "cancelled": QColor("#eeeeee")}


def _highlight(row: PurchaseRow) -> QColor | None:
    return _STATUS_COLORS.get(row.status)


PURCHASE_COLUMNS = [
    Column("Number", lambda r: r.number, width=15),
    Column("Supplier", lambda r: r.supplier, width=24),
    Column("Ordered on", lambda r: r.order_date, "date"),
    Column("Expected", lambda r: r.expected_date, "date"),
    Column("For order", lambda r: r.for_order, width=15),
    Column("Project", lambda r: r.project, width=14),
    Column("Ordered", lambda r: r.qty_ordered, "qty"),
    Column("Received", lambda r: r.qty_received, "qty"),
    Column("Status", lambda r: r.status, width=14),
    Column("Total cost", lambda r: r.total_cost, "money"),
]
LINE_COLUMNS = [
    Column("#", lambda r: r.line_no, "number", width=3),
    Column("SKU", lambda r: r.sku, width=12),
    Column("Product", lambda r: r.name, width=30),
    Column("Ordered", lambda r: r.ordered, "qty"),
    Column("Received", lambda r: r.received, "qty"),
    Column("Open", lambda r: r.open, "qty"),
    Column("Unit cost", lambda r: r.unit_cost, "money"),
    Column("Amount", lambda r: r.amount, "money"),
]
RECEIPT_COLUMNS = [
    Column("Receipt", lambda r: r.number, width=15),
    Column("Date", lambda r: r.date, "date"),
    Column("Units", lambda r: r.qty, "qty"),
    Column("Cost", lambda r: r.cost, "money"),
]
SERVED_COLUMNS = [
    Column("Receipt", lambda r: r.receipt, width=15),
    Column("Order", lambda r: r.order, width=15),
    Column("Customer", lambda r: r.customer, width=22),
    Column("SKU", lambda r: r.sku, width=12),
    Column("Qty", lambda r: r.qty, "qty"),
    Column("Queue place", lambda r: r.queue_position, "number"),
    Column("Invoice", lambda r: r.invoice, width=15),
    Column("Why", lambda r: r.reason, width=30, tooltip=lambda r: r.reason or None),
]


class PurchasesTab(LazyTab):
    open_document = Signal(str)
    CONCERNS = ("purchases", "catalog")

    def __init__(
        self, db: Database, events: ShopEvents, ops: Ops, parent: QWidget | None = None
    ) -> None:
        super().__init__(db, events, ops, parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search number, supplier, sales order or project")
        self.search.setClearButtonEnabled(True)
        self._debounce = debounced(self, self.refresh)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.open_only = QCheckBox("&Open only")
        self.open_only.toggled.connect(lambda _on: self.refresh())
        self.new_button = QPushButton("&New purchase…")
        self.new_button.clicked.connect(self.new_purchase)
        self.receive_button = QPushButton("&Receive…")
        self.receive_button.clicked.connect(self.receive_selected)
        self.cancel_button = QPushButton("Cancel purchase…")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.count = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.open_only)
        bar.addSpacing(12)
        bar.addWidget(self.count)
        bar.addStretch(0)
        bar.addWidget(self.new_button)
        bar.addWidget(self.receive_button)
        bar.addWidget(self.cancel_button)

        self.model = SortedRowsModel(PURCHASE_COLUMNS, self.fmt, _highlight, parent=self)
        self.view = table_view(self.model, self, stretch=1)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        self.view.doubleClicked.connect(self._double_clicked)

        # lower pane: the selected purchase
        self.heading = QLabel("Select a purchase order to see its lines and receipts.")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.lines = SortedRowsModel(LINE_COLUMNS, self.fmt, parent=self)
        self.receipts = SortedRowsModel(RECEIPT_COLUMNS, self.fmt, parent=self)
        self.served = SortedRowsModel(SERVED_COLUMNS, self.fmt, parent=self)
        self.lines_view = table_view(self.lines, self, stretch=2)
        self.receipts_view = table_view(self.receipts, self)
        self.served_view = table_view(self.served, self)
        self.served_view.doubleClicked.connect(self._open_served)
        self.receipts_view.doubleClicked.connect(
            lambda index: self._emit(source_row(self.receipts_view, index), "number")
        )
        self.detail_tabs = QTabWidget()
        self.detail_tabs.addTab(self.lines_view, "Lines")
        self.detail_tabs.addTab(self.receipts_view, "Receipts")
        self.detail_tabs.addTab(self.served_view, "Orders served")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 4, 0, 0)
        lower_layout.addWidget(self.heading)
        lower_layout.addWidget(self.detail_tabs, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self.detail: PurchaseDetail | None = None
        self._pending_select: str | None = None  # a new purchase, selected once listed
        self._update_buttons()

    # -- data
    def refresh(self) -> None:
        super().refresh()
        text, open_only = self.search.text(), self.open_only.isChecked()
        self.query(lambda s: purchase_rows(s, text, open_only), self._show_rows)

    def _show_rows(self, rows: list[PurchaseRow]) -> None:
        keep = self._pending_select or (self.detail.number if self.detail else None)
        self._pending_select = None
        self.model.set_rows(rows)
        open_count = sum(1 for r in rows if r.status in ("open", "partly received"))
        self.count.setText(
            f"{plural(len(rows), 'purchase order')}, {formatting.number(open_count)} open"
        )
        if keep is not None:
            self.select(keep)
        if not self.view.selectionModel().hasSelection():
            self._show_detail(None)

    def select(self, number: str) -> bool:
        proxy = self.view.model()
        for row in range(proxy.rowCount()):
            index = proxy.index(row, 0)
            if index.data() == number:
                self.view.selectRow(row)
                self.view.scrollTo(index)
                return True
        return False

    def _show_selected(self) -> None:
        row = selected_row(self.view)
        if row is None:
            self._show_detail(None)
            return
        with self.db.read() as session:  # one purchase: a few small queries
            self._show_detail(purchase_detail(session, row.number))

    def _show_detail(self, detail: PurchaseDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.heading.setText("Select a purchase order to see its lines and receipts.")
            for model in (self.lines, self.receipts, self.served):
                model.set_rows([])
        else:
            extra = []
            if detail.for_order:
                extra.append(f"for order {detail.for_order}")
            if detail.project:
                extra.append(f"project {detail.project}")
            if detail.expected_date:
                extra.append(f"expected {formatting.day(detail.expected_date)}")
            self.heading.setText(
                f"<b>{detail.number}</b> — {detail.supplier_name} — {detail.status}"
                + ("" if not extra else " — " + ", ".join(extra))
                + f" — total {formatting.money(detail.total_cost, self.fmt.currency)}"
            )
            self.lines.set_rows(detail.lines)
            self.receipts.set_rows(detail.receipts)
            self.served.set_rows(detail.served)
            self.detail_tabs.setTabText(1, f"Receipts ({len(detail.receipts)})")
            self.detail_tabs.setTabText(2, f"Orders served ({len(detail.served)})")
        self._update_buttons()

    def _update_buttons(self) -> None:
        waiting = self.detail is not None and self.detail.status in ("open", "partly received")
        self.receive_button.setEnabled(waiting)
        self.cancel_button.setEnabled(waiting)

    # -- actions
    def new_purchase(self, for_order: str | None = None) -> PurchaseDialog:
        dialog = PurchaseDialog(self.db, self.ops, self.events, for_order or None, self)
        dialog.accepted.connect(lambda: dialog.number and self._after_save(dialog.number))
        dialog.open()
        return dialog

    def _after_save(self, number: str) -> None:
        self._pending_select = number
        self.search.clear()
        self.refresh()

    def receive_selected(self) -> PurchaseReceiveDialog | None:
        if self.detail is None:
            return None
        dialog = PurchaseReceiveDialog(self.db, self.ops, self.events, self.detail.number, self)
        dialog.open_document.connect(self.open_document)
        dialog.open()
        return dialog

    def cancel_selected(self) -> None:
        if self.detail is None:
            return
        number = self.detail.number
        answer = QMessageBox.question(
            self,
            "Cancel purchase order",
            f"Stop waiting for what {number} has not delivered yet?\nReceived goods stay received.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        db = self.db
        self.ops.write(
            self,
            lambda: services.cancel_purchase(db, number),
            lambda result: self.events.emit_changes(result.changes),
        )

    # -- opening documents
    def _emit(self, row, attr: str) -> None:  # type: ignore[no-untyped-def]
        value = getattr(row, attr, None) if row is not None else None
        if value:
            self.open_document.emit(value)

    def _double_clicked(self, index) -> None:  # type: ignore[no-untyped-def]
        row = source_row(self.view, index)
        column = self.model.columns[index.column()].title
        self._emit(row, "for_order" if column == "For order" and row.for_order else "number")

    def _open_served(self, index) -> None:  # type: ignore[no-untyped-def]
        row = source_row(self.served_view, index)
        column = self.served.columns[index.column()].title
        attr = {"Receipt": "receipt", "Invoice": "invoice"}.get(column, "order")
        self._emit(row, attr if getattr(row, attr, None) else "order")
