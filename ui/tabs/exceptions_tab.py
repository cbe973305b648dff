"""Exceptions: what is stuck, late, missed, overdue or losing money, grouped by kind, each row
with its age and the amount at stake; a double-click opens the document to fix."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app import formatting
from app.queries.exceptions import KINDS, ExceptionRow, exceptions
from db.session import Database
from ui.events import ShopEvents
from ui.models.table import SORT_ROLE
from ui.ops import Ops
from ui.tabs._kit import LazyTab

DOCUMENT_ROLE = Qt.ItemDataRole.UserRole + 10
HEADERS = ["Document", "What", "Age (days)", "Amount", "Qty"]
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
# the order the kinds are listed in: money first, then customers waiting, then housekeeping
ORDER = [
    "overdue_invoice",
    "negative_margin",
    "late_order",
    "pending_old",
    "not_invoiced",
    "late_purchase",
    "defective_waiting",
]


class ExceptionsTab(LazyTab):
    open_document = Signal(str)
    # every kind of change can create or settle an exception (thresholds are settings)
    CONCERNS = ("orders", "stock", "invoices", "purchases", "returns", "catalog")

    def __init__(
        self, db: Database, events: ShopEvents, ops: Ops, parent: QWidget | None = None
    ) -> None:
        super().__init__(db, events, ops, parent)
        self.kind = QComboBox()
        self.kind.addItem("All kinds", None)
        for kind in ORDER:
            self.kind.addItem(KINDS[kind], kind)
        self.kind.currentIndexChanged.connect(lambda _i: self._fill())
        self.summary = QLabel()
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("&Show:", buddy=self.kind))
        bar.addWidget(self.kind)
        bar.addSpacing(12)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.refresh_button)

        self.model = QStandardItemModel(0, len(HEADERS), self)
        self.model.setHorizontalHeaderLabels(HEADERS)
        for col in (2, 3, 4):
            self.model.setHeaderData(
                col, Qt.Orientation.Horizontal, _RIGHT, Qt.ItemDataRole.TextAlignmentRole
            )
        self.view = QTreeView()
        self.view.setModel(self.model)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSortingEnabled(False)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.activated.connect(self._double_clicked)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        char = self.view.fontMetrics().horizontalAdvance("0")
        for col, width in ((0, 20), (2, 11), (3, 14), (4, 8)):
            self.view.setColumnWidth(col, width * char)
        self._min_first = 20 * char
        self.view.setStyleSheet("QTreeView::item { padding: 3px 2px; }")
        hint = QLabel("Double-click a row to open the document that needs attention.")
        hint.setStyleSheet("color: palette(mid);")

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(hint)
        self.rows: list[ExceptionRow] = []
        self._collapsed: set[str] = set()
        self.view.collapsed.connect(lambda i: self._collapsed.add(str(i.data(DOCUMENT_ROLE + 1))))
        self.view.expanded.connect(
            lambda i: self._collapsed.discard(str(i.data(DOCUMENT_ROLE + 1)))
        )

    def refresh(self) -> None:
        super().refresh()
        self.summary.setText("Looking…")
        self.query(lambda s: exceptions(s, date.today()), self._show)

    def _show(self, rows: list[ExceptionRow]) -> None:
        self.rows = rows
        self._fill()

    def _fill(self) -> None:
        wanted = self.kind.currentData()
        self.model.removeRows(0, self.model.rowCount())
        by_kind: dict[str, list[ExceptionRow]] = {}
        for row in self.rows:
            by_kind.setdefault(row.kind, []).append(row)
        bold = QFont(self.view.font())
        bold.setBold(True)
        shown = 0
        for kind in ORDER + sorted(set(by_kind) - set(ORDER)):
            items = by_kind.get(kind, [])
            if not items or (wanted is not None and kind != wanted):
                continue
            shown += len(items)
            amount = sum((r.amount for r in items if r.amount is not None), Decimal(0))
            group = [
                QStandardItem(f"{KINDS.get(kind, kind)} ({len(items)})"),
                QStandardItem(""),
                QStandardItem(""),
                _number_item(
                    amount if any(r.amount is not None for r in items) else None,
                    True,
                    self.fmt.currency,
                ),
                QStandardItem(""),
            ]
            for item in group:
                item.setFont(bold)
                item.setEditable(False)
            group[0].setData(kind, DOCUMENT_ROLE + 1)
            for r in items:
                group[0].appendRow(self._row_items(r))
            self.model.appendRow(group)
            self.view.setFirstColumnSpanned(self.model.rowCount() - 1, QModelIndex(), False)
            if kind not in self._collapsed:
                self.view.expand(group[0].index())
        # the group titles are in the first column: make it wide enough for the longest
        metrics = QFontMetrics(bold)
        titles = [self.model.item(i, 0).text() for i in range(self.model.rowCount())]
        needed = (
            max([metrics.horizontalAdvance(t) for t in titles] + [0]) + 2 * self.view.indentation()
        )
        self.view.setColumnWidth(0, max(needed + 16, self._min_first))
        total = len(self.rows)
        self.summary.setText(
            "Nothing needs attention."
            if not total
            else f"{formatting.number(total)} things need attention"
            + ("" if wanted is None else f", {formatting.number(shown)} shown")
        )

    def _row_items(self, r: ExceptionRow) -> list[QStandardItem]:
        document = QStandardItem(r.document)
        document.setData(r.document, DOCUMENT_ROLE)
        document.setToolTip(f"Double-click to open {r.document}")
        subject = QStandardItem(r.subject)
        subject.setToolTip(r.subject)
        age = QStandardItem(formatting.number(r.age_days))
        age.setData(r.age_days, SORT_ROLE)
        age.setTextAlignment(_RIGHT)
        qty = QStandardItem("" if r.qty is None else formatting.number(r.qty))
        qty.setTextAlignment(_RIGHT)
        items = [document, subject, age, _number_item(r.amount, False, self.fmt.currency), qty]
        for item in items:
            item.setEditable(False)
            item.setData(r.document, DOCUMENT_ROLE)
        return items

    def _double_clicked(self, index: QModelIndex) -> None:
        document = index.data(DOCUMENT_ROLE)
        if document:
            self.open_document.emit(str(document))


def _number_item(amount: Decimal | None, bold: bool, currency: str) -> QStandardItem:
    item = QStandardItem("" if amount is None else formatting.money(amount, currency))
    item.setTextAlignment(_RIGHT)
    if amount is not None and amount < 0:
        item.setForeground(QBrush(QColor("#b00020")))
    if amount is not None:
        item.setData(float(amount), SORT_ROLE)
    return item
