"""One sales order: its lines (ordered / delivered / pending / invoiced / returned / cancelled,
queue place and expected date of what waits), its profit, how each line was served and every
linked document. Actions: deliver (reserve mode), cancel pending, record a payment, return goods,
print an invoice."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import formatting, services
from app.errors import ShopError
from app.queries.invoices import InvoiceRow, invoice_row
from app.queries.orders import OrderDetail, order_detail
from app.services.common import Changes
from db.session import Database
from ui.events import ShopEvents
from ui.models.table import Column, Formatter, RowsModel
from ui.ops import Ops
from ui.widgets.notice import NoticeBar
from ui.widgets.tables import ErrorLabel, make_table, selected, shop_currency

LINE_COLUMNS = [
    Column("#", lambda r: r.line_no, "number", width=3),
    Column("SKU", lambda r: r.sku, width=11),
    Column("Product", lambda r: r.description, width=20),
    Column("Ordered", lambda r: r.ordered, "qty", width=5),
    Column("Delivered", lambda r: r.delivered, "qty", width=5),
    Column("Pending", lambda r: r.pending, "qty", width=5),
    Column("Reserved", lambda r: r.allocated, "qty", width=5),
    Column("Invoiced", lambda r: r.invoiced, "qty", width=5),
    Column("Returned", lambda r: r.returned, "qty", width=5),
    Column("Cancelled", lambda r: r.cancelled, "qty", width=5,
           tooltip=lambda r: r.cancel_reason or None),
    Column("Queue", lambda r: r.queue_position, "number", width=5,
           tooltip=lambda r: "Place in the queue for this product" if r.queue_position else None),
    Column("Expected", lambda r: r.expected_date, "date"),
    Column("Unit price", lambda r: r.unit_price, "money", width=10),
    Column("Disc. %", lambda r: r.discount if r.discount else None, "number", width=5),
    Column("Net", lambda r: r.net_amount, "money", width=10),
]
DOC_COLUMNS = [
    Column("Kind", lambda d: d.kind_label, width=14),
    Column("Number", lambda d: d.number, width=20),
    Column("Date", lambda d: d.date, "date"),
    Column("Amount", lambda d: d.amount, "money"),
    Column("Note", lambda d: d.note, width=30),
]
SERVED_COLUMNS = [
    Column("When", lambda a: a.at, "datetime"),
    Column("SKU", lambda a: a.sku, width=11),
    Column("Qty", lambda a: a.qty, "qty", width=6),
    Column("From", lambda a: a.source or "shelf", width=15),
    Column("Purchase", lambda a: a.purchase, width=15),
    Column("Supplier", lambda a: a.supplier, width=18),
    Column("Queue place", lambda a: a.position, "number", width=6),
    Column("Delivery", lambda a: a.delivery or "reserved", width=15),
    Column("Why", lambda a: a.reason, width=30, tooltip=lambda a: a.reason or None),
]


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class OrderDetailDialog(QDialog):
    def __init__(self, db: Database, ops: Ops, events: ShopEvents, number: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.ops, self.events, self.number = db, ops, events, number
        self.detail: OrderDetail | None = None
        self.setWindowTitle(f"Sales order {number}")
        self.resize(1250, 680)
        fmt = Formatter(shop_currency(db))
        self.fmt = fmt

        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.profit = QLabel()
        self.profit.setTextFormat(Qt.TextFormat.RichText)
        self.profit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        profit_box = QGroupBox("Profit of this order")
        box_layout = QVBoxLayout(profit_box)
        box_layout.addWidget(self.profit)
        top.addWidget(profit_box)

        self.lines_model = RowsModel(LINE_COLUMNS, fmt, self._line_color, self)
        self.docs_model = RowsModel(DOC_COLUMNS, fmt, parent=self)
        self.served_model = RowsModel(SERVED_COLUMNS, fmt, parent=self)
        self.lines_view = make_table(self.lines_model, stretch=2)
        self.docs_view = make_table(self.docs_model, stretch=4)
        self.docs_view.doubleClicked.connect(lambda _i: self.open_selected_document())
        self.docs_view.setToolTip("Double-click a document to open it")
        self.served_view = make_table(self.served_model, stretch=8)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.lines_view, "&Lines")
        self.tabs.addTab(self.docs_view, "D&ocuments")
        self.tabs.addTab(self.served_view, "How it was &served")

        self.notice = NoticeBar(self)
        self.error = ErrorLabel(self)

        self.deliver_button = QPushButton("&Deliver reserved")
        self.deliver_button.setToolTip("Deliver and invoice what is reserved for this order")
        self.deliver_button.clicked.connect(self.deliver)
        self.cancel_button = QPushButton("&Cancel pending…")
        self.cancel_button.clicked.connect(self.cancel_pending)
        self.pay_button = QPushButton("Record &payment…")
        self.pay_button.clicked.connect(self.record_payment)
        self.return_button = QPushButton("&Return goods…")
        self.return_button.clicked.connect(self.return_goods)
        self.return_button.setEnabled(_has("ui.dialogs.return_dialog"))
        self.print_button = QPushButton("Print &invoice")
        self.print_button.clicked.connect(self.print_invoice)
        self.print_button.setEnabled(_has("app.documents.pdf"))
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        actions = QHBoxLayout()
        for button in (self.deliver_button, self.cancel_button, self.pay_button,
                       self.return_button, self.print_button):
            button.setAutoDefault(False)
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addLayout(actions)
        events.changed.connect(self._on_changed)
        self.load()

    # -- data
    def load(self) -> None:
        with self.db.read() as session:
            detail = order_detail(session, self.number)
        self.detail = detail
        self.lines_model.set_rows(detail.lines)
        self.docs_model.set_rows(detail.documents)
        self.served_model.set_rows(detail.allocations)
        m = lambda v: self.fmt("money", v)  # noqa: E731
        promised = formatting.day(detail.promised_date) if detail.promised_date else "none"
        project = detail.project or "—"
        self.header.setText(
            f"<span style='font-size:15pt; font-weight:600'>{detail.number}</span> &nbsp; "
            f"<span style='font-size:11pt'>{detail.status_label}</span><br>"
            f"<b>{_esc(detail.customer_name)}</b> ({_esc(detail.customer_code)}) &nbsp;·&nbsp; "
            f"ordered {formatting.day(detail.order_date)} &nbsp;·&nbsp; promised {promised} "
            f"&nbsp;·&nbsp; project {_esc(project)}"
            f"{' &nbsp;·&nbsp; ship complete' if detail.ship_complete else ''}<br>"
            f"Net {m(detail.net_total)} &nbsp; <b>Total {m(detail.gross_total)}</b>"
            + (f"<br><i>{_esc(detail.note)}</i>" if detail.note else "")
        )
        p = detail.profit
        if p is None or (not p.revenue and not p.cogs):
            self.profit.setText("Nothing invoiced yet.")
        else:
            margin = f" ({formatting.percent(p.margin)})" if p.margin is not None else ""
            cost = p.cogs - p.returned_cost + p.defective_loss - p.recoveries
            self.profit.setText(
                "<table cellspacing=2>"
                f"<tr><td>Revenue</td><td align=right>{m(p.net_revenue)}</td></tr>"
                f"<tr><td>Cost</td><td align=right>{m(cost)}</td></tr>"
                f"<tr><td><b>Margin</b></td><td align=right><b>{m(p.profit)}</b>{margin}</td></tr>"
                "</table>"
            )
        pending = sum(line.pending for line in detail.lines)
        reserved = sum(line.allocated for line in detail.lines)
        waiting = sum(line.pending - line.allocated for line in detail.lines)
        self.deliver_button.setEnabled(reserved > 0)
        self.cancel_button.setEnabled(waiting > 0 or pending > 0)
        self.pay_button.setEnabled(any(d.kind == "invoice" for d in detail.documents))
        if self.return_button.isEnabled() or _has("ui.dialogs.return_dialog"):
            self.return_button.setEnabled(sum(line.delivered - line.returned
                                              for line in detail.lines) > 0)
        has_invoice = any(d.kind == "invoice" for d in detail.documents)
        self.print_button.setEnabled(_has("app.documents.pdf") and has_invoice)

    def _on_changed(self, changes: Changes) -> None:
        if changes.orders or changes.invoices or changes.returns or changes.stock:
            self.load()

    @staticmethod
    def _line_color(row: Any) -> Any:
        from PySide6.QtGui import QColor

        if row.pending > row.allocated:
            return QColor("#fff4e0")
        return None

    # -- actions
    def _run(self, job: Any, done_text: Any) -> None:
        self.error.clear_message()

        def done(result: Any) -> None:
            self.events.emit_changes(result.changes)
            self.notice.show_message(done_text(result))

        self.ops.write(self, job, done, lambda exc: self._failed(exc))

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import is_user_error, show_bug

        if is_user_error(exc):
            self.error.show_message(str(exc))
        else:
            show_bug(self, exc)

    def deliver(self) -> None:
        db, number = self.db, self.number
        self._run(
            lambda: services.deliver_order(db, number),
            lambda r: f"Delivered {sum(s.qty for s in r.served)} units "
                      f"({', '.join(r.deliveries) or 'no delivery'}); "
                      f"invoiced {', '.join(r.invoices) or 'nothing'}.",
        )

    def cancel_pending(self) -> None:
        if self.detail is None:
            return
        dialog = CancelPendingDialog(self.db, self.ops, self.events, self.detail, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.notice.show_message(dialog.result_message)

    def record_payment(self) -> None:
        if self.detail is None:
            return
        invoices = [d.number for d in self.detail.documents if d.kind == "invoice"]
        dialog = PaymentDialog(self.db, self.ops, self.events, invoices, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.notice.show_message(dialog.result_message)

    def return_goods(self) -> None:
        from ui.dialogs.return_dialog import ReturnDialog

        dialog = ReturnDialog(self.db, self.ops, self.events, self.number, self)
        dialog.exec()

    def print_invoice(self) -> None:
        if self.detail is None:
            return
        invoices = [d.number for d in self.detail.documents if d.kind == "invoice"]
        if invoices:
            from ui.dialogs.document_view import open_pdf

            open_pdf(self, self.db, self.ops, invoices[-1])

    def open_selected_document(self) -> None:
        doc = selected(self.docs_view)
        if doc is None:
            return
        from ui.dialogs.document_view import open_document

        open_document(self, self.db, self.ops, self.events, doc.number)


def _esc(text: str) -> str:
    from html import escape

    return escape(text or "")


class CancelPendingDialog(QDialog):
    """Cancel what still waits on an order (all lines or one SKU), with a reason."""

    def __init__(self, db: Database, ops: Ops, events: ShopEvents, detail: OrderDetail,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.ops, self.events, self.detail = db, ops, events, detail
        self.result_message = ""
        self.setWindowTitle(f"Cancel pending quantities of {detail.number}")
        self.setMinimumWidth(480)
        self.sku = QComboBox()
        self.sku.addItem("All pending lines", None)
        for line in detail.lines:
            if line.pending > 0:
                self.sku.addItem(f"{line.sku} — {line.pending} pending ({line.description})",
                                 line.sku)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. customer no longer needs it")
        self.error = ErrorLabel(self)
        form = QFormLayout()
        form.addRow("&Lines:", self.sku)
        form.addRow("&Reason:", self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.addButton("Cancel &pending", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Quantities already delivered stay delivered and invoiced."))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> None:
        db, number = self.db, self.detail.number
        reason, sku = self.reason.text(), self.sku.currentData()
        self.error.clear_message()
        self.ops.write(self, lambda: services.cancel_pending(db, number, reason, sku=sku),
                       self._saved, lambda exc: _failure(self, self.error, exc))

    def _saved(self, result: Any) -> None:
        cancelled = sum(result.cancelled.values())
        self.result_message = f"{result.number}: {cancelled} pending units cancelled."
        if result.served_others:
            orders = len({s.order_number for s in result.served_others})
            self.result_message += f" The freed stock served {orders} other order(s)."
        self.events.emit_changes(result.changes)
        self.accept()


class PaymentDialog(QDialog):
    """Record money received for one invoice (the open amount is proposed)."""

    def __init__(self, db: Database, ops: Ops, events: ShopEvents, invoices: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.ops, self.events = db, ops, events
        self.result_message = ""
        self.currency = shop_currency(db)
        self.setWindowTitle("Record a payment")
        self.setMinimumWidth(460)
        with db.read() as session:
            self.rows: list[InvoiceRow] = [invoice_row(session, n) for n in invoices]
        self.invoice = QComboBox()
        for row in self.rows:
            self.invoice.addItem(
                f"{row.number} — {formatting.money(row.open, self.currency)} open "
                f"of {formatting.money(row.gross, self.currency)}", row.number)
        first_open = next((i for i, r in enumerate(self.rows) if r.open > 0), 0)
        self.invoice.setCurrentIndex(first_open)
        self.amount = QLineEdit()
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.invoice.currentIndexChanged.connect(self._propose)
        self.error = ErrorLabel(self)
        form = QGridLayout()
        form.addWidget(QLabel("&Invoice:"), 0, 0)
        form.addWidget(self.invoice, 0, 1)
        form.addWidget(QLabel(f"&Amount ({self.currency}):"), 1, 0)
        form.addWidget(self.amount, 1, 1)
        for row in (0, 1):
            label = form.itemAtPosition(row, 0).widget()
            label.setBuddy(form.itemAtPosition(row, 1).widget())  # type: ignore[union-attr]
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton("&Record payment", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._propose()

    def _propose(self) -> None:
        index = self.invoice.currentIndex()
        if 0 <= index < len(self.rows):
            self.amount.setText(formatting.number(self.rows[index].open, decimals=2))
            self.amount.selectAll()

    def save(self) -> None:
        self.error.clear_message()
        try:
            amount: Decimal | str = formatting.parse_amount(self.amount.text())
        except ShopError as exc:
            self.error.show_message(str(exc))
            return
        db, number = self.db, self.invoice.currentData()
        self.ops.write(self, lambda: services.record_payment(db, number, amount), self._saved,
                       lambda exc: _failure(self, self.error, exc))

    def _saved(self, result: Any) -> None:
        self.result_message = (
            f"Payment of {formatting.money(result.amount, self.currency)} recorded on "
            f"{result.invoice}; {formatting.money(result.open, self.currency)} still open."
        )
        self.events.emit_changes(result.changes)
        self.accept()


def _failure(parent: QWidget, label: ErrorLabel, exc: BaseException) -> None:
    from ui.errors import is_user_error, show_bug

    if is_user_error(exc):
        label.show_message(str(exc))
    else:
        show_bug(parent, exc)


def show_info(parent: QWidget, text: str) -> None:
    QMessageBox.information(parent, "ShopDesk", text)
