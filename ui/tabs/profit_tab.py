"""Profit: by order, customer, project, product or month over a date range; a table with a
totals row, a chart of the top 15 by profit, and an Excel export. The report runs on the
reader pool (a shop of 100,000 orders does not freeze the window)."""

from __future__ import annotations

import heapq
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("QtAgg")
from babel.numbers import format_currency, format_percent  # noqa: E402
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from PySide6.QtCore import QDate, Qt, Signal  # noqa: E402
from PySide6.QtGui import QFont  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import formatting  # noqa: E402
from app.queries.profit import ProfitReport, ProfitRow, profit_report  # noqa: E402
from db.session import Database  # noqa: E402
from ui.events import ShopEvents  # noqa: E402
from ui.models.table import Column, Formatter, RowsModel  # noqa: E402
from ui.ops import Ops  # noqa: E402
from ui.tabs._kit import LazyTab, SortedRowsModel, date_edit, source_row, table_view  # noqa: E402

DIMENSIONS = [
    ("order", "Order"),
    ("customer", "Customer"),
    ("project", "Project"),
    ("product", "Product"),
    ("month", "Month"),
]
KEY_TITLES = {
    "order": "Order",
    "customer": "Customer no.",
    "project": "Project",
    "product": "SKU",
    "month": "Month",
}
PERIODS = [
    "All dates",
    "This month",
    "Last month",
    "This year",
    "Last year",
    "Last 12 months",
    "Custom",
]
TOP = 15


def period_range(name: str, today: date) -> tuple[date | None, date | None]:
    first = today.replace(day=1)
    if name == "This month":
        return first, today
    if name == "Last month":
        end = first - timedelta(days=1)
        return end.replace(day=1), end
    if name == "This year":
        return today.replace(month=1, day=1), today
    if name == "Last year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if name == "Last 12 months":
        return today - timedelta(days=365), today
    return None, None


def name_of(row: ProfitRow) -> str:
    """The row's label without its key (an order's label is 'SO-… · customer')."""
    label = row.label or ""
    for sep in (" · ", " — ", " - "):
        if row.key and label.startswith(row.key + sep):
            return label[len(row.key) + len(sep) :]
    return "" if label == row.key else label


class ProfitFormatter(Formatter):
    """Margins always with one decimal, so the column lines up."""

    def __call__(self, kind: str, value: Any) -> str:
        if kind == "percent" and value is not None:
            return format_percent(value / 100, format="#,##0.0%", locale=formatting.user_locale())
        return super().__call__(kind, value)


def profit_columns(by: str) -> list[Column]:
    return [
        Column(KEY_TITLES[by], lambda r: r.key, width=14),
        Column("Name", name_of, width=22, tooltip=lambda r: name_of(r) or None),
        Column("Revenue", lambda r: r.revenue, "money"),
        Column("Credits", lambda r: r.credits, "money"),
        Column("Cost of goods", lambda r: r.cogs, "money"),
        Column("Returned cost", lambda r: r.returned_cost, "money"),
        Column("Defective loss", lambda r: r.defective_loss, "money"),
        Column("Recoveries", lambda r: r.recoveries, "money"),
        Column("Profit", lambda r: r.profit, "money"),
        Column("Margin", lambda r: r.margin, "percent", width=8),
    ]


def top_by_profit(rows: list[ProfitRow]) -> list[ProfitRow]:
    return heapq.nlargest(TOP, rows, key=lambda r: r.profit)


class ProfitChart(FigureCanvasQTAgg):
    """Top rows by profit as horizontal bars, largest at the top, amounts in the currency."""

    def __init__(self, parent: QWidget | None = None) -> None:
        # margins are set by hand (_fit): constrained layout costs ~0.5 s per draw
        self.figure = Figure(figsize=(8, 3.2), dpi=96)
        super().__init__(self.figure)
        self.setParent(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(200)
        self.axes = self.figure.add_subplot(111)
        self.bars: list[tuple[str, Decimal]] = []
        self._label_px = 0.0

    def plot(self, top: list[ProfitRow], by: str, currency: str) -> None:
        """`top`: the rows to draw, largest profit first (see top_by_profit)."""
        self.bars = [(_bar_label(r, by), r.profit) for r in top]
        ax = self.axes
        ax.clear()
        locale = formatting.user_locale()
        if not top:
            ax.set_axis_off()
            ax.text(
                0.5,
                0.5,
                "No sales in this period",
                ha="center",
                va="center",
                transform=ax.transAxes,
                color="#666666",
            )
            self.draw_idle()
            return
        ax.set_axis_on()
        labels = [label for label, _ in self.bars]
        values = [float(value) for _, value in self.bars]
        # a fixed number of slots, largest at the top: a few bars stay bars, not slabs
        slots = max(len(values), 8)
        positions = [slots - 1 - i for i in range(len(values))]
        colors = ["#2e7d32" if v >= 0 else "#c62828" for v in values]
        bars = ax.barh(positions, values, color=colors, height=0.65)
        ax.set_yticks(positions, labels, fontsize=8)
        ax.set_ylim(-0.5, slots - 0.5)
        ax.xaxis.set_major_formatter(
            FuncFormatter(
                lambda x, _pos: format_currency(
                    x, currency, format="¤#,##0", locale=locale, currency_digits=False
                )
            )
        )
        ax.tick_params(axis="x", labelsize=8)
        ax.axvline(0, color="#888888", linewidth=0.8)
        ax.set_title(
            f"Top {len(top)} by profit ({dict(DIMENSIONS)[by].lower()})", fontsize=9, loc="left"
        )
        ax.bar_label(
            bars,
            labels=[formatting.money(Decimal(str(round(v, 2))), currency) for v in values],
            padding=3,
            fontsize=7,
        )
        low, high = min(0.0, *values), max(0.0, *values)
        span = (high - low) or 1.0
        ax.set_xlim(low - (0.18 * span if low < 0 else 0), high + 0.18 * span)  # room for labels
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
        ax.set_axisbelow(True)
        # the labels' real width in pixels (15 texts measured once per plot, not per draw)
        renderer = self.get_renderer()
        self._label_px = max(
            (t.get_window_extent(renderer).width for t in ax.get_yticklabels()), default=0.0
        )
        self._fit()
        self.draw_idle()

    def _fit(self) -> None:
        """Leave room on the left for the longest label, at any width of the window."""
        width, height = max(self.width(), 200), max(self.height(), 120)
        left = min(0.5, (self._label_px + 14) / width)
        self.figure.subplots_adjust(
            left=left, right=1 - 12 / width, top=1 - 26 / height, bottom=24 / height
        )

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        self._fit()
        super().resizeEvent(event)


def _bar_label(row: ProfitRow, by: str) -> str:
    name = name_of(row)
    if by == "month" or not name:
        text = row.key or "(none)"
    elif by == "customer":
        text = name  # the customer's name says more than its number
    else:
        text = f"{row.key} {name}"
    return text if len(text) <= 34 else text[:33] + "…"


class ProfitTab(LazyTab):
    open_document = Signal(str)
    CONCERNS = ("invoices", "returns", "catalog")  # what profit is made of

    def __init__(
        self, db: Database, events: ShopEvents, ops: Ops, parent: QWidget | None = None
    ) -> None:
        super().__init__(db, events, ops, parent)
        self.by = QComboBox()
        for key, title in DIMENSIONS:
            self.by.addItem(title, key)
        self.period = QComboBox()
        self.period.addItems(PERIODS)
        today = QDate.currentDate()
        self.date_from = date_edit(QDate(today.year(), 1, 1))
        self.date_to = date_edit(today)
        for edit in (self.date_from, self.date_to):
            edit.setEnabled(False)
        self.export_button = QPushButton("&Export to Excel…")
        self.export_button.clicked.connect(self.choose_export)
        self.status = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(QLabel("&By:", buddy=self.by))
        bar.addWidget(self.by)
        bar.addSpacing(12)
        bar.addWidget(QLabel("&Period:", buddy=self.period))
        bar.addWidget(self.period)
        bar.addWidget(QLabel("from"))
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel("to"))
        bar.addWidget(self.date_to)
        bar.addSpacing(12)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.export_button)

        self.fmt = ProfitFormatter(self.fmt.currency)
        self.model = SortedRowsModel(profit_columns("order"), self.fmt, parent=self)
        self.view = table_view(self.model, self, stretch=1)
        self.view.doubleClicked.connect(self._double_clicked)
        self.totals = RowsModel(profit_columns("order"), self.fmt, parent=self)
        self.totals_view = _footer(self.totals, self.view)

        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.setSpacing(0)
        table_layout.addWidget(self.view, 1)
        table_layout.addWidget(self.totals_view)
        self.chart = ProfitChart(self)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(table_box)
        splitter.addWidget(self.chart)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

        self.report: ProfitReport | None = None
        self.seconds: float | None = None
        self.by.currentIndexChanged.connect(lambda _i: self.refresh())
        self.period.currentTextChanged.connect(self._period_chosen)
        self.date_from.dateChanged.connect(lambda _d: self._dates_edited())
        self.date_to.dateChanged.connect(lambda _d: self._dates_edited())
        self._setting_dates = False

    # -- parameters
    def dimension(self) -> str:
        return str(self.by.currentData())

    def date_range(self) -> tuple[date | None, date | None]:
        if self.period.currentText() == "All dates":
            return None, None
        return self.date_from.date().toPython(), self.date_to.date().toPython()

    def _period_chosen(self, name: str) -> None:
        custom = name == "Custom"
        for edit in (self.date_from, self.date_to):
            edit.setEnabled(custom or name != "All dates")
        start, end = period_range(name, date.today())
        if start is not None and end is not None:
            self._setting_dates = True
            self.date_from.setDate(QDate(start))
            self.date_to.setDate(QDate(end))
            self._setting_dates = False
        self.refresh()

    def _dates_edited(self) -> None:
        if self._setting_dates:
            return
        if self.period.currentText() != "Custom":
            self.period.blockSignals(True)
            self.period.setCurrentText("Custom")
            self.period.blockSignals(False)
        self.refresh()

    # -- data
    def refresh(self) -> None:
        super().refresh()
        by = self.dimension()
        date_from, date_to = self.date_range()
        self.status.setText("Calculating…")
        started = time.perf_counter()

        def job(session: Any) -> tuple[ProfitReport, list[ProfitRow]]:
            report = profit_report(session, by, date_from, date_to)
            return report, top_by_profit(report.rows)  # off the GUI thread too

        def done(result: tuple[ProfitReport, list[ProfitRow]]) -> None:
            self.seconds = time.perf_counter() - started
            self._show(*result)

        self.query(job, done)

    def _show(self, report: ProfitReport, top: list[ProfitRow]) -> None:
        self.report = report
        if [c.title for c in self.model.columns] != [c.title for c in profit_columns(report.by)]:
            for model in (self.model, self.totals):
                model.beginResetModel()
                model.columns = profit_columns(report.by)
                model.endResetModel()
        self.model.set_rows(report.rows)
        self.totals.set_rows([report.totals])
        self.chart.plot(top, report.by, self.fmt.currency)
        self.status.setText(
            f"{formatting.number(len(report.rows))} rows, profit "
            f"{formatting.money(report.totals.profit, self.fmt.currency)}"
            + (
                f" (in {self.seconds:.1f} s)"
                if self.seconds is not None and self.seconds >= 0.5
                else ""
            )
        )

    # -- export
    def choose_export(self) -> None:
        by = self.dimension()
        suggested = str(Path.home() / f"profit-by-{by}-{date.today().isoformat()}.xlsx")
        path, _ = QFileDialog.getSaveFileName(
            self, "Export profit to Excel", suggested, "Excel workbook (*.xlsx)"
        )
        if path:
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
            self.export_to(path)

    def export_to(self, path: str) -> None:
        """Write the profit workbook on the reader pool (it re-runs the report and its
        reconciliation); the button shows the work is going on."""
        from app.documents.reports import write_profit

        by = self.dimension()
        date_from, date_to = self.date_range()
        db = self.db
        self.export_button.setEnabled(False)
        self.export_button.setText("Exporting…")
        self.status.setText("Writing the workbook…")

        def job():  # type: ignore[no-untyped-def]
            with db.read() as session:
                return write_profit(session, path, by, date_from, date_to)

        def finished(_result) -> None:  # type: ignore[no-untyped-def]
            self._export_ended()
            self.status.setText(f"Saved {Path(path).name}")
            self.status.setToolTip(path)

        def failed(exc: BaseException) -> None:
            from ui.errors import show_error

            self._export_ended()
            self.status.setText("The export failed.")
            show_error(self, exc)

        self.ops.read(self, job, finished, failed)

    def _export_ended(self) -> None:
        self.export_button.setEnabled(True)
        self.export_button.setText("&Export to Excel…")

    def _double_clicked(self, index) -> None:  # type: ignore[no-untyped-def]
        row = source_row(self.view, index)
        if row is not None and self.dimension() == "order" and row.key:
            self.open_document.emit(row.key)


def _footer(model: RowsModel, main: QTableView) -> QTableView:
    """A one-row table under `main` holding the totals, its columns kept in step with main's."""
    view = QTableView()
    view.setModel(model)
    view.horizontalHeader().hide()
    view.verticalHeader().hide()
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    font = QFont(view.font())
    font.setBold(True)
    view.setFont(font)
    row_height = main.verticalHeader().defaultSectionSize()
    view.verticalHeader().setDefaultSectionSize(row_height)
    view.setFixedHeight(row_height + 2 * view.frameWidth())
    header = main.horizontalHeader()

    def sync() -> None:
        try:
            for i in range(header.count()):
                view.setColumnWidth(i, header.sectionSize(i))
            # the main view's vertical scroll bar takes width: leave it empty in the footer too
            bar = main.verticalScrollBar()
            view.setViewportMargins(0, 0, bar.width() if bar.isVisible() else 0, 0)
        except RuntimeError:  # one of the views is being destroyed
            pass

    header.sectionResized.connect(lambda *_: sync())
    header.geometriesChanged.connect(sync)
    main.horizontalScrollBar().valueChanged.connect(view.horizontalScrollBar().setValue)
    model.modelReset.connect(sync)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    sync()
    return view
