"""Table models over app.queries results: columns declared once, values formatted for the
user's locale, raw values for sorting (SORT_ROLE), and a lazy variant that holds only ids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app import formatting

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # the whole row object (a frozen dataclass)

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """title: header; value: row -> raw value; kind: text|money|qty|number|percent|date|datetime."""

    title: str
    value: Callable[[Any], Any]
    kind: str = "text"
    width: int | None = None  # a hint in characters
    tooltip: Callable[[Any], str | None] | None = None
    sort_key: str | None = None  # for SQL-side sorting (lazy models)


class Formatter:
    def __init__(self, currency: str = "EUR") -> None:
        self.currency = currency

    def __call__(self, kind: str, value: Any) -> str:
        if value is None:
            return ""
        if kind == "money":
            return formatting.money(value, self.currency)
        if kind in ("qty", "number"):
            return formatting.number(value)
        if kind == "percent":
            return formatting.percent(value)
        if kind == "date" and isinstance(value, date):
            return formatting.day(value, fmt="short")
        if kind == "datetime" and isinstance(value, datetime):
            return formatting.moment(value)
        return str(value)


def _sortable(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return float(value)  # sort order only; displayed values stay exact
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


class _ColumnsModel(QAbstractTableModel):
    """What both list models share: declared columns and their headers."""

    columns: list[Column]

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            column = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column.title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _RIGHT if column.kind in ("money", "qty", "number", "percent") else _LEFT
        return None


class RowsModel(_ColumnsModel):
    """A small-to-medium list held in memory (products, purchases, a report)."""

    def __init__(
        self,
        columns: Sequence[Column],
        formatter: Formatter | None = None,
        highlight: Callable[[Any], QColor | None] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []
        self.fmt = formatter or Formatter()
        self.highlight = highlight

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self.rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)



    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        return cell(self.columns[index.column()], self.rows[index.row()], role, self.fmt,
                    self.highlight)


def cell(column: Column, row: Any, role: int, fmt: Formatter,
         highlight: Callable[[Any], QColor | None] | None = None) -> Any:
    if role == Qt.ItemDataRole.DisplayRole:
        return fmt(column.kind, column.value(row))
    if role == SORT_ROLE:
        return _sortable(column.value(row))
    if role == ROW_ROLE:
        return row
    if role == Qt.ItemDataRole.TextAlignmentRole:
        return _RIGHT if column.kind in ("money", "qty", "number", "percent") else _LEFT
    if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
        return column.tooltip(row)
    if role == Qt.ItemDataRole.BackgroundRole and highlight is not None:
        color = highlight(row)
        return QBrush(color) if color is not None else None
    if role == Qt.ItemDataRole.ForegroundRole and column.kind == "money":
        value = column.value(row)
        if isinstance(value, Decimal) and value < 0:
            return QBrush(QColor("#b00020"))
    return None


class LazyRowsModel(_ColumnsModel):
    """Holds only the ids of a (filtered, SQL-sorted) list and fetches rows page by page when
    the view asks for them: 100,000 orders open without loading 100,000 rows."""

    PAGE = 50  # a screenful or two: the first page after a filter is fetched while painting

    def __init__(
        self,
        columns: Sequence[Column],
        fetch_ids: Callable[[str | None, bool], list[int]],
        fetch_rows: Callable[[list[int]], list[Any]],
        formatter: Formatter | None = None,
        highlight: Callable[[Any], QColor | None] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._fetch_ids = fetch_ids
        self._fetch_rows = fetch_rows
        self.fmt = formatter or Formatter()
        self.highlight = highlight
        self._ids: list[int] = []
        self._cache: dict[int, Any] = {}  # row number -> row
        self._sort: tuple[str | None, bool] = (None, True)

    # -- loading
    def reload(self) -> None:
        """Re-query the id list (after a filter or a change); rows refetch when shown."""
        ids = self._fetch_ids(*self._sort)
        self.beginResetModel()
        self._ids = ids
        self._cache.clear()
        self.endResetModel()

    def invalidate_rows(self) -> None:
        """Data changed but the list did not: drop cached rows, repaint."""
        self._cache.clear()
        if self._ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, len(self.columns) - 1)
            )

    def id_at(self, row: int) -> int:
        return self._ids[row]

    def row_at(self, row: int) -> Any:
        if row not in self._cache:
            self._load_page(row)
        return self._cache.get(row)

    def _load_page(self, row: int) -> None:
        start = (row // self.PAGE) * self.PAGE
        ids = self._ids[start : start + self.PAGE]
        by_id = {r.id: r for r in self._fetch_rows(ids)}
        for offset, row_id in enumerate(ids):
            if row_id in by_id:
                self._cache[start + offset] = by_id[row_id]

    # -- Qt API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)



    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        return cell(self.columns[index.column()], row, role, self.fmt, self.highlight)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column].sort_key if 0 <= column < len(self.columns) else None
        if key is None:
            return
        self._sort = (key, order == Qt.SortOrder.DescendingOrder)
        self.reload()
