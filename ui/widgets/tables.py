"""Table views over ui.models.table models, sized from the columns' hints; the selected row;
the shop's currency; the in-dialog error label."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QWidget

from db.session import Database
from ui.models.table import SORT_ROLE

_HINTS = {"money": 12, "qty": 8, "number": 8, "percent": 8, "date": 11, "datetime": 16}


def shop_currency(db: Database) -> str:
    from app.settings import load

    try:
        with db.read() as session:
            return load(session).currency
    except Exception:  # noqa: BLE001 - a display default; the real error shows on first query
        return "EUR"


def make_table(model: Any, parent: QWidget | None = None, *, stretch: int | None = None,
               sortable: bool = False, sql_sorted: bool = False) -> QTableView:
    """A read-only, row-selecting view. `sortable`: in-memory sort through a proxy (SORT_ROLE);
    `sql_sorted`: header clicks call model.sort (a LazyRowsModel re-queries)."""
    view = QTableView(parent)
    if sortable:
        proxy = QSortFilterProxyModel(view)
        proxy.setSortRole(SORT_ROLE)
        proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        proxy.setSourceModel(model)
        view.setModel(proxy)
        view.setSortingEnabled(True)
        view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    else:
        view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(QFontMetrics(view.font()).height() + 8)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionsClickable(True)
    metrics = QFontMetrics(view.font())
    char = metrics.horizontalAdvance("0")
    for i, column in enumerate(model.columns):
        # room for the sort arrow where headers sort
        title = metrics.horizontalAdvance(column.title) + (28 if sortable or sql_sorted else 16)
        hint = column.width or _HINTS.get(column.kind, 14)
        view.setColumnWidth(i, max(title, hint * char + 14))
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    return view


def row_of(view: QTableView, index: Any) -> Any:
    model = view.model()
    if isinstance(model, QSortFilterProxyModel):
        index = model.mapToSource(index)
        model = model.sourceModel()
    if not index.isValid():
        return None
    return model.row_at(index.row())  # type: ignore[attr-defined]


def selected(view: QTableView) -> Any:
    """The row object of the selected row, or None."""
    selection = view.selectionModel()
    rows = selection.selectedRows() if selection is not None else []
    return row_of(view, rows[0]) if rows else None


class ErrorLabel(QLabel):
    """The refusal sentence shown inside a dialog (the input stays as typed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet("color: #b00020; font-weight: 600;")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_message(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.show_message("")
