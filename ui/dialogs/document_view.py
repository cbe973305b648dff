"""Any document by its number: the chain of documents linked to it (order, purchases, receipts,
deliveries, invoices, payments, returns, credit notes) and its PDF where one exists."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.queries.links import KIND_LABELS, document_chain, kind_of
from db.session import Database
from ui.events import ShopEvents
from ui.models.table import Column, Formatter, RowsModel
from ui.ops import Ops
from ui.widgets.tables import ErrorLabel, make_table, selected, shop_currency

PRINTABLE = {"invoice": "render_invoice", "credit_note": "render_credit_note",
             "delivery": "render_delivery_note"}

CHAIN_COLUMNS = [
    Column("Kind", lambda d: d.kind_label, width=16),
    Column("Number", lambda d: d.number, width=20),
    Column("Date", lambda d: d.date, "date"),
    Column("Amount", lambda d: d.amount, "money"),
    Column("Note", lambda d: d.note, width=30),
]


def documents_available() -> bool:
    try:
        return importlib.util.find_spec("app.documents.pdf") is not None
    except ModuleNotFoundError:
        return False


def _base_number(number: str) -> str:
    """A payment is listed as INV-…/P12: it opens its invoice."""
    return number.split("/", 1)[0].strip()


def open_document(parent: QWidget | None, db: Database, ops: Ops, events: ShopEvents,
                  number: str) -> None:
    """A sales order opens its detail; any other document opens its chain."""
    from ui.errors import show_error

    number = _base_number(number)
    try:
        kind = kind_of(number)
    except Exception as exc:  # noqa: BLE001 - a NotFound sentence for the user
        show_error(parent, exc)
        return
    if kind == "order":
        from ui.dialogs.order_detail import OrderDetailDialog

        try:
            dialog: QDialog = OrderDetailDialog(db, ops, events, number, parent)
        except Exception as exc:  # noqa: BLE001
            show_error(parent, exc)
            return
    else:
        dialog = DocumentView(db, ops, events, number, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()


def open_pdf(parent: QWidget | None, db: Database, ops: Ops, number: str,
             on_written: Any = None) -> None:
    """Render the PDF off the GUI thread, save it in a temporary folder and open it with the
    system's viewer. `on_written(path)` is told where it went (tests, status bar)."""
    number = _base_number(number)
    kind = kind_of(number)
    if kind not in PRINTABLE or not documents_available():
        return

    def job() -> Path:
        from app.documents import pdf

        render = getattr(pdf, PRINTABLE[kind])
        with db.read() as session:
            data = render(session, number)
        folder = Path(tempfile.gettempdir()) / "shopdesk-documents"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{pdf.safe_filename(number)}.pdf"
        path.write_bytes(data)
        return path

    def done(path: Path) -> None:
        if on_written is not None:
            on_written(path)
        else:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    ops.read(parent, job, done)


class DocumentView(QDialog):
    def __init__(self, db: Database, ops: Ops, events: ShopEvents, number: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.ops, self.events = db, ops, events
        self.number = _base_number(number)
        self.kind = kind_of(self.number)
        self.setWindowTitle(f"{KIND_LABELS.get(self.kind, 'Document')} {self.number}")
        self.resize(820, 460)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.model = RowsModel(CHAIN_COLUMNS, Formatter(shop_currency(db)), self._mark, self)
        self.view = make_table(self.model, stretch=4)
        self.view.doubleClicked.connect(lambda _i: self.open_selected())
        self.view.setToolTip("Double-click a document to open it")
        self.error = ErrorLabel(self)
        self.pdf_button = QPushButton("Open &PDF")
        self.pdf_button.setEnabled(self.kind in PRINTABLE and documents_available())
        if not documents_available():
            self.pdf_button.setToolTip("PDF documents are not available in this installation")
        self.pdf_button.clicked.connect(lambda: open_pdf(self, db, ops, self.number))
        open_button = QPushButton("&Open selected")
        open_button.clicked.connect(self.open_selected)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(open_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(QLabel("Linked documents:"))
        layout.addWidget(self.view, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        events.changed.connect(self._on_changed)  # a method: disconnected when the view closes
        self.load()

    def _on_changed(self, _changes: object) -> None:
        self.load()

    def _mark(self, doc: Any) -> Any:
        from PySide6.QtGui import QColor

        return QColor("#e8f1fb") if doc.number == self.number else None

    def load(self) -> None:
        try:
            with self.db.read() as session:
                chain = document_chain(session, self.number)
        except Exception as exc:  # noqa: BLE001
            from ui.errors import is_user_error, show_bug

            if is_user_error(exc):
                self.error.show_message(str(exc))
                return
            show_bug(self, exc)
            return
        self.model.set_rows(chain)
        self.title.setText(
            f"<span style='font-size:14pt; font-weight:600'>{self.number}</span> &nbsp; "
            f"{KIND_LABELS.get(self.kind, '')} — {len(chain) - 1} linked document(s)"
        )

    def open_selected(self) -> None:
        doc = selected(self.view)
        if doc is None or _base_number(doc.number) == self.number:
            return
        open_document(self.parentWidget() or self, self.db, self.ops, self.events, doc.number)
