"""The clerk's day in the window: an order typed at the keyboard leaves a pending line; stock
arrives; the Orders tab shows the order served and invoiced after the change signal."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from app.queries.orders import order_detail
from tests.gui._shop import BAD_EAN, HAMMER_EAN, row_by_number, small_shop
from ui.dialogs.order_dialog import OrderDialog
from ui.dialogs.receive_dialog import ReceiveDialog
from ui.main_window import MainWindow

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("propagateSizeHints"),
]


@pytest.fixture
def window(qtbot, db):  # type: ignore[no-untyped-def]
    small_shop(db)
    win = MainWindow(db)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.ops.wait()


def type_line(qtbot, dialog: OrderDialog, text: str, qty: int | None = None) -> None:  # type: ignore[no-untyped-def]
    if qty is not None:
        dialog.qty.setFocus()
        dialog.qty.selectAll()
        qtbot.keyClicks(dialog.qty, str(qty))
    dialog.product.setFocus()
    qtbot.keyClicks(dialog.product, text)
    qtbot.keyClick(dialog.product, Qt.Key.Key_Return)


def new_order_dialog(qtbot, win: MainWindow) -> OrderDialog:  # type: ignore[no-untyped-def]
    dialog = OrderDialog(win.db, win.ops, win.events, win)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_keyboard_order_pending_then_served_by_a_receipt(qtbot, qtmodeltester, window):  # type: ignore[no-untyped-def]
    orders = window.orders_tab
    assert orders.model.rowCount() == 0

    dialog = new_order_dialog(qtbot, window)
    qtbot.keyClicks(dialog.customer, "ACME")
    qtbot.keyClick(dialog.customer, Qt.Key.Key_Return)
    assert dialog.customer_name.text() == "Acme Builders"
    type_line(qtbot, dialog, "HAM-450", qty=10)
    type_line(qtbot, dialog, "SCR-PH2")
    type_line(qtbot, dialog, "scr-ph2")  # the same SKU again: the line grows, no new line
    assert [(line.sku, line.qty) for line in dialog.lines.lines] == [("HAM-450", "10"),
                                                                     ("SCR-PH2", "2")]
    # live stock per line: 6 hammers on the shelf, 4 will wait
    qtbot.waitUntil(lambda: dialog.lines.index(0, 6).data() == "6 now, 4 pending")
    assert dialog.lines.index(1, 6).data() == "2 now"
    # totals with tax: 10 x 14.90 + 2 x 4.50 = 158.00 net, 19 % tax 30.02
    assert "158.00" in dialog.totals.text() and "30.02" in dialog.totals.text()
    assert "188.02" in dialog.totals.text()
    qtmodeltester.check(dialog.lines)

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    number = dialog.result.number
    assert dialog.result_message.startswith(f"{number}: 8 delivered and invoiced (INV-")
    assert dialog.result_message.endswith(", 4 pending.")

    # the Orders tab re-queried on the change signal
    qtbot.waitUntil(lambda: row_by_number(orders, number) is not None)
    row = row_by_number(orders, number)
    assert (row.status, row.qty_pending) == ("partial", 4)
    shown = [orders.model.index(0, c).data() for c in range(orders.model.columnCount())]
    assert shown[0] == number and shown[4] == "Partly delivered" and shown[6] == "4"
    qtmodeltester.check(orders.model)

    # stock arrives on the Stock tab
    window.tabs.setCurrentIndex(1)
    receive = ReceiveDialog(window.db, window.ops, window.events, "HAM-450", window)
    qtbot.addWidget(receive)
    receive.show()
    receive.qty.setValue(10)
    receive.cost.setText("8.50")
    receive.supplier.setText("TOOLCO")
    button = next(b for b in receive.buttons.buttons() if b.text() == "&Receive")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: receive.result is not None, timeout=10_000)
    assert receive.result_message.startswith("Received 10 units (GR-")
    assert "1 pending order served, 1 invoice issued." in receive.result_message

    # back on Orders: the row changed after the refresh
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: row_by_number(orders, number).status == "done")
    row = row_by_number(orders, number)
    assert row.qty_pending == 0
    assert orders.model.index(0, 4).data() == "Done"
    with window.db.read() as session:
        detail = order_detail(session, number)
    assert len([d for d in detail.documents if d.kind == "invoice"]) == 2


def test_a_scanned_barcode_adds_the_product_and_a_bad_one_is_explained(qtbot, window):  # type: ignore[no-untyped-def]
    dialog = new_order_dialog(qtbot, window)
    type_line(qtbot, dialog, BAD_EAN)
    assert dialog.lines.lines == []
    assert "not a valid barcode" in dialog.product_problem.text()
    assert dialog.product_problem.isVisible()
    dialog.product.clear()
    type_line(qtbot, dialog, HAMMER_EAN)
    type_line(qtbot, dialog, HAMMER_EAN)
    assert [(line.sku, line.qty) for line in dialog.lines.lines] == [("HAM-450", "2")]
    assert not dialog.product_problem.isVisible()
    type_line(qtbot, dialog, "no such thing")
    assert "No product matches 'no such thing'" in dialog.product_problem.text()


def test_a_refusal_stays_in_the_dialog_with_the_input(qtbot, window):  # type: ignore[no-untyped-def]
    dialog = new_order_dialog(qtbot, window)
    qtbot.keyClicks(dialog.customer, "NOBODY")
    type_line(qtbot, dialog, "HAM-450", qty=3)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
    assert dialog.error.text() == "There is no customer with code 'NOBODY'."
    assert dialog.isVisible() and dialog.result is None
    assert [(line.sku, line.qty) for line in dialog.lines.lines] == [("HAM-450", "3")]
    assert dialog.save_button.isEnabled()

    # an edited quantity the service refuses: the sentence names the line
    dialog.customer.setText("ACME")
    dialog.lines.setData(dialog.lines.index(0, 2), "0")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "HAM-450" in dialog.error.text(), timeout=10_000)
    assert dialog.result is None


def test_editing_a_cell_updates_net_stock_and_totals(qtbot, window):  # type: ignore[no-untyped-def]
    dialog = new_order_dialog(qtbot, window)
    type_line(qtbot, dialog, "HAM-450")
    view = dialog.table
    view.setCurrentIndex(dialog.lines.index(0, 2))
    dialog.activateWindow()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_7)  # any key starts editing the quantity
    editor = view.viewport().findChild(QLineEdit)
    assert editor is not None and editor.text() == "7"
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next event loop turn
    qtbot.waitUntil(lambda: dialog.lines.lines[0].qty == "7")
    qtbot.waitUntil(lambda: dialog.lines.index(0, 6).data() == "6 now, 1 pending")
    dialog.lines.setData(dialog.lines.index(0, 4), "10")  # 10 % discount
    assert dialog.lines.index(0, 5).data() == "€93.87"  # 7 x 14.90 x 0.9 = 93.87
    dialog.ship_complete.setChecked(True)
    assert dialog.lines.index(0, 6).data() == "0 now, 7 pending"


def test_shortcuts_and_tabs(qtbot, window):  # type: ignore[no-untyped-def]
    assert window.windowTitle() == "ShopDesk — My Shop"
    assert window.size().width() == 1280 and window.size().height() == 800
    titles = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert titles == ["Orders", "Stock", "Returns", "Profit", "Purchases", "Exceptions"]
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.stock_tab.search.hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 0
    assert str(window.db.path) in window.shop_label.text()
