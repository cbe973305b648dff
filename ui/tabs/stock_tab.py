"""Stock: per product on hand, reserved, available, incoming, defective, FIFO value and average
cost (low stock highlighted), the selected product's moves below; receive, adjust, mark
defective."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app import formatting
from app.queries.stock import MoveRow, StockRow, product_moves, stock_overview
from db.session import Database
from ui.dialogs.receive_dialog import AdjustDialog, DefectiveDialog, ReceiveDialog
from ui.events import ShopEvents
from ui.models.table import Column, RowsModel
from ui.ops import Ops
from ui.tabs._kit import LazyTab
from ui.widgets.notice import NoticeBar
from ui.widgets.tables import make_table, selected

LOW = QColor("#fde3e3")

STOCK_COLUMNS = [
    Column("SKU", lambda r: r.sku, width=12),
    Column("Product", lambda r: r.name, width=30),
    Column("On hand", lambda r: r.on_hand, "qty"),
    Column("Reserved", lambda r: r.allocated, "qty"),
    Column("Available", lambda r: r.available, "qty"),
    Column("Incoming", lambda r: r.incoming or None, "qty"),
    Column("Defective", lambda r: r.defective or None, "qty"),
    Column("Reorder at", lambda r: r.reorder_level, "qty",
           tooltip=lambda r: "Low stock: on hand is at or below this" if r.low else None),
    Column("FIFO value", lambda r: r.fifo_value, "money"),
    Column("Avg. cost", lambda r: r.average_cost, "money"),
    Column("Price", lambda r: r.unit_price, "money"),
]
MOVE_COLUMNS = [
    Column("When", lambda m: m.at, "datetime"),
    Column("Kind", lambda m: m.kind.replace("_", " "), width=12),
    Column("From", lambda m: m.from_location, width=11),
    Column("To", lambda m: m.to_location, width=11),
    Column("Qty", lambda m: m.qty, "qty"),
    Column("Cost", lambda m: m.cost, "money"),
    Column("Document", lambda m: m.document, width=16),
]


def _low(row: StockRow) -> QColor | None:
    return LOW if row.low and row.active else None


class StockTab(LazyTab):
    open_document = Signal(str)
    status_message = Signal(str)
    CONCERNS = ("stock", "catalog", "purchases", "orders", "returns", "settings")

    def __init__(self, db: Database, events: ShopEvents, ops: Ops,
                 parent: QWidget | None = None) -> None:
        super().__init__(db, events, ops, parent)  # LazyTab: refresh when shown and stale
        self._generation = 0
        self.model = RowsModel(STOCK_COLUMNS, self.fmt, _low, self)
        self.moves = RowsModel(MOVE_COLUMNS, self.fmt, parent=self)
        self.view = make_table(self.model, stretch=1, sortable=True)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.view.doubleClicked.connect(lambda _i: self.receive())
        self.moves_view = make_table(self.moves, stretch=6)
        self.moves_view.doubleClicked.connect(self._open_move_document)
        self.moves_view.setToolTip("Double-click a move to open its document")

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search SKU, name or barcode…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.low_only = QCheckBox("Low stock only")
        self.low_only.toggled.connect(lambda _on: self.refresh())
        self.summary = QLabel()
        self.summary.setStyleSheet("color: palette(mid);")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.low_only)
        top.addStretch(1)
        top.addWidget(self.summary)

        self.receive_button = QPushButton("&Receive stock…")
        self.receive_button.setToolTip("Ctrl+R")
        self.receive_button.clicked.connect(self.receive)
        self.adjust_button = QPushButton("&Adjust stock…")
        self.adjust_button.clicked.connect(self.adjust)
        self.defective_button = QPushButton("Mark &defective…")
        self.defective_button.clicked.connect(self.mark_defective)
        actions = QHBoxLayout()
        for button in (self.receive_button, self.adjust_button, self.defective_button):
            actions.addWidget(button)
        actions.addStretch(1)

        self.moves_title = QLabel("Select a product to see its moves.")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 4, 0, 0)
        lower_layout.addWidget(self.moves_title)
        lower_layout.addWidget(self.moves_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        self.notice = NoticeBar(self)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addLayout(actions)
        layout.addWidget(splitter, 1)

    # -- data
    def refresh(self) -> None:
        self._stale = False
        self._timer.stop()
        self._generation += 1
        generation, db = self._generation, self.db
        text, low_only = self.search.text(), self.low_only.isChecked()

        def job() -> list[StockRow]:
            with db.read() as session:
                return stock_overview(session, text, low_only)

        def done(rows: list[StockRow]) -> None:
            if generation == self._generation:
                self._show(rows)

        self.ops.read(self, job, done)

    def _show(self, rows: list[StockRow]) -> None:
        keep = self.selected_sku()
        self.model.set_rows(rows)
        value = sum((r.fifo_value for r in rows), Decimal(0))
        low = sum(1 for r in rows if r.low and r.active)
        self.summary.setText(
            f"{formatting.number(len(rows))} products · {formatting.number(low)} low · "
            f"stock value {self.model.fmt('money', value)}"
        )
        if keep:
            self.select_sku(keep)
        else:
            self._selection_changed()

    def select_sku(self, sku: str) -> bool:
        proxy = self.view.model()
        for row in range(proxy.rowCount()):
            index = proxy.index(row, 0)
            if index.data() == sku:
                self.view.selectRow(row)
                self.view.scrollTo(index)
                return True
        return False

    def selected_row(self) -> StockRow | None:
        return selected(self.view)  # type: ignore[no-any-return]

    def selected_sku(self) -> str | None:
        row = self.selected_row()
        return row.sku if row is not None else None

    def _selection_changed(self) -> None:
        row = self.selected_row()
        if row is None:
            self.moves.set_rows([])
            self.moves_title.setText("Select a product to see its moves.")
            return
        with self.db.read() as session:
            moves = product_moves(session, row.sku, limit=1000)
        self.moves.set_rows(moves)
        self.moves_title.setText(
            f"<b>{row.sku}</b> {row.name} — last {len(moves)} moves, newest first")

    def _open_move_document(self, _index: Any) -> None:
        move: MoveRow | None = selected(self.moves_view)
        if move is not None and move.document:
            self.open_document.emit(move.document)

    # -- actions
    def say(self, text: str) -> None:
        self.notice.show_message(text)
        self.status_message.emit(text)

    def _run_dialog(self, dialog: QDialog) -> None:
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.say(dialog.result_message)  # type: ignore[attr-defined]

    def receive(self) -> None:
        self._run_dialog(ReceiveDialog(self.db, self.ops, self.events, self.selected_sku(), self))

    def adjust(self) -> None:
        self._run_dialog(AdjustDialog(self.db, self.ops, self.events, self.selected_sku(), self))

    def mark_defective(self) -> None:
        self._run_dialog(DefectiveDialog(self.db, self.ops, self.events, self.selected_sku(), self))
