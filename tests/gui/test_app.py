"""Start-up: `shopdesk gui --screenshots`, the demo shop on the very first start, a missing tab
module shown as a placeholder, the status bar's shop and busy indicator."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.cli import main as cli_main
from tests.gui._shop import small_shop
from ui import app as gui_app
from ui import main_window
from ui.main_window import MainWindow, Placeholder

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("propagateSizeHints"),
]


def test_screenshots_command_saves_one_png_per_tab(qtbot, db, db_path, tmp_path):  # type: ignore[no-untyped-def]
    small_shop(db)
    db.dispose()
    folder = tmp_path / "shots"
    assert cli_main(["--db", str(db_path), "gui", "--screenshots", str(folder)]) == 0
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["exceptions.png", "orders.png", "profit.png", "purchases.png",
                     "returns.png", "stock.png"]
    image = QImage(str(folder / "stock.png"))
    assert (image.width(), image.height()) == (1280, 800)


def test_first_start_opens_a_demo_shop_with_a_way_out(qtbot, qapp, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SHOPDESK_DB", raising=False)
    monkeypatch.setattr(gui_app, "default_data_dir", lambda: tmp_path)
    monkeypatch.setattr(gui_app, "DEMO_ORDERS", 12)
    assert gui_app.wants_demo(None) and not gui_app.wants_demo(str(tmp_path / "x.sqlite"))
    shop = gui_app.ShopApp(qapp)
    path = gui_app.demo_path()
    assert gui_app.build_demo_shop(path, shop.ops)
    assert path.exists() and not list(tmp_path.glob("*-building*"))
    assert shop.open(str(path), demo=True)
    window = shop.window
    qtbot.addWidget(window)
    assert window.windowTitle() == "ShopDesk — Demo shop"
    assert window.shop_label.text() == f"Demo shop · {path}"
    assert window.start_button.text() == "Start my own shop…"
    qtbot.waitUntil(lambda: window.orders_tab.model.rowCount() == 12)

    # File > New shop: an empty shop of one's own replaces the demo in a new window
    target = tmp_path / "mine.sqlite"
    monkeypatch.setattr(main_window.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    monkeypatch.setattr("ui.main_window._optional", _without_wizard(main_window._optional))
    window.new_shop()
    assert shop.window is not window and target.exists()
    qtbot.addWidget(shop.window)
    assert shop.window.windowTitle() == "ShopDesk — My Shop"
    assert not shop.window.demo and shop.window.orders_tab.model.rowCount() == 0
    shop.close()


def test_an_older_shop_is_upgraded_under_a_progress_window(qtbot, qapp, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A shop saved by an older version: opening it says what is happening while the backup
    and the schema upgrade run off the GUI thread, then opens as usual."""
    from sqlalchemy import text

    from app import services
    from db.migrate import SCHEMA_HEAD, current_revision, upgrade, upgrade_pending
    from db.session import Database

    monkeypatch.setattr(gui_app, "default_data_dir", lambda: tmp_path)
    path = tmp_path / "old.sqlite"
    old = Database("sqlite:///" + str(path))
    upgrade(old, "0004")
    services.add_customer(old, "C1", "Kept across the upgrade")
    assert upgrade_pending(old)
    old.dispose()
    shown: list[str] = []
    real = gui_app.QProgressDialog

    def recording(text, *args):  # type: ignore[no-untyped-def]
        shown.append(text)
        return real(text, *args)

    monkeypatch.setattr(gui_app, "QProgressDialog", recording)
    shop = gui_app.ShopApp(qapp)
    shop.screenshots = True  # nobody logs in
    assert shop.open(str(path))
    qtbot.addWidget(shop.window)
    assert shown and shown[0].startswith("Updating the shop's file")
    assert current_revision(shop.db) == SCHEMA_HEAD and not upgrade_pending(shop.db)
    assert list((tmp_path / "backups").glob("old-before-upgrade-*.sqlite"))
    with shop.db.read() as session:
        assert session.execute(text("SELECT name FROM customer")).scalars().all() == [
            "Kept across the upgrade"]
    shop.close()


def _without_wizard(real):  # type: ignore[no-untyped-def]
    def optional(module: str, name: str):  # type: ignore[no-untyped-def]
        return None if name == "run_setup_wizard" else real(module, name)

    return optional


def test_a_missing_tab_module_shows_a_placeholder(qtbot, db, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(main_window, "TABS", [*main_window.TABS[:5],
                                              ("&Exceptions", "ui.tabs.no_such_tab", "NoTab")])
    window = MainWindow(db)
    qtbot.addWidget(window)
    assert isinstance(window.page(5), Placeholder)
    assert "coming soon" in window.page(5).findChildren(main_window.QLabel)[0].text()


def test_busy_indicator_follows_ops(qtbot, db):  # type: ignore[no-untyped-def]
    import threading

    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    release = threading.Event()
    window.ops.write(window, lambda: release.wait(10))
    qtbot.waitUntil(lambda: window.busy_bar.isVisible())
    release.set()
    qtbot.waitUntil(lambda: not window.busy_bar.isVisible())
    assert Path(str(db.path)).name in window.shop_label.text()
