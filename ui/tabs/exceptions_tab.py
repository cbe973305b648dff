"""Exceptions: what is stuck, late, missed, overdue or losing money, grouped by kind, each row
with its age and the amount at stake; a double-click opens the document to fix."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
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

DOCUMENT_ROLE = Qt.ItemDataRole.UserRole + 10  # the number to open
KIND_ROLE = Qt.ItemDataRole.UserRole + 11  # a group's kind
OPEN_UP_TO = 50  # groups with more exceptions than this start collapsed
Index = QModelIndex | QPersistentModelIndex
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
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


class ExceptionsModel(QAbstractItemModel):
    """Two levels: one group per kind (its count and total amount), the exceptions below.
    A plain model over the query's list: 100,000 pending lines cost no widget items."""

    def __init__(self, currency: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.currency = currency
        self.groups: list[tuple[str, list[ExceptionRow], Decimal | None]] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: list[ExceptionRow], kind: str | None = None) -> None:
        by_kind: dict[str, list[ExceptionRow]] = {}
        for row in rows:
            by_kind.setdefault(row.kind, []).append(row)
        groups = []
        for k in ORDER + sorted(set(by_kind) - set(ORDER)):
            items = by_kind.get(k, [])
            if not items or (kind is not None and k != kind):
                continue
            amounts = [r.amount for r in items if r.amount is not None]
            groups.append((k, items, sum(amounts, Decimal(0)) if amounts else None))
        self.beginResetModel()
        self.groups = groups
        self.endResetModel()

    def title(self, group: int) -> str:
        kind, items, _ = self.groups[group]
        return f"{KINDS.get(kind, kind)} ({len(items)})"

    # -- structure: a group's internal id is 0, a child's is its group's row + 1
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        if not parent.isValid():
            return len(self.groups)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self.groups[parent.row()][1])
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return len(HEADERS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if section >= 2 else _LEFT
        return None

    def row_at(self, index: Index) -> ExceptionRow | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        return self.groups[index.internalId() - 1][1][index.row()]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = index.column()
        if index.internalId() == 0:  # a group
            _, _, total = self.groups[index.row()]
            if role == Qt.ItemDataRole.DisplayRole:
                if column == 0:
                    return self.title(index.row())
                if column == 3 and total is not None:
                    return formatting.money(total, self.currency)
                return None
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            if role == KIND_ROLE:
                return self.groups[index.row()][0]
            return self._common(role, column, total)
        row = self.row_at(index)
        assert row is not None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return row.document
            if column == 1:
                return row.subject
            if column == 2:
                return formatting.number(row.age_days)
            if column == 3:
                return "" if row.amount is None else formatting.money(row.amount, self.currency)
            return "" if row.qty is None else formatting.number(row.qty)
        if role == DOCUMENT_ROLE:
            return row.document
        if role == SORT_ROLE:
            return (
                row.document,
                row.subject,
                row.age_days,
                float(row.amount) if row.amount is not None else 0.0,
                row.qty or 0,
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.subject}\nDouble-click to open {row.document}"
        return self._common(role, column, row.amount)

    def _common(self, role: int, column: int, amount: Decimal | None) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column >= 2 else _LEFT
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column == 3
            and amount is not None
            and amount < 0
        ):
            return QBrush(QColor("#b00020"))
        return None


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

        self.model = ExceptionsModel(self.fmt.currency, self)
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
        hint.setStyleSheet("color: #555555;")

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(hint)
        self.rows: list[ExceptionRow] = []
        # what the user opened or closed stays so across refreshes
        self._open: dict[str, bool] = {}
        self.view.collapsed.connect(lambda i: self._remember(i, False))
        self.view.expanded.connect(lambda i: self._remember(i, True))
        self._filling = False

    def refresh(self) -> None:
        super().refresh()
        self.summary.setText("Looking…")
        self.query(lambda s: exceptions(s, date.today()), self._show)

    def _show(self, rows: list[ExceptionRow]) -> None:
        self.rows = rows
        self._fill()

    def _fill(self) -> None:
        wanted = self.kind.currentData()
        self.model.currency = self.fmt.currency
        self.model.set_rows(self.rows, wanted)
        self._filling = True
        for group, (kind, items, _) in enumerate(self.model.groups):
            # long groups start closed, so every kind's title is in sight
            if self._open.get(kind, len(items) <= OPEN_UP_TO):
                self.view.expand(self.model.index(group, 0))
        self._filling = False
        # the group titles are in the first column: make it wide enough for the longest
        bold = QFont(self.view.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        titles = [self.model.title(i) for i in range(len(self.model.groups))]
        needed = max([metrics.horizontalAdvance(t) for t in titles] + [0])
        self.view.setColumnWidth(0, max(needed + 2 * self.view.indentation() + 16, self._min_first))
        total = len(self.rows)
        shown = sum(len(items) for _, items, _ in self.model.groups)
        self.summary.setText(
            "Nothing needs attention."
            if not total
            else f"{formatting.number(total)} things need attention"
            + ("" if wanted is None else f", {formatting.number(shown)} shown")
        )

    def _remember(self, index: QModelIndex, is_open: bool) -> None:
        if not self._filling:
            self._open[str(index.data(KIND_ROLE))] = is_open

    def _double_clicked(self, index: QModelIndex) -> None:
        document = index.data(DOCUMENT_ROLE)
        if document:
            self.open_document.emit(str(document))
