"""Small pieces shared by the Purchases, Returns, Profit and Exceptions tabs and their dialogs:
lazy re-querying on ShopEvents, a sortable table view over a RowsModel, an error label."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.services.common import Changes
from db.session import Database
from ui.events import ShopEvents
from ui.models.table import Formatter, RowsModel
from ui.ops import Ops
from ui.widgets.tables import ErrorLabel, shop_currency  # noqa: F401 - shared, re-exported
from ui.widgets.tables import row_of as source_row  # noqa: F401 - re-exported
from ui.widgets.tables import selected as selected_row  # noqa: F401 - re-exported

DEBOUNCE_MS = 250


class LazyTab(QWidget):
    """A tab that re-queries only when a change concerns it, and only when it is shown:
    hidden tabs are marked stale and refresh on their next showEvent."""

    #: Changes fields this tab shows (any one set means: re-query)
    CONCERNS: tuple[str, ...] = ()

    def __init__(
        self, db: Database, events: ShopEvents, ops: Ops, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db, self.events, self.ops = db, events, ops
        self.fmt = Formatter(shop_currency(db))
        self._stale = True
        self._generation = 0  # results of an older query are dropped
        events.changed.connect(self._on_changed)

    def _on_changed(self, changes: Changes) -> None:
        if changes.settings:
            self.fmt.currency = shop_currency(self.db)
        if not any(getattr(changes, name) for name in self.CONCERNS + ("settings",)):
            return
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        self._stale = False

    def query(self, job: Callable[[Any], Any], done: Callable[[Any], None]) -> None:
        """Run job(session) on the reader pool; done(result) on the GUI thread, unless a newer
        query was started meanwhile."""
        self._generation += 1
        generation = self._generation
        db = self.db

        def run() -> Any:
            with db.read() as session:
                return job(session)

        def finish(result: Any) -> None:
            if generation == self._generation:
                done(result)

        self.ops.read(self, run, finish)


def plural(count: int, noun: str) -> str:
    """3 -> '3 returns', 1 -> '1 return' (the shop's lists are English for now)."""
    from app import formatting

    return f"{formatting.number(count)} {noun}{'' if count == 1 else 's'}"


def debounced(parent: QWidget, slot: Callable[[], None], msecs: int = DEBOUNCE_MS) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(msecs)
    timer.timeout.connect(slot)
    return timer


class SortedRowsModel(RowsModel):
    """A RowsModel that sorts itself: one Python list sort (100,000 profit rows in a blink),
    where a sort proxy would call data() a million times. New rows keep the chosen order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._order: tuple[int, bool] | None = None  # column, descending

    def set_rows(self, rows: Any) -> None:
        super().set_rows(self._sorted(list(rows)))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            self._order = None
            return
        self._order = (column, order == Qt.SortOrder.DescendingOrder)
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [self.rows[i.row()] for i in persistent]
        self.rows = self._sorted(self.rows)
        where = {id(row): n for n, row in enumerate(self.rows)}
        self.changePersistentIndexList(
            persistent,
            [self.index(where[id(r)], i.column()) for r, i in zip(held, persistent, strict=True)],
        )
        self.layoutChanged.emit()

    def _sorted(self, rows: list[Any]) -> list[Any]:
        if self._order is None:
            return rows
        column, descending = self._order
        value = self.columns[column].value

        def key(row: Any) -> tuple[bool, Any]:
            v = value(row)
            if v is None or v == "":
                return (not descending, 0)  # empty cells last either way
            if isinstance(v, str):
                return (descending, v.casefold())
            return (descending, v)  # one column holds one type: Decimal, date, int

        return sorted(rows, key=key, reverse=descending)


def table_view(
    model: RowsModel,
    parent: QWidget | None = None,
    *,
    sortable: bool = True,
    stretch: int | None = None,
) -> QTableView:
    """A read-only, row-selecting table over `model` with widths from the columns' hints."""
    view = QTableView(parent)
    view.setModel(model)
    if sortable and isinstance(model, SortedRowsModel):
        view.setSortingEnabled(True)
        view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # keep the query's order at first
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(QFontMetrics(view.font()).height() + 8)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    size_columns(view, model)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    return view


def size_columns(view: QTableView, model: RowsModel) -> None:
    metrics = QFontMetrics(view.font())
    char = metrics.horizontalAdvance("0")
    for i, column in enumerate(model.columns):
        title = metrics.horizontalAdvance(column.title) + 28  # room for the sort arrow
        hint = column.width or {
            "money": 12,
            "qty": 8,
            "number": 8,
            "percent": 8,
            "date": 10,
            "datetime": 16,
        }.get(column.kind, 14)
        view.setColumnWidth(i, max(title, hint * char + 12))


def show_failure(label: ErrorLabel, parent: QWidget, exc: BaseException) -> None:
    """A ShopError goes in the dialog's label; a bug opens the report dialog."""
    from ui.errors import is_user_error, show_bug

    if is_user_error(exc):
        label.show_message(str(exc))
    else:
        show_bug(parent, exc)


def date_edit(value: Any = None, parent: QWidget | None = None) -> Any:
    """A QDateEdit with a calendar, in the user's short date format with a 4-digit year."""
    from PySide6.QtCore import QDate, QLocale
    from PySide6.QtWidgets import QDateEdit

    from app import formatting

    edit = QDateEdit(value if value is not None else QDate.currentDate(), parent)
    edit.setCalendarPopup(True)
    fmt = QLocale(formatting.user_locale()).dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in fmt:
        fmt = fmt.replace("yy", "yyyy")
    edit.setDisplayFormat(fmt)
    return edit
