"""Orders: every sales order, filtered and sorted in SQL (search as you type, status, customer,
date range), held as ids and fetched a page at a time; new order, open, deliver, cancel pending,
record payment, print invoice."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import formatting, services
from app.domain.states import STATUS_LABELS
from app.queries.orders import OrderFilter, OrderRow, order_detail, order_ids, order_rows
from app.queries.stock import customer_search
from db.session import Database
from ui.dialogs.document_view import documents_available, open_document, open_pdf
from ui.dialogs.order_detail import CancelPendingDialog, PaymentDialog
from ui.dialogs.order_dialog import OrderDialog
from ui.events import ShopEvents
from ui.models.table import Column, LazyRowsModel
from ui.ops import Ops
from ui.tabs._kit import LazyTab
from ui.widgets.lookup import LookupEdit
from ui.widgets.notice import NoticeBar
from ui.widgets.tables import make_table

SEARCH_DEBOUNCE_MS = 250
ANY_DATE = QDate(2000, 1, 1)

ORDER_COLUMNS = [
    Column("Number", lambda r: r.number, width=15, sort_key="number"),
    Column("Date", lambda r: r.order_date, "date", sort_key="date"),
    Column("Customer", lambda r: r.customer_name, width=26, sort_key="customer",
           tooltip=lambda r: r.customer_code),
    Column("Project", lambda r: r.project, width=18),
    Column("Status", lambda r: r.status_label, width=14, sort_key="status"),
    Column("Total", lambda r: r.gross_total, "money", sort_key="gross"),
    Column("Pending", lambda r: r.qty_pending or None, "qty", width=8, sort_key="pending",
           tooltip=lambda r: "Units still to deliver" if r.qty_pending else None),
    Column("Margin", lambda r: r.margin, "money",
           tooltip=lambda r: None if r.margin is None else "Profit on what was invoiced so far"),
]
_STATUS_COLORS = {"pending": QColor("#fff4e0"), "partial": QColor("#fffbe0"),
                  "cancelled": QColor("#efefef")}


def _highlight(row: OrderRow) -> QColor | None:
    return _STATUS_COLORS.get(row.status)


class OrdersTab(LazyTab):
    open_document = Signal(str)
    status_message = Signal(str)
    loaded = Signal()  # a new id list is shown
    CONCERNS = ("orders", "invoices", "returns", "catalog", "settings")

    def __init__(self, db: Database, events: ShopEvents, ops: Ops,
                 parent: QWidget | None = None) -> None:
        super().__init__(db, events, ops, parent)  # LazyTab: refresh when shown and stale
        self.filter = OrderFilter()
        self.last_filter_seconds = 0.0

        self.loading = False
        self._generation = 0
        self._keep: OrderRow | None = None
        self._started = 0.0
        self.model = LazyRowsModel(ORDER_COLUMNS, self._fetch_ids, self._fetch_rows,
                                   self.fmt, _highlight, self)
        self.model._sort = ("number", True)  # newest first until a header is clicked
        self.view = make_table(self.model, stretch=2, sql_sorted=True)
        # header clicks re-query in SQL (the view's own sorting stays off)
        self.view.horizontalHeader().setSortIndicatorShown(True)
        self.view.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.view.horizontalHeader().sortIndicatorChanged.connect(self._sort_changed)
        self.view.horizontalHeader().setSectionsClickable(True)
        self.view.doubleClicked.connect(lambda _i: self.open_selected())
        self.view.activated.connect(lambda _i: self.open_selected())

        # -- filters
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search order, customer, project…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_filter)  # Enter: no need to wait
        self.search.setObjectName("orders_search")
        self.status = QComboBox()
        self.status.addItem("Any status", None)
        for key, label in STATUS_LABELS.items():
            self.status.addItem(label, key)
        self.status.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.customer = LookupEdit(
            db, lambda s, t: customer_search(s, t, limit=20), lambda h: h.code, lambda h: h.name,
            placeholder="Customer code",
        )
        self.customer.setMaximumWidth(180)
        self.customer.picked.connect(lambda _c: self.apply_filter())
        self.customer.returnPressed.connect(self.apply_filter)
        self.customer.textChanged.connect(lambda t: self.apply_filter() if not t else None)
        self.date_from = self._date_edit("From the first order")
        self.date_to = self._date_edit("Up to the last order")
        clear = QPushButton("Clear filters")
        clear.clicked.connect(self.clear_filters)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(self.status)
        filters.addWidget(QLabel("Customer:"))
        filters.addWidget(self.customer, 1)
        filters.addWidget(QLabel("From:"))
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("to:"))
        filters.addWidget(self.date_to)
        filters.addWidget(clear)

        # -- actions
        self.new_button = QPushButton("&New order…")
        self.new_button.setToolTip("Ctrl+N")
        self.new_button.clicked.connect(self.new_order)
        self.open_button = QPushButton("&Open")
        self.open_button.clicked.connect(self.open_selected)
        self.deliver_button = QPushButton("&Deliver reserved")
        self.deliver_button.setToolTip("Deliver and invoice what is reserved for the order")
        self.deliver_button.clicked.connect(self.deliver)
        self.cancel_button = QPushButton("&Cancel pending…")
        self.cancel_button.clicked.connect(self.cancel_pending)
        self.pay_button = QPushButton("Record &payment…")
        self.pay_button.clicked.connect(self.record_payment)
        self.print_button = QPushButton("Print &invoice")
        self.print_button.clicked.connect(self.print_invoice)
        self.print_button.setEnabled(documents_available())
        if not documents_available():
            self.print_button.setToolTip("PDF documents are not available in this installation")
        self.count = QLabel()
        self.count.setStyleSheet("color: palette(mid);")
        actions = QHBoxLayout()
        for button in (self.new_button, self.open_button, self.deliver_button,
                       self.cancel_button, self.pay_button, self.print_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.count)

        self.notice = NoticeBar(self)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.notice)
        layout.addWidget(self.view, 1)
        layout.addLayout(actions)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def _date_edit(self, any_text: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setMinimumDate(ANY_DATE)
        edit.setSpecialValueText("any")
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDate(ANY_DATE)
        edit.setToolTip(f"'any': {any_text.lower()}")
        edit.dateChanged.connect(lambda _d: self.apply_filter())
        return edit

    # -- data
    def _fetch_ids(self, sort: str | None, descending: bool) -> list[int]:
        with self.db.read() as session:
            return order_ids(session, self.filter, sort, descending)

    def _fetch_rows(self, ids: list[int]) -> list[OrderRow]:
        with self.db.read() as session:
            return order_rows(session, ids)

    def current_filter(self) -> OrderFilter:
        def day(edit: QDateEdit) -> date | None:
            value = edit.date()
            return None if value == ANY_DATE else value.toPython()  # type: ignore[no-any-return]

        return OrderFilter(
            text=self.search.text().strip(),
            status=self.status.currentData(),
            customer=self.customer.text().strip() or None,
            date_from=day(self.date_from),
            date_to=day(self.date_to),
        )

    def apply_filter(self) -> None:
        self._search_timer.stop()
        self.filter = self.current_filter()
        self.refresh()

    def clear_filters(self) -> None:
        for widget in (self.search, self.status, self.customer, self.date_from, self.date_to):
            widget.blockSignals(True)
        self.search.clear()
        self.status.setCurrentIndex(0)
        self.customer.clear()
        self.date_from.setDate(ANY_DATE)
        self.date_to.setDate(ANY_DATE)
        for widget in (self.search, self.status, self.customer, self.date_from, self.date_to):
            widget.blockSignals(False)
        self.apply_filter()

    def refresh(self) -> None:
        """Re-query the id list off the GUI thread (typing goes on meanwhile); the newest
        request wins. The selected order stays selected when it is still in the list."""
        self._stale = False
        self.loading = True
        self._generation += 1
        generation = self._generation
        if self._started == 0.0:
            self._started = time.perf_counter()
        if self._keep is None:
            self._keep = self.selected_row()
        flt, (sort, descending) = self.filter, self.model._sort
        db = self.db

        def job() -> list[int]:
            with db.read() as session:
                return order_ids(session, flt, sort, descending)

        def done(ids: list[int]) -> None:
            if generation == self._generation:
                self._show_ids(ids)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.loading = False
                self._started = 0.0
                self.say(str(exc), "error")

        self.ops.read(self, job, done, failed)

    def _show_ids(self, ids: list[int]) -> None:
        model = self.model
        model.beginResetModel()
        model._ids = ids
        model._cache.clear()
        model.endResetModel()
        n = len(ids)
        self.count.setText(f"{formatting.number(n)} order{'s' if n != 1 else ''}")
        keep, self._keep = self._keep, None
        if keep is not None:
            self.select_number(keep.number, keep.id)
        self._update_buttons()
        self.loading = False
        self.last_filter_seconds = time.perf_counter() - self._started
        self._started = 0.0
        self.loaded.emit()

    def select_number(self, number: str, row_id: int | None = None) -> bool:
        ids = self.model._ids
        if row_id is None:
            with self.db.read() as session:
                found = order_rows(session, order_ids(session, OrderFilter(text=number))[:50])
            row_id = next((r.id for r in found if r.number == number), None)
        if row_id is None or row_id not in ids:
            return False
        row = ids.index(row_id)
        self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))
        return True

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        key = ORDER_COLUMNS[column].sort_key if 0 <= column < len(ORDER_COLUMNS) else None
        if key is None:
            # no SQL sort for this column: put the indicator back where the list really is
            current = next(i for i, c in enumerate(ORDER_COLUMNS)
                           if c.sort_key == self.model._sort[0])
            header = self.view.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(current, Qt.SortOrder.DescendingOrder if self.model._sort[1]
                                    else Qt.SortOrder.AscendingOrder)
            header.blockSignals(False)
            return
        self.model._sort = (key, order == Qt.SortOrder.DescendingOrder)
        self.refresh()

    # -- selection and actions
    def selected_row(self) -> OrderRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        row = self.selected_row()
        has = row is not None
        self.open_button.setEnabled(has)
        self.deliver_button.setEnabled(has and row.status in ("open", "partial", "pending"))
        self.cancel_button.setEnabled(has and row.qty_pending > 0)
        self.pay_button.setEnabled(has and row.invoiced_net > 0)
        self.print_button.setEnabled(has and documents_available() and row.invoiced_net > 0)

    def say(self, text: str, kind: str = "success") -> None:
        self.notice.show_message(text, kind)
        self.status_message.emit(text)

    def new_order(self) -> None:
        dialog = OrderDialog(self.db, self.ops, self.events, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result is not None:
            self.say(dialog.result_message)
            number = dialog.result.number
            self._keep = None
            self.refresh()
            self.loaded.connect(lambda: self.select_number(number),
                                Qt.ConnectionType.SingleShotConnection)

    def open_selected(self) -> None:
        row = self.selected_row()
        if row is not None:
            open_document(self, self.db, self.ops, self.events, row.number)

    def deliver(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        db, number = self.db, row.number

        def done(result: Any) -> None:
            self.events.emit_changes(result.changes)
            units = sum(s.qty for s in result.served)
            if units:
                self.say(f"{number}: {units} units delivered ({', '.join(result.deliveries)}), "
                         f"invoiced {', '.join(result.invoices) or 'nothing'}.")
            else:
                self.say(f"{number}: nothing reserved to deliver.", "info")

        self.ops.write(self, lambda: services.deliver_order(db, number), done)

    def _detail(self) -> Any:
        row = self.selected_row()
        if row is None:
            return None
        with self.db.read() as session:
            return order_detail(session, row.number)

    def cancel_pending(self) -> None:
        detail = self._detail()
        if detail is None:
            return
        dialog = CancelPendingDialog(self.db, self.ops, self.events, detail, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.say(dialog.result_message)

    def record_payment(self) -> None:
        detail = self._detail()
        if detail is None:
            return
        invoices = [d.number for d in detail.documents if d.kind == "invoice"]
        if not invoices:
            self.say(f"{detail.number} has no invoice yet.", "info")
            return
        dialog = PaymentDialog(self.db, self.ops, self.events, invoices, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.say(dialog.result_message)

    def print_invoice(self) -> None:
        detail = self._detail()
        if detail is None:
            return
        invoices = [d.number for d in detail.documents if d.kind == "invoice"]
        if invoices:
            open_pdf(self, self.db, self.ops, invoices[-1])
            self.status_message.emit(f"Opening {invoices[-1]}…")
