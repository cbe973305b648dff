"""The main window: six tabs over one shop, the File menu (new, open, backup, restore,
settings), keyboard shortcuts, and a status bar that says which shop is open and when ShopDesk
is busy."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.common import EVERYTHING
from db.session import Database
from ui.events import ShopEvents
from ui.ops import Ops

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1280, 800)

# (title, module, class): the first two are ours; the rest come from their own modules and
# show a placeholder while a module is missing.
TABS = [
    ("&Orders", "ui.tabs.orders_tab", "OrdersTab"),
    ("&Stock", "ui.tabs.stock_tab", "StockTab"),
    ("&Returns", "ui.tabs.returns_tab", "ReturnsTab"),
    ("&Profit", "ui.tabs.profit_tab", "ProfitTab"),
    ("P&urchases", "ui.tabs.purchases_tab", "PurchasesTab"),
    ("&Exceptions", "ui.tabs.exceptions_tab", "ExceptionsTab"),
]
SCREENSHOT_NAMES = ["orders", "stock", "returns", "profit", "purchases", "exceptions"]


def _optional(module: str, name: str) -> Any:
    """An attribute of a module that may not exist yet (work of another engineer)."""
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    except AttributeError:
        return None


def shop_label(db: Database) -> str:
    """Where the shop lives, for the status bar (a URL never shows its password)."""
    if db.path is not None:
        return str(db.path)
    from sqlalchemy.engine import make_url

    return make_url(db.url).render_as_string(hide_password=True)


class Placeholder(QWidget):
    def __init__(self, title: str, text: str = "coming soon") -> None:
        super().__init__()
        label = QLabel(f"<h3>{title}</h3><p>{text}</p>")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)

    def refresh(self) -> None:
        pass


class MainWindow(QMainWindow):
    """`open_shop(url, demo)` asks the application to open another shop (ui/app.py)."""

    def __init__(self, db: Database, events: ShopEvents | None = None, ops: Ops | None = None,
                 *, demo: bool = False,
                 open_shop: Callable[[str, bool], bool] | None = None) -> None:
        super().__init__()
        if events is None:
            events = ShopEvents(self)
        if ops is None:
            ops = Ops(self)
        self.db, self.events, self.ops, self.demo = db, events, ops, demo
        self._open_shop = open_shop
        self.busy = False
        self.resize(*DEFAULT_SIZE)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        # Each tab is built the first time it is shown: the program starts with the Orders
        # list only (a chart library, for one, is loaded when Profit is first opened).
        self._pages: list[QWidget | None] = [None] * len(TABS)
        self._holders: list[QWidget] = []
        for title, _module, _name in TABS:
            holder = QWidget()
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(0, 0, 0, 0)
            self._holders.append(holder)
            self.tabs.addTab(holder, title)
        self.setCentralWidget(self.tabs)
        self.tabs.currentChanged.connect(self.page)
        # -- status bar
        status = self.statusBar()
        self.shop_label = QLabel()
        self.shop_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.busy_label = QLabel("Working…")
        self.busy_label.hide()
        status.addPermanentWidget(self.busy_label)
        status.addPermanentWidget(self.busy_bar)
        if demo:
            start = QPushButton("Start my own shop…")
            start.setStyleSheet("font-weight: 600;")
            start.setToolTip("Create an empty shop of your own (File > New shop)")
            start.clicked.connect(self.new_shop)
            status.addPermanentWidget(start)
            self.start_button = start
        status.addPermanentWidget(self.shop_label)
        ops.busy_changed.connect(self._busy_changed)

        self._build_menus()
        events.changed.connect(self._on_changed)
        self.update_title()
        self.page(0)

    def page(self, index: int) -> QWidget:
        """The widget of tab `index`, built on first use."""
        built = self._pages[index]
        if built is not None:
            return built
        title, module, name = TABS[index]
        page = self._make_tab(title, module, name)
        self._pages[index] = page
        self._holders[index].layout().addWidget(page)
        signal = getattr(page, "open_document", None)
        if signal is not None:
            signal.connect(self.open_document)
        message = getattr(page, "status_message", None)
        if message is not None:
            message.connect(self._show_status)
        return page

    @property
    def pages(self) -> list[QWidget]:
        return [self.page(i) for i in range(len(TABS))]

    @property
    def orders_tab(self) -> Any:
        return self.page(0)

    @property
    def stock_tab(self) -> Any:
        return self.page(1)

    def _show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 15_000)

    def _make_tab(self, title: str, module: str, name: str) -> QWidget:
        plain = title.replace("&", "")
        try:
            cls = _optional(module, name)
            if cls is None:
                return Placeholder(plain)
            return cls(self.db, self.events, self.ops)  # type: ignore[no-any-return]
        except Exception:  # noqa: BLE001 - one broken tab must not stop the program
            log.exception("the %s tab could not be built", plain)
            return Placeholder(plain, "This tab could not be opened; the details are in the log.")

    # -- menus and shortcuts
    def _action(self, menu: Any, text: str, slot: Callable[[], Any], keys: Any = None,
                enabled: bool = True, tip: str = "") -> QAction:
        action = QAction(text, self)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        action.setEnabled(enabled)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&New shop…" if not self.demo else "&New shop (start my own)…",
                     self.new_shop, tip="Create an empty shop in a new file and open it")
        self._action(file, "&Open shop…", self.open_shop_file, QKeySequence.StandardKey.Open)
        file.addSeparator()
        has_backup = _optional("db.backup", "backup") is not None and self.db.path is not None
        self.backup_action = self._action(
            file, "&Backup now", self.backup, enabled=has_backup,
            tip="Save a consistent copy of this shop in its backups folder"
            if has_backup else "Backups are made by the database server for this shop")
        self.restore_action = self._action(
            file, "&Restore from backup…", self.restore, enabled=has_backup)
        file.addSeparator()
        self.settings_action = self._action(
            file, "S&ettings…", self.open_settings, "Ctrl+,",
            enabled=_optional("ui.dialogs.settings_dialog", "open_settings") is not None)
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        work = bar.addMenu("&Work")
        self._action(work, "&New order…", self.new_order, "Ctrl+N")
        self._action(work, "&Receive stock…", self.receive_stock, "Ctrl+R")
        work.addSeparator()
        self._action(work, "&Find", self.focus_search, QKeySequence.StandardKey.Find)
        self._action(work, "Re&fresh", self.refresh_all, "F5")
        self._action(work, "Open &document…", self.ask_document, "Ctrl+D")

        view = bar.addMenu("&View")
        for i, (title, *_rest) in enumerate(TABS):
            self._action(view, title.replace("&", ""), lambda i=i: self.tabs.setCurrentIndex(i),
                         f"Ctrl+{i + 1}")

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About ShopDesk", self.about)

    # -- title, status, busy
    def shop_name(self) -> str:
        if self.demo:
            return "Demo shop"
        try:
            from app.settings import load

            with self.db.read() as session:
                return load(session).shop_name
        except Exception:  # noqa: BLE001 - a title is not worth an error dialog
            return "ShopDesk"

    def update_title(self) -> None:
        self.setWindowTitle(f"ShopDesk — {self.shop_name()}")
        where = shop_label(self.db)
        self.shop_label.setText(f"Demo shop · {where}" if self.demo else where)
        self.shop_label.setToolTip("The shop database in use")

    def _busy_changed(self, busy: bool) -> None:
        self.busy = busy
        self.busy_bar.setVisible(busy)
        self.busy_label.setVisible(busy)

    def _on_changed(self, changes: Any) -> None:
        if changes.settings:
            self.update_title()

    # -- actions
    def new_order(self) -> None:
        self.tabs.setCurrentIndex(0)
        if hasattr(self.orders_tab, "new_order"):
            self.orders_tab.new_order()

    def receive_stock(self) -> None:
        self.tabs.setCurrentIndex(1)
        if hasattr(self.stock_tab, "receive"):
            self.stock_tab.receive()

    def focus_search(self) -> None:
        search = getattr(self.page(self.tabs.currentIndex()), "search", None)
        if search is not None and hasattr(search, "setFocus"):
            search.setFocus()
            search.selectAll()

    def refresh_all(self) -> None:
        self.events.emit_changes(EVERYTHING)
        self.statusBar().showMessage("Refreshed.", 3000)

    def open_document(self, number: str) -> None:
        from ui.dialogs.document_view import open_document

        open_document(self, self.db, self.ops, self.events, number)

    def ask_document(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        number, ok = QInputDialog.getText(self, "Open a document",
                                          "Document number (SO-, PO-, GR-, DN-, INV-, RT-, CN-):")
        if ok and number.strip():
            self.open_document(number.strip().upper())

    def new_shop(self) -> None:
        from db.session import default_data_dir

        start = str(default_data_dir() / "shop.sqlite")
        path, _filter = QFileDialog.getSaveFileName(
            self, "New shop: choose a file name", start, "ShopDesk shop (*.sqlite)")
        if not path:
            return
        target = Path(path)
        if target.suffix == "":
            target = target.with_suffix(".sqlite")
        if target.exists():
            QMessageBox.warning(self, "ShopDesk",
                                f"{target} already exists. Choose a new name, or use "
                                "File > Open shop to open it.")
            return
        if self._open_shop is not None:
            self._open_shop(str(target), True)

    def open_shop_file(self) -> None:
        start = str(self.db.path.parent) if self.db.path is not None else ""
        path, _filter = QFileDialog.getOpenFileName(
            self, "Open a shop", start, "ShopDesk shop (*.sqlite);;All files (*)")
        if path and self._open_shop is not None:
            self._open_shop(path, False)

    def backup(self) -> None:
        from db import backup as backups

        path = self.db.path
        if path is None:
            return

        def done(target: Path) -> None:
            self.statusBar().showMessage(f"Backup saved: {target}", 20_000)
            QMessageBox.information(self, "ShopDesk", f"The shop was backed up to\n{target}")

        self.ops.write(self, lambda: backups.backup(path), done)

    def restore(self) -> None:
        from db import backup as backups

        path = self.db.path
        if path is None:
            return
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Restore from backup", str(backups.backups_dir(path)), "Backups (*.sqlite)")
        if not chosen:
            return
        answer = QMessageBox.question(
            self, "Restore from backup",
            f"Replace the shop with the backup\n{chosen}?\n\nThe current file is kept beside "
            "it, renamed with '-replaced-' and the time.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        if self._open_shop is None:
            return
        self.ops.wait()
        self.db.dispose()
        try:
            replaced = backups.restore(Path(chosen), path)
        except Exception as exc:  # noqa: BLE001
            from ui.errors import show_error

            show_error(self, exc)
            return
        if self._open_shop(str(path), False):
            QMessageBox.information(None, "ShopDesk",
                                    f"The backup was restored. The previous file is {replaced}.")

    def open_settings(self) -> None:
        open_settings = _optional("ui.dialogs.settings_dialog", "open_settings")
        if open_settings is not None and open_settings(self, self.db):
            self.events.emit_changes(EVERYTHING)
            self.update_title()

    def about(self) -> None:
        from app import __version__

        QMessageBox.about(
            self, "About ShopDesk",
            f"<b>ShopDesk {__version__}</b><p>Orders, stock and money for a small shop.</p>"
            f"<p>Shop: {shop_label(self.db)}</p>")

    # -- screenshots and closing
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.ops.wait(10_000)
        super().closeEvent(event)
