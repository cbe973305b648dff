"""First start of an empty shop: name and address, currency and tax, how stock arriving is
used, then (optionally) a product list imported with its preview shown first.

Settings are saved when the user leaves the "Money and tax" page (one transaction); the
product list is written only after its preview shows no problem (one more transaction).
File reading and writing run on a worker thread; the wizard shows their progress.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app import formatting as fmt
from app import importing
from app import settings as shop_settings
from db.session import Database
from ui.dialogs.settings_dialog import SettingField, build_form

# -- a worker that reports progress ----------------------------------------------------------


class _Relay(QObject):
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    """Runs job(progress) off the GUI thread; results and errors come back by signal."""

    def __init__(self, job: Callable[[Callable[[int, int], None]], Any], relay: _Relay) -> None:
        super().__init__()
        self._job, self._relay = job, relay

    def run(self) -> None:
        try:
            result = self._job(self._relay.progress.emit)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(result)


# -- the preview table -------------------------------------------------------------------------


class PreviewModel(QAbstractTableModel):
    """Every row of the file: its number, what will happen, the values read, the problems."""

    def __init__(self, plan: importing.ImportPreview, currency: str,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plan, self.currency = plan, currency
        labels = {c.key: c.label for c in importing.COLUMNS[plan.kind]}
        self.keys = [c.key for c in importing.COLUMNS[plan.kind] if c.key in plan.columns]
        self.headers = ["Row", "Status", *(labels[k] for k in self.keys), "Problem / note"]
        # file-level problems (a missing column) first, as rows without a number
        self.rows: list[importing.PreviewRow] = [
            importing.PreviewRow(0, {}, {}, "", [p]) for p in plan.file_problems
        ] + plan.rows

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return str(row.row) if row.row else "file"
            if column == 1:
                return "problem" if row.problems else row.action
            if column == len(self.headers) - 1:
                if row.problems:
                    return " ".join(p.message[:1].upper() + p.message[1:] for p in row.problems)
                return "; ".join(row.notes)
            return self._cell(self.keys[column - 2], row)
        if role == Qt.ItemDataRole.ToolTipRole and column == len(self.headers) - 1:
            return self.data(index) or None
        if role == Qt.ItemDataRole.ForegroundRole and row.problems:
            return QBrush(QColor("#b00020"))
        if role == Qt.ItemDataRole.TextAlignmentRole and 2 <= column < len(self.keys) + 2:
            if self.keys[column - 2] in ("price", "cost", "tax", "qty", "reorder_level"):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _cell(self, key: str, row: importing.PreviewRow) -> str:
        value = row.values.get(key)
        if value is None:
            return row.raw.get(key, "")
        if key in ("price", "cost"):
            return fmt.money(value, self.currency)
        if key == "tax":
            return fmt.percent(value)
        if key in ("qty", "reorder_level"):
            return fmt.number(value)
        return str(value)


# -- pages -----------------------------------------------------------------------------------


class _SettingsPage(QWizardPage):
    def __init__(self, title: str, text: str, names: tuple[str, ...],
                 rows: list[shop_settings.SettingRow]) -> None:
        super().__init__()
        self.setTitle(title)
        self.setSubTitle(text)
        self.names = names
        self.fields: dict[str, SettingField] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(build_form(self, rows, names, self.fields))
        layout.addStretch(1)

    def check(self) -> bool:
        return all([self.fields[n].check() for n in self.names])


class ShopPage(_SettingsPage):
    def __init__(self, rows: list[shop_settings.SettingRow]) -> None:
        super().__init__("Your shop", "As it will be printed on invoices and delivery notes.",
                         ("shop_name", "shop_address", "shop_tax_id"), rows)
        name = self.fields["shop_name"].editor
        if name.text() == shop_settings.SPECS["shop_name"].default:
            name.setText("")  # a new shop names itself; "My Shop" is only a fallback
        name.setPlaceholderText("e.g. Müller Hardware")
        name.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.fields["shop_name"].editor.text().strip())

    def validatePage(self) -> bool:  # noqa: N802
        return self.check()


class MoneyPage(_SettingsPage):
    def __init__(self, db: Database, rows: list[shop_settings.SettingRow]) -> None:
        super().__init__(
            "Money and tax",
            "The currency of your prices, the tax rate new products get, and what happens "
            "when goods arrive for waiting orders. Pressing Next saves these settings.",
            ("currency", "default_tax_rate", "fulfilment_mode"), rows)
        self.db = db
        self.error = QLabel(self)
        self.error.setObjectName("save_error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.layout().addWidget(self.error)

    def validatePage(self) -> bool:  # noqa: N802
        from app.services.catalog import save_settings

        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        if not (wizard.shop_page.check() and self.check()):
            return False
        fields = wizard.fields
        try:
            save_settings(self.db, {name: f.text() for name, f in fields.items()})
        except shop_settings.InvalidSettings as exc:
            for name, text in exc.problems.items():
                fields[name].show_error(text)
            return False
        except Exception as exc:  # noqa: BLE001 - locked database, full disk...: say so
            self.error.setText(str(exc))
            return False
        return True


class ImportPage(QWizardPage):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.setTitle("Products (optional)")
        self.setSubTitle("Import your product list now, or leave the file empty and add "
                         "products later.")
        intro = QLabel(
            "An Excel (.xlsx) or CSV file with columns such as SKU, Name, Price, Tax, EAN. "
            "Every row is checked first; nothing is written while the file has a problem.",
            self)
        intro.setWordWrap(True)
        self.plan: importing.ImportPreview | None = None
        self.result: importing.ImportResult | None = None
        self.busy = False
        self._relays: set[_Relay] = set()

        self.path = QLineEdit(self)
        self.path.setObjectName("path")
        self.path.setPlaceholderText("no file: start with an empty product list")
        self.path.textChanged.connect(self._file_changed)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        self.check_button = QPushButton("Check file", self)
        self.check_button.setObjectName("check")
        self.check_button.clicked.connect(self.check_file)
        line = QHBoxLayout()
        line.addWidget(self.path, 1)
        line.addWidget(browse)
        line.addWidget(self.check_button)

        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.summary = QLabel(self)
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.table = QTableView(self)
        self.table.setObjectName("preview")
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(180)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(line)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    # the file and its preview

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Product list", "", "Spreadsheets (*.xlsx *.csv *.txt *.tsv);;All files (*)")
        if path:
            self.path.setText(path)
            self.check_file()

    def _file_changed(self) -> None:
        self.plan, self.result = None, None
        self.summary.clear()
        self.table.setModel(None)
        self.completeChanged.emit()

    def check_file(self) -> None:
        text = self.path.text().strip()
        if not text or self.busy:
            return
        self._file_changed()
        self.summary.setText("Reading the file…")
        self._run(lambda progress: importing.preview(self.db, "products", Path(text), progress),
                  self._previewed)

    def _previewed(self, plan: importing.ImportPreview) -> None:
        self.plan = plan
        model = PreviewModel(plan, _currency(self.db), self.table)
        self.table.setModel(model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        text = plan.summary
        if plan.ignored:
            text += " Columns not used: " + ", ".join(plan.ignored) + "."
        self.summary.setText(text)
        self.summary.setStyleSheet("" if plan.ok else "color: #b00020;")
        self.completeChanged.emit()

    # writing

    def isComplete(self) -> bool:  # noqa: N802
        if self.busy:
            return False
        if not self.path.text().strip() or self.result is not None:
            return True
        return self.plan is not None and self.plan.ok

    def validatePage(self) -> bool:  # noqa: N802
        if not self.path.text().strip() or self.result is not None:
            return True
        if self.plan is None or not self.plan.ok:
            return False
        plan = self.plan
        self.summary.setText("Importing…")
        self._run(lambda progress: importing.apply(self.db, plan, progress), self._imported)
        return False  # the wizard moves on when the import has finished

    def _imported(self, result: importing.ImportResult) -> None:
        self.result = result
        self.summary.setText(result.summary)
        self.completeChanged.emit()
        self.wizard().next()

    def _run(self, job: Callable[[Callable[[int, int], None]], Any],
             done: Callable[[Any], None]) -> None:
        relay = _Relay()
        self._relays.add(relay)
        self._set_busy(True)

        @Slot(int, int)
        def on_progress(n: int, total: int) -> None:
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(n)

        @Slot(object)
        def on_done(result: Any) -> None:
            self._finish(relay)
            done(result)

        @Slot(object)
        def on_failed(exc: BaseException) -> None:
            self._finish(relay)
            from ui.errors import is_user_error, show_bug

            if is_user_error(exc):
                self.summary.setText(str(exc))
                self.summary.setStyleSheet("color: #b00020;")
            else:
                show_bug(self, exc)

        relay.progress.connect(on_progress)
        relay.succeeded.connect(on_done)
        relay.failed.connect(on_failed)
        self.progress.setRange(0, 0)  # busy until the first report
        QThreadPool.globalInstance().start(_Job(job, relay))

    def _finish(self, relay: _Relay) -> None:
        self._relays.discard(relay)
        relay.deleteLater()
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        self.check_button.setEnabled(not busy)
        self.path.setEnabled(not busy)
        self.completeChanged.emit()


class DonePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Ready")
        self.text = QLabel(self)
        self.text.setObjectName("done")
        self.text.setWordWrap(True)
        QVBoxLayout(self).addWidget(self.text)

    def initializePage(self) -> None:  # noqa: N802
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        lines = [f"{wizard.fields['shop_name'].text()} is set up."]
        result = wizard.import_page.result
        if result is not None:
            lines.append(result.summary)
        lines.append("Every setting can be changed later in the shop settings; customers, "
                     "suppliers and opening stock can be imported with 'shopdesk import'.")
        self.text.setText("\n\n".join(lines))


def _currency(db: Database) -> str:
    for row in shop_settings.read_all(db):
        if row.name == "currency":
            return row.value
    return "EUR"


class SetupWizard(QWizard):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("Set up your shop")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        rows = shop_settings.read_all(db)
        self.shop_page = ShopPage(rows)
        self.money_page = MoneyPage(db, rows)
        self.import_page = ImportPage(db)
        self.done_page = DonePage()
        for page in (self.shop_page, self.money_page, self.import_page, self.done_page):
            self.addPage(page)
        self.resize(720, 520)

    @property
    def fields(self) -> dict[str, SettingField]:
        return {**self.shop_page.fields, **self.money_page.fields}


def run_setup_wizard(parent: QWidget | None, db: Database) -> bool:
    """Walk the user through a new shop; True when they finished it."""
    wizard = SetupWizard(db, parent)
    return wizard.exec() == QWizard.DialogCode.Accepted
