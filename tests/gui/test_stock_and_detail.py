"""Stock tab (low stock, moves pane, receive / adjust / mark defective) and the order detail
(lines with queue places, documents that open, cancel pending, record payment)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app import services
from tests.gui._shop import small_shop
from ui.dialogs.document_view import DocumentView
from ui.dialogs.order_detail import CancelPendingDialog, OrderDetailDialog, PaymentDialog
from ui.dialogs.receive_dialog import AdjustDialog, DefectiveDialog
from ui.events import ShopEvents
from ui.models.table import ROW_ROLE
from ui.ops import Ops
from ui.tabs.stock_tab import LOW, StockTab

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("propagateSizeHints"),
]


@pytest.fixture
def kit(db):  # type: ignore[no-untyped-def]
    small_shop(db)
    events, ops = ShopEvents(), Ops()
    yield db, events, ops
    ops.wait()


def press(dialog, text: str, qtbot) -> None:  # type: ignore[no-untyped-def]
    button = next(b for b in dialog.findChildren(QDialogButtonBox)[0].buttons()
                  if b.text().replace("&", "") == text)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def stock_rows(tab: StockTab) -> dict[str, object]:
    proxy = tab.view.model()
    return {proxy.index(r, 0).data(): proxy.index(r, 0).data(ROW_ROLE)
            for r in range(proxy.rowCount())}


def test_stock_tab_shows_levels_moves_and_serves_a_receipt(qtbot, qtmodeltester, kit):  # type: ignore[no-untyped-def]
    db, events, ops = kit
    services.create_order(db, "ACME", [services.LineInput("HAM-450", 8)])
    tab = StockTab(db, events, ops)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    tab.show()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3)
    rows = stock_rows(tab)
    hammer = rows["HAM-450"]
    assert (hammer.on_hand, hammer.available, hammer.fifo_value) == (0, 0, Decimal("0.00"))
    hammer_row = next(r for r in range(tab.model.rowCount())
                      if tab.model.row_at(r).sku == "HAM-450")
    assert tab.model.index(hammer_row, 0).data(Qt.ItemDataRole.BackgroundRole).color() == LOW
    screws = next(r for r in range(tab.model.rowCount()) if tab.model.row_at(r).sku == "SCR-PH2")
    assert tab.model.index(screws, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    qtmodeltester.check(tab.model)

    assert tab.select_sku("HAM-450")
    qtbot.waitUntil(lambda: tab.moves.rowCount() == 2)  # the receipt, then the delivery
    assert [tab.moves.row_at(r).kind for r in range(2)] == ["delivery", "receipt"]
    assert tab.moves.index(0, 6).data().startswith("DN-")
    qtmodeltester.check(tab.moves)

    # search as you type
    qtbot.keyClicks(tab.search, "screw")
    qtbot.waitUntil(lambda: list(stock_rows(tab)) == ["SCR-PH2"])
    tab.search.clear()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3)

    # a receipt through the dialog: the summary says what the automatic execution did
    from ui.dialogs.receive_dialog import ReceiveDialog

    dialog = ReceiveDialog(db, ops, events, "HAM-450", tab)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.cost.text() == ""  # no layer left to propose a cost from
    dialog.qty.setValue(5)
    dialog.cost.setText("abc")
    press(dialog, "Receive", qtbot)
    assert dialog.error.isVisible() and dialog.error.text().startswith("Unit cost:")
    dialog.cost.setText("9.00")
    press(dialog, "Receive", qtbot)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    assert dialog.result_message == (f"Received 5 units ({dialog.result.number}). "
                                     "1 pending order served, 1 invoice issued.")
    qtbot.waitUntil(lambda: stock_rows(tab)["HAM-450"].on_hand == 3)
    assert stock_rows(tab)["HAM-450"].fifo_value == Decimal("27.00")


def test_adjust_and_mark_defective_refuse_with_a_sentence_and_keep_the_input(qtbot, kit):  # type: ignore[no-untyped-def]
    db, events, ops = kit
    seen = []
    events.changed.connect(seen.append)
    dialog = DefectiveDialog(db, ops, events, "SCR-PH2")
    qtbot.addWidget(dialog)
    dialog.show()
    assert "20 on hand" in dialog.stock_line.text()
    dialog.qty.setValue(25)
    dialog.reason.setText("dropped")
    press(dialog, "Mark defective", qtbot)
    qtbot.waitUntil(dialog.error.isVisible, timeout=10_000)
    assert "SCR-PH2" in dialog.error.text() and dialog.result is None
    assert dialog.qty.value() == 25 and dialog.reason.text() == "dropped" and not seen
    dialog.qty.setValue(2)
    press(dialog, "Mark defective", qtbot)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    assert dialog.result_message.startswith("2 × SCR-PH2 moved to defective stock; write")
    assert seen and seen[-1].stock

    adjust = AdjustDialog(db, ops, events, "SCR-PH2")
    qtbot.addWidget(adjust)
    adjust.show()
    adjust.change.setValue(-3)
    press(adjust, "Adjust", qtbot)  # no reason given
    qtbot.waitUntil(adjust.error.isVisible, timeout=10_000)
    adjust.reason.setText("stock count")
    press(adjust, "Adjust", qtbot)
    qtbot.waitUntil(lambda: adjust.result is not None, timeout=10_000)
    assert adjust.result_message.startswith("SCR-PH2: stock changed by -3 (ADJ-")
    assert adjust.result_message.endswith("; 15 on hand.")


def test_order_detail_lines_documents_cancel_and_payment(qtbot, qtmodeltester, kit):  # type: ignore[no-untyped-def]
    db, events, ops = kit
    first = services.create_order(db, "ACME", [services.LineInput("HAM-450", 4)]).number
    order = services.create_order(
        db, "ACME", [services.LineInput("HAM-450", 5), services.LineInput("SCR-PH2", 2)]).number
    detail = OrderDetailDialog(db, ops, events, order)
    qtbot.addWidget(detail)
    detail.show()
    lines = {detail.lines_model.row_at(r).sku: detail.lines_model.row_at(r)
             for r in range(detail.lines_model.rowCount())}
    assert (lines["HAM-450"].delivered, lines["HAM-450"].pending) == (2, 3)
    assert lines["HAM-450"].queue_position == 1  # the first order took 4 and is done
    assert (lines["SCR-PH2"].delivered, lines["SCR-PH2"].invoiced) == (2, 2)
    assert "Partly delivered" in detail.header.text() and "Acme Builders" in detail.header.text()
    kinds = [detail.docs_model.row_at(r).kind for r in range(detail.docs_model.rowCount())]
    assert kinds.count("invoice") == 1 and kinds.count("delivery") == 1
    assert "Margin" in detail.profit.text()
    for model in (detail.lines_model, detail.docs_model, detail.served_model):
        qtmodeltester.check(model)
    assert first != order

    # double-click a document: its chain opens
    invoice_row = kinds.index("invoice")
    detail.tabs.setCurrentIndex(1)
    detail.docs_view.selectRow(invoice_row)
    detail.open_selected_document()
    qtbot.waitUntil(lambda: bool(detail.findChildren(DocumentView)))
    view = detail.findChildren(DocumentView)[0]
    chain = [view.model.row_at(r).number for r in range(view.model.rowCount())]
    assert order in chain and view.number in chain
    view.close()

    # cancel what waits, with a reason
    cancel = CancelPendingDialog(db, ops, events, detail.detail, detail)
    qtbot.addWidget(cancel)
    cancel.show()
    cancel.sku.setCurrentIndex(cancel.sku.findData("HAM-450"))
    press(cancel, "Cancel pending", qtbot)  # no reason: refused, in the dialog
    qtbot.waitUntil(cancel.error.isVisible, timeout=10_000)
    cancel.reason.setText("customer found them elsewhere")
    press(cancel, "Cancel pending", qtbot)
    qtbot.waitUntil(lambda: bool(cancel.result_message), timeout=10_000)
    assert cancel.result_message == f"{order}: 3 pending units cancelled."
    qtbot.waitUntil(lambda: "Done" in detail.header.text())  # the detail re-read on the signal

    # record a payment for its invoice: the open amount is proposed
    invoice = next(d.number for d in detail.detail.documents if d.kind == "invoice")
    pay = PaymentDialog(db, ops, events, [invoice], detail)
    qtbot.addWidget(pay)
    pay.show()
    assert pay.amount.text() == "46.17"  # 2 x 14.90 + 2 x 4.50 = 38.80 net, 7.37 tax
    pay.amount.setText("20")
    press(pay, "Record payment", qtbot)
    qtbot.waitUntil(lambda: bool(pay.result_message), timeout=10_000)
    assert pay.result_message == f"Payment of €20.00 recorded on {invoice}; €26.17 still open."
