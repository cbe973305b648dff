"""Two or more users: the program asks who is working; a clerk sees no profit."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app import audit
from app.users import add_user
from ui.dialogs.login_dialog import LoginDialog, who_is_working


def test_a_single_user_shop_asks_nobody(db):
    add_user(db, "anna", "owner", "4711")
    user = who_is_working(db)
    assert user is not None and (user.name, user.role) == ("anna", "owner")
    assert audit.current_user() == "anna"


def test_a_wrong_pin_is_a_sentence_in_the_dialog_and_the_right_one_logs_in(db, qtbot):
    add_user(db, "anna", "owner", "4711")
    add_user(db, "carl", "clerk", "1234")
    dialog = LoginDialog(db)
    qtbot.addWidget(dialog)
    dialog.name.setCurrentText("carl")
    qtbot.keyClicks(dialog.pin, "9999")
    dialog._try()
    assert dialog.user is None and dialog.error.text()
    dialog.pin.clear()
    qtbot.keyClicks(dialog.pin, "1234")
    dialog._try()
    assert dialog.user is not None and dialog.user.role == "clerk"


def test_a_clerk_sees_no_profit_tab_and_no_margin(db, db_path, qtbot):
    from ui.app import ShopApp

    add_user(db, "anna", "owner", "4711")
    add_user(db, "carl", "clerk", "1234")

    def answer() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, LoginDialog) and w.isVisible())
        dialog.name.setCurrentText("carl")
        dialog.pin.setText("1234")
        dialog._try()

    shop = ShopApp(QApplication.instance())
    QTimer.singleShot(200, answer)
    assert shop.open(str(db_path))
    window = shop.window
    qtbot.addWidget(window)
    titles = {window.tabs.tabText(i).replace("&", ""): window.tabs.isTabVisible(i)
              for i in range(window.tabs.count())}
    assert titles["Profit"] is False and titles["Orders"] is True
    assert "carl" in window.windowTitle()
    shop.close()


def test_a_change_made_elsewhere_reaches_the_open_window(db, db_path, qtbot):
    """Another window (or seat) sells: the poll notices and the tabs are told."""
    from app import services
    from ui.app import ShopApp

    shop = ShopApp(QApplication.instance())
    assert shop.open(str(db_path))
    qtbot.addWidget(shop.window)
    heard = []
    qtbot.waitUntil(lambda: not shop.ops.busy)  # the tabs' first queries are done
    shop.events.changed.connect(heard.append)
    shop._poll_others()
    assert heard == []  # nothing new yet
    services.add_product(db, "Z", "Zipper", "1.00")
    services.receive_stock(db, "Z", 5, "0.40")  # written by "another window": the test's db
    qtbot.waitUntil(lambda: not shop.ops.busy)
    shop._poll_others()
    assert len(heard) == 1
    shop.close()


def test_closing_the_program_leaves_a_backup(db, db_path, qtbot):
    from db.backup import backups_dir, list_backups
    from ui.app import ShopApp

    shop = ShopApp(QApplication.instance())
    assert shop.open(str(db_path))
    qtbot.addWidget(shop.window)
    qtbot.waitUntil(lambda: not shop.ops.busy)
    shop.close()
    reasons = [reason for _, reason, _ in list_backups(backups_dir(db_path), db_path.stem)]
    assert reasons == ["on-close"]
