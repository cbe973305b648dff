"""Start-up of the desktop program: which shop to open (the one named, the user's own, or the
demo shop on the very first start), one Database, one ShopEvents and one Ops, the main window;
and the screenshot run used by `make screenshots`."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from db.session import Database, default_data_dir, resolve_url
from ui.events import ShopEvents
from ui.ops import Ops

log = logging.getLogger(__name__)

DEMO_ORDERS = 300
DEMO_SEED = 1


POLL_MS = 5000


def demo_path() -> Path:
    return default_data_dir() / "demo.sqlite"


def wants_demo(db_arg: str | None) -> bool:
    """The very first start: no shop named, and none at the default place yet."""
    if db_arg or os.environ.get("SHOPDESK_DB"):
        return False
    return not (default_data_dir() / "shop.sqlite").exists()


class ShopApp:
    """Holds what lives as long as the program: events, ops, the open shop and its window."""

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.events = ShopEvents()
        self.ops = Ops()
        self.db: Database | None = None
        self.window = None  # ui.main_window.MainWindow
        self.screenshots = False
        # Another window or seat may write at any time: poll a cheap fingerprint and tell
        # the tabs when it moved (our own writes move it too; they reset the baseline).
        self._seen: tuple[int, ...] | None = None
        self._poll: QTimer | None = None
        self.events.changed.connect(lambda _changes: self._remember_version())

    def open(self, target: str, demo: bool = False, *, create: bool = False,
             wizard: bool = False) -> bool:
        """Open the shop at `target` (path or URL) in a fresh main window; the previous one
        closes. Returns False (and says why) when the shop cannot be opened."""
        from db.migrate import ensure_current, upgrade_pending
        from ui.errors import show_error
        from ui.main_window import MainWindow

        url = resolve_url(target)
        db = Database(url)
        try:
            if upgrade_pending(db):  # a backup and a schema change: seconds on a large shop
                with_progress(self.ops, "Updating the shop's file for this version of "
                              "ShopDesk (a backup is made first)…",
                              lambda: ensure_current(db, create=create))
            else:
                ensure_current(db, create=create)
        except Exception as exc:  # noqa: BLE001 - a sentence (not a shop, locked...) or a bug
            db.dispose()
            show_error(self.window, exc)
            return False
        if self.screenshots:
            user = None  # a documentation run: nobody logs in
        else:
            from ui.dialogs.login_dialog import who_is_working

            user = who_is_working(db, self.window)
            if user is None:
                db.dispose()
                return False
        if wizard:
            from ui.main_window import _optional

            run_setup_wizard = _optional("ui.dialogs.setup_wizard", "run_setup_wizard")
            if run_setup_wizard is not None:
                run_setup_wizard(self.window, db)
        old_window, old_db = self.window, self.db
        self.db = db
        self.window = MainWindow(db, self.events, self.ops, demo=demo, open_shop=self._switch)
        if old_window is not None:
            self.window.setGeometry(old_window.geometry())
            old_window.close()
            old_window.deleteLater()
        if old_db is not None and old_db is not db:
            self._unregister(old_db)
            old_db.dispose()
            self._backup_on_close(old_db)
        self._register(db)
        self._remember_version()
        self._poll = QTimer(self.window)  # lives and dies with the window
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._poll_others)
        self._poll.start()
        if user is not None and user.role != "owner":
            apply_role(self.window, user)
        self.window.show()
        return True

    def _version(self) -> tuple[int, ...] | None:
        from app.queries.changes import data_version

        if self.db is None:
            return None
        try:
            with self.db.read() as session:
                return data_version(session)
        except Exception:  # noqa: BLE001 - a busy or vanished file: try again next time
            log.debug("change poll failed", exc_info=True)
            return None

    def _remember_version(self) -> None:
        self._seen = self._version()

    def _poll_others(self) -> None:
        if self.ops.busy:  # our own write is under way; its result will refresh the tabs
            return
        current = self._version()
        if current is not None and self._seen is not None and current != self._seen:
            self._seen = current
            self.events.emit_changes(None)  # everything may have changed
            if self.window is not None:
                self.window.statusBar().showMessage("Updated with changes made elsewhere.", 5000)
        elif current is not None:
            self._seen = current

    def _switch(self, target: str, new: bool) -> bool:
        """From the File menu: a new shop (created, then the setup wizard) or another file."""
        return self.open(target, demo=False, create=new, wizard=new)

    def _register(self, db: Database) -> None:
        if db.path is None or self.window is None:
            return
        from db.instance_lock import notice, register

        others = notice(db.path)
        register(db.path)
        if others:
            self.window.statusBar().showMessage(f"This shop is {others}.", 30_000)

    @staticmethod
    def _unregister(db: Database) -> None:
        if db.path is not None:
            from db.instance_lock import unregister

            unregister(db.path)

    def close(self) -> None:
        if self._poll is not None:
            self._poll.stop()
        self.ops.wait()
        if self.db is not None:
            self._unregister(self.db)
            self.db.dispose()
            self._backup_on_close(self.db)

    def _backup_on_close(self, db: Database) -> None:
        """Every close leaves a fresh copy (the newest 20 automatic ones are kept). Not for
        the demo shop or a documentation run; never in another program's way: a failure is
        logged, the shop itself is untouched."""
        if db.path is None or self.screenshots or db.path == demo_path() or not db.path.exists():
            return
        from db.backup import backup

        try:
            backup(db.path, reason="on-close")
        except Exception:  # noqa: BLE001 - a full disk must not stop the program from closing
            log.warning("automatic backup on close failed", exc_info=True)


def apply_role(window, user) -> None:  # type: ignore[no-untyped-def]
    """What a role may not see is not shown: a clerk gets no Profit tab and no margins.
    (The rule itself lives in app.users.PERMISSIONS.)"""
    window.setWindowTitle(f"{window.windowTitle()} — {user.name}")
    if not user.can("reports.profit"):
        for i in range(window.tabs.count()):
            if window.tabs.tabText(i).replace("&", "") == "Profit":
                window.tabs.setTabVisible(i, False)
    if not user.can("costs.view"):
        window.hide_costs = True
        from ui.tabs.orders_tab import OrdersTab

        view = getattr(window.findChild(OrdersTab), "view", None)
        if view is not None:
            model = view.model()
            for col in range(model.columnCount()):
                if model.headerData(col, Qt.Orientation.Horizontal) == "Margin":
                    view.setColumnHidden(col, True)


def with_progress(ops: Ops, text: str, job: Callable[[], object]) -> None:
    """Run `job` on the writer thread while a small window says what is happening (the GUI
    keeps painting); its exception is raised here."""
    progress = QProgressDialog(text, "", 0, 0)
    progress.setWindowTitle("ShopDesk")
    progress.setCancelButton(None)
    progress.setMinimumDuration(0)
    progress.show()
    loop = QEventLoop()
    outcome: dict[str, BaseException] = {}

    def failed(exc: BaseException) -> None:
        outcome["error"] = exc
        loop.quit()

    ops.write(None, job, lambda _result: loop.quit(), failed)
    loop.exec()
    progress.close()
    if "error" in outcome:
        raise outcome["error"]


def build_demo_shop(path: Path, ops: Ops) -> bool:
    """Build the demo shop in a new file (off the GUI thread, with a progress window); it is
    written beside and renamed into place, so an interrupted build leaves no half shop."""
    from app.demo import build_demo_file
    from ui.errors import show_error

    def job() -> None:
        build_demo_file(path, orders=DEMO_ORDERS, seed=DEMO_SEED, shop_name="Demo shop")

    try:
        with_progress(ops, "Preparing a demo shop with a few months of orders…", job)
    except Exception as exc:  # noqa: BLE001 - shown as a sentence (or a bug report)
        show_error(None, exc)
        return False
    return True


def wait_idle(shop: ShopApp, settle_ms: int = 150, timeout_s: float = 30.0) -> None:
    """Process events until no query or write is running and the screen has settled."""
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        busy = shop.window is not None and shop.window.busy
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif (time.monotonic() - quiet_since) * 1000 >= settle_ms:
            return
        time.sleep(0.01)


def take_screenshots(shop: ShopApp, folder: Path) -> list[Path]:
    from ui.main_window import DEFAULT_SIZE, SCREENSHOT_NAMES

    window = shop.window
    assert window is not None
    folder.mkdir(parents=True, exist_ok=True)
    window.resize(*DEFAULT_SIZE)
    window.show()
    wait_idle(shop)
    written = []
    for index, name in enumerate(SCREENSHOT_NAMES):
        window.tabs.setCurrentIndex(index)
        wait_idle(shop)
        page = window.page(index)
        view = getattr(page, "view", None)
        if name in ("orders", "stock") and view is not None and view.model().rowCount():
            view.selectRow(0)
            wait_idle(shop)
        target = folder / f"{name}.png"
        window.grab().save(str(target))
        written.append(target)
    return written


def _set_window_icon(app: QApplication) -> None:
    """The app icon (resources/icons, drawn by packaging/make_icon.py) on every window."""
    from PySide6.QtGui import QIcon

    from app.resources import resource_path

    icon = resource_path("resources", "icons", "shopdesk.png")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))


def run_gui(db_arg: str | None, screenshots_dir: str | None = None) -> int:
    """The desktop program. Returns the process exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("ShopDesk")
    app.setApplicationDisplayName("ShopDesk")
    app.setOrganizationName("ShopDesk")
    _set_window_icon(app)
    shop = ShopApp(app)
    shop.screenshots = bool(screenshots_dir)
    if wants_demo(db_arg):
        path = demo_path()
        if not path.exists() and not build_demo_shop(path, shop.ops):
            return 1
        opened = shop.open(str(path), demo=True)
    else:
        target = db_arg or os.environ.get("SHOPDESK_DB")
        assert target is not None
        url = resolve_url(target)
        from db.session import sqlite_path

        file = sqlite_path(url)
        new = file is not None and not file.exists()
        if new and screenshots_dir:
            QMessageBox.warning(None, "ShopDesk", f"There is no shop at {file}.")
            return 1
        opened = shop.open(target, create=new, wizard=new and not screenshots_dir)
    if not opened:
        return 1
    try:
        if screenshots_dir:
            for path in take_screenshots(shop, Path(screenshots_dir)):
                print(path)
            return 0
        QTimer.singleShot(0, lambda: None)
        return int(app.exec())
    finally:
        shop.close()
