"""Record a payment against an invoice: the invoice (typed or picked from the open ones), the
amount (the open amount by default), date, method and reference; services.record_payment."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app import formatting, services
from app.errors import InvalidInput, ShopError
from app.queries.invoices import InvoiceRow, invoice_row, invoice_rows
from db.session import Database
from ui.events import ShopEvents
from ui.ops import Ops
from ui.tabs._kit import ErrorLabel, date_edit, debounced, shop_currency, show_failure

SEP = " — "
METHODS = ("bank transfer", "cash", "card", "cheque", "other")
OPEN_LISTED = 500  # the picker lists the newest open invoices; any number can be typed


class PaymentDialog(QDialog):
    def __init__(
        self,
        db: Database,
        ops: Ops,
        events: ShopEvents,
        invoice_number: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.ops, self.events = db, ops, events
        self.result = None
        self.invoice: InvoiceRow | None = None
        self._currency = shop_currency(db)
        self.setWindowTitle("Record payment")
        self.setMinimumWidth(520)

        self.number = QComboBox()
        self.number.setEditable(True)
        self.number.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.number.lineEdit().setPlaceholderText("Invoice number, or pick an open invoice")
        with db.read() as session:
            for row in invoice_rows(session, open_only=True, limit=OPEN_LISTED):
                self.number.addItem(
                    f"{row.number}{SEP}{row.customer}{SEP}"
                    f"{formatting.money(row.open, self._currency)} open",
                    row.number,
                )
        self.number.setCurrentIndex(-1)
        self.number.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.number.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self._lookup = debounced(self, self._load_invoice, 300)
        self.number.currentIndexChanged.connect(lambda _i: self._load_invoice())
        self.number.lineEdit().textEdited.connect(lambda _t: self._lookup.start())

        self.details = QLabel(" ")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.amount = QLineEdit()
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount.setMaximumWidth(160)
        self.paid_on = date_edit(QDate.currentDate())
        self.method = QComboBox()
        self.method.setEditable(True)
        self.method.addItems(list(METHODS))
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("bank reference, receipt number (optional)")

        form = QFormLayout()
        form.addRow("&Invoice:", self.number)
        form.addRow("", self.details)
        form.addRow(f"&Amount ({self._currency}):", self.amount)
        form.addRow("&Date:", self.paid_on)
        form.addRow("&Method:", self.method)
        form.addRow("&Reference:", self.reference)

        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Record payment")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        if invoice_number:
            self.number.setEditText(invoice_number)
            self._load_invoice()

    def invoice_number(self) -> str:
        data = self.number.currentData()
        text = self.number.currentText()
        if data and text.startswith(str(data)):
            return str(data)
        return text.split(SEP, 1)[0].strip()

    def _load_invoice(self) -> None:
        number = self.invoice_number()
        if not number:
            return
        try:
            with self.db.read() as session:
                row = invoice_row(session, number)
        except ShopError as exc:
            self.invoice = None
            self.details.setText(f"<span style='color:#b00020'>{exc}</span>")
            return
        self.invoice = row
        money = lambda v: formatting.money(v, self._currency)  # noqa: E731
        self.details.setText(
            f"{row.customer}, order {row.order}<br>"
            f"Issued {formatting.day(row.issue_date)}, due {formatting.day(row.due_date)}"
            + (" <b style='color:#b00020'>(overdue)</b>" if row.overdue else "")
            + f"<br>Total {money(row.gross)} · paid {money(row.paid)} · credited "
            f"{money(row.credited)} · <b>open {money(row.open)}</b>"
        )
        self.amount.setText(formatting.number(row.open, decimals=2) if row.open > 0 else "")
        self.error.clear_message()

    def save(self) -> None:
        number = self.invoice_number()
        if not number:
            self.error.show_message("Enter or pick the invoice that is paid.")
            return
        try:
            amount = formatting.parse_amount(self.amount.text())
        except InvalidInput as exc:
            self.error.show_message(f"Amount: {exc}")
            return
        paid_on = self.paid_on.date().toPython()
        method, reference, db = self.method.currentText(), self.reference.text(), self.db
        self.error.clear_message()
        self.ok_button.setEnabled(False)
        self.ops.write(
            self,
            lambda: services.record_payment(
                db, number, amount, paid_on=paid_on, method=method, reference=reference
            ),
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
