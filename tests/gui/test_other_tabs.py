"""The Purchases, Returns, Profit and Exceptions tabs and their dialogs, driven as a clerk
would: typing, clicking, waiting for the writer thread, reading what the screens show."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.queries.invoices import invoice_row
from app.services.common import Changes, set_clock
from db.session import Database
from tests.scenarios.shop import Shop
from ui.dialogs.defective_dialog import DefectiveDialog
from ui.dialogs.payment_dialog import PaymentDialog
from ui.dialogs.purchase_dialog import PurchaseDialog
from ui.dialogs.purchase_receive_dialog import PurchaseReceiveDialog
from ui.dialogs.return_dialog import ReturnDialog
from ui.events import ShopEvents
from ui.ops import Ops
from ui.tabs.exceptions_tab import ExceptionsTab
from ui.tabs.profit_tab import ProfitTab
from ui.tabs.purchases_tab import PurchasesTab
from ui.tabs.returns_tab import ReturnsTab

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),  # the offscreen platform
]
D = Decimal
# the shop's history starts 120 days ago, so invoices are overdue and pending lines old today
START = date.today() - timedelta(days=120)


@pytest.fixture
def shop(db: Database) -> Iterator[Shop]:
    set_clock(lambda: datetime.combine(START, time(10, 0)))
    s = Shop(db)
    s.product("A", price="10.00")
    s.customer("ACME")
    s.customer("BOLT")
    s.supplier("TOOLCO")
    yield s
    set_clock(None)


@pytest.fixture
def ops(qtbot) -> Iterator[Ops]:  # type: ignore[no-untyped-def]
    ops = Ops()
    yield ops
    ops.wait()


@pytest.fixture
def events() -> ShopEvents:
    return ShopEvents()


def screenshot(widget: QWidget, name: str, tmp_path: Path) -> Path:
    """Saved beside the test, and in $SHOPDESK_SCREENSHOTS when set (to look at them)."""
    folder = Path(os.environ.get("SHOPDESK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    QApplication.processEvents()  # widgets added to a shown layout appear on the next loop
    assert widget.grab().save(str(path))
    return path


def show(qtbot, widget: QWidget) -> QWidget:  # type: ignore[no-untyped-def]
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    widget.show()
    return widget


def dialog_of(parent: QWidget, kind: type) -> QWidget:
    found = [d for d in parent.findChildren(kind) if d.isVisible()]
    assert len(found) == 1, f"expected one open {kind.__name__}"
    return found[0]


def cells(model, column: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [model.index(r, column).data() for r in range(model.rowCount())]


def double_click(qtbot, view, index) -> None:  # type: ignore[no-untyped-def]
    """A real double-click: item views need the press-release before the double press."""
    pos = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def type_into_spin(qtbot, spin, value: int) -> None:  # type: ignore[no-untyped-def]
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, str(value))


def test_purchase_received_in_part_serves_the_waiting_orders(
    qtbot, qtmodeltester, shop: Shop, events: ShopEvents, ops: Ops, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    first = shop.order("ACME", A=3)  # nothing on the shelf: both wait
    second = shop.order("BOLT", A=2)
    tab = show(qtbot, PurchasesTab(shop.db, events, ops))
    qtbot.waitUntil(lambda: "0 purchase orders" in tab.count.text())
    assert not tab.receive_button.isEnabled()

    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    dialog = dialog_of(tab, PurchaseDialog)
    qtbot.keyClicks(dialog.supplier.lineEdit(), "TOOLCO")
    qtbot.keyClicks(dialog.product, "A")
    type_into_spin(qtbot, dialog.qty, 5)
    qtbot.keyClicks(dialog.cost, "3.50")
    qtbot.keyClick(dialog.cost, Qt.Key.Key_Return)  # adds the line, does not save yet
    assert [(r.sku, r.qty, r.unit_cost, r.amount) for r in dialog.lines.rows] == [
        ("A", 5, D("3.50"), D("17.50"))
    ]
    assert dialog.isVisible() and dialog.number is None and dialog.total.text() == "Total: €17.50"
    qtmodeltester.check(dialog.lines)
    screenshot(dialog, "purchase_dialog", tmp_path)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    number = dialog.number
    assert number is not None and number.startswith("PO-")

    # the new purchase is listed and selected
    qtbot.waitUntil(lambda: tab.detail is not None and tab.detail.number == number)
    assert tab.model.rows[0].status == "open" and tab.receive_button.isEnabled()

    qtbot.mouseClick(tab.receive_button, Qt.MouseButton.LeftButton)
    receive = dialog_of(tab, PurchaseReceiveDialog)
    ((sku, spin),) = receive.spins
    assert (sku, spin.value(), spin.maximum()) == ("A", 5, 5)  # the open quantity by default
    type_into_spin(qtbot, spin, 4)
    qtbot.mouseClick(receive.receive_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: receive.result is not None)
    assert "Received 4 units" in receive.summary.text()
    assert "2 pending orders served, 2 invoices issued." in receive.summary.text()
    assert [(s.order_number, s.qty) for s in receive.served.rows] == [(first, 3), (second, 1)]
    qtmodeltester.check(receive.served)
    screenshot(receive, "receive_dialog", tmp_path)
    qtbot.mouseClick(receive.receive_button, Qt.MouseButton.LeftButton)  # now "Close"
    assert not receive.isVisible()

    # the lower pane: lines, receipts and what the receipt served
    qtbot.waitUntil(lambda: tab.detail is not None and tab.detail.status == "partly received")
    assert [(ln.ordered, ln.received, ln.open) for ln in tab.lines.rows] == [(5, 4, 1)]
    assert cells(tab.served, 1) == [first, second]
    assert [r.queue_position for r in tab.served.rows] == [1, 2]
    assert tab.receipts.rowCount() == 1
    tab.detail_tabs.setCurrentIndex(2)
    for model in (tab.model, tab.lines, tab.receipts, tab.served):
        qtmodeltester.check(model)
    screenshot(tab, "purchases_tab", tmp_path)

    # double-click on a served line opens its order
    index = tab.served_view.model().index(0, 1)
    with qtbot.waitSignal(tab.open_document) as opened:
        double_click(qtbot, tab.served_view, index)
    assert opened.args == [first]

    # the open-only filter and the search
    qtbot.mouseClick(tab.open_only, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "1 purchase order, 1 open" in tab.count.text())
    qtbot.keyClicks(tab.search, "nobody")
    qtbot.waitUntil(lambda: tab.model.rowCount() == 0)


def test_a_refused_purchase_keeps_the_dialog_and_its_lines(
    qtbot, shop: Shop, events: ShopEvents, ops: Ops
) -> None:  # type: ignore[no-untyped-def]
    shop.receive("A", 4, cost="2.25")
    tab = show(qtbot, PurchasesTab(shop.db, events, ops))
    dialog = tab.new_purchase()
    qtbot.keyClicks(dialog.supplier.lineEdit(), "TOOLCO")
    qtbot.keyClicks(dialog.product, "Product A")
    qtbot.waitUntil(lambda: dialog._hits.stringList() == ["A — Product A"])  # the search
    assert dialog.product.completer().popup().isVisible()
    # what choosing the suggestion does (the offscreen popup does not take synthetic clicks)
    dialog.product.setText("A — Product A")
    dialog._product_chosen(dialog.product.text())
    assert dialog.product.text() == "A — Product A"
    assert dialog.cost.text() == "2.25"  # the stock's average cost is proposed
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.for_order, "SO-2026-99999")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "SO-2026-99999" in dialog.error.text()
    assert dialog.isVisible() and len(dialog.lines.rows) == 1
    assert dialog.save_button.isEnabled()


def test_defective_return_credit_note_write_off_and_profit(
    qtbot, qtmodeltester, shop: Shop, events: ShopEvents, ops: Ops, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    shop.receive("A", 10, cost="4.00")
    order = shop.order("ACME", A=4)  # delivered and invoiced: 40.00 net, 47.60 gross
    returns = show(qtbot, ReturnsTab(shop.db, events, ops))
    profit = show(qtbot, ProfitTab(shop.db, events, ops))
    qtbot.waitUntil(lambda: profit.report is not None and returns.count.text() == "0 returns")
    before = profit.report.totals
    assert (before.revenue, before.cogs, before.profit) == (D("40.00"), D("16.00"), D("24.00"))

    qtbot.mouseClick(returns.new_button, Qt.MouseButton.LeftButton)
    dialog = dialog_of(returns, ReturnDialog)
    qtbot.keyClicks(dialog.document, "INV-" + str(START.year) + "-00001")  # from the invoice
    qtbot.keyClick(dialog.document, Qt.Key.Key_Return)
    assert dialog.order == order
    assert not dialog.error.isVisible(), dialog.error.text()  # Enter only found the order
    spin = dialog.spins["A"]
    assert spin.maximum() == 4  # never more than is returnable
    type_into_spin(qtbot, spin, 9)
    assert spin.value() <= 4
    type_into_spin(qtbot, spin, 1)
    qtbot.mouseClick(dialog.defective, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.reason.lineEdit(), "faulty")
    screenshot(dialog, "return_dialog", tmp_path)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None)
    credit_note = f"CN-{START.year}-00001"
    assert dialog.result.credit_notes == [credit_note]
    assert credit_note in dialog.outcome.text() and "€11.90" in dialog.outcome.text()
    screenshot(dialog, "return_dialog_done", tmp_path)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # "Close"

    # the return with its credit note, and the defective unit waiting for a decision
    qtbot.waitUntil(lambda: returns.model.rowCount() == 1 and returns.defective.rowCount() == 1)
    row = returns.model.rows[0]
    assert (row.order, row.condition, row.qty, row.cost, row.credited, row.credit_notes) == (
        order,
        "defective",
        1,
        D("4.00"),
        D("11.90"),
        (credit_note,),
    )
    assert [(d.sku, d.qty, d.value) for d in returns.defective.rows] == [("A", 1, D("4.00"))]
    for model in (returns.model, returns.defective):
        qtmodeltester.check(model)
    screenshot(returns, "returns_tab", tmp_path)

    # profit: credit 10.00 net, the unit's cost came back (4.00) and was lost as defective
    qtbot.waitUntil(lambda: profit.report.totals.credits == D("10.00"))
    after = profit.report.totals
    assert (after.returned_cost, after.defective_loss, after.profit) == (
        D("4.00"),
        D("4.00"),
        D("14.00"),
    )

    # write the unit off
    returns.defective_view.selectRow(0)
    qtbot.mouseClick(returns.write_off_button, Qt.MouseButton.LeftButton)
    write_off = dialog_of(returns, DefectiveDialog)
    assert write_off.qty.maximum() == 1
    qtbot.mouseClick(write_off.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: returns.defective.rowCount() == 0)
    assert returns.defective_total.text() == "No defective stock."
    assert not returns.write_off_button.isEnabled()
    assert profit.report.totals.profit == D("14.00")  # the loss was counted at the return


def test_defective_goods_back_to_the_supplier_are_a_recovery(
    qtbot, shop: Shop, events: ShopEvents, ops: Ops
) -> None:  # type: ignore[no-untyped-def]
    shop.receive("A", 10, cost="4.00")
    order = shop.order("ACME", A=4)
    shop.give_back(order, "defective", A=2)
    returns = show(qtbot, ReturnsTab(shop.db, events, ops))
    profit = show(qtbot, ProfitTab(shop.db, events, ops))
    qtbot.waitUntil(lambda: returns.defective.rowCount() == 1 and profit.report is not None)
    assert profit.report.totals.profit == D("4.00")  # 40 - 20 credited - 16 + 8 - 8

    qtbot.mouseClick(returns.supplier_button, Qt.MouseButton.LeftButton)
    dialog = dialog_of(returns, DefectiveDialog)
    type_into_spin(qtbot, dialog.qty, 1)
    assert dialog.supplier.currentText() == ""  # the goods came without a supplier
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # no supplier chosen yet
    assert dialog.isVisible() and "supplier" in dialog.error.text()
    qtbot.keyClicks(dialog.supplier.lineEdit(), "TOOLCO")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert (dialog.result.recovered, dialog.result.qty) == (D("4.00"), 1)
    qtbot.waitUntil(lambda: profit.report.totals.recoveries == D("4.00"))
    assert profit.report.totals.profit == D("8.00")
    qtbot.waitUntil(lambda: [d.qty for d in returns.defective.rows] == [1])


def test_profit_tab_by_product_and_month_with_chart_and_totals(
    qtbot, qtmodeltester, shop: Shop, events: ShopEvents, ops: Ops, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    shop.product("B", price="25.00")
    shop.receive("A", 10, cost="4.00")
    shop.receive("B", 5, cost="20.00")
    shop.order("ACME", A=2, B=1)
    shop.order("BOLT", B=3)
    tab = show(qtbot, ProfitTab(shop.db, events, ops))
    qtbot.waitUntil(lambda: tab.report is not None)
    tab.by.setCurrentIndex([tab.by.itemData(i) for i in range(tab.by.count())].index("product"))
    qtbot.waitUntil(lambda: tab.report.by == "product")
    assert [(r.key, r.revenue, r.cogs, r.profit) for r in tab.model.rows] == [
        ("A", D("20.00"), D("8.00"), D("12.00")),
        ("B", D("100.00"), D("80.00"), D("20.00")),
    ]
    assert tab.totals.index(0, 8).data() == "€32.00"
    tab.view.sortByColumn(8, Qt.SortOrder.DescendingOrder)  # a click on "Profit"
    assert [r.key for r in tab.model.rows] == ["B", "A"]
    tab.refresh()  # new figures keep the chosen order
    qtbot.waitUntil(
        lambda: tab.seconds is not None and [r.key for r in tab.model.rows] == ["B", "A"]
    )
    assert tab.model.headerData(0, Qt.Orientation.Horizontal) == "SKU"
    assert [label for label, _ in tab.chart.bars] == ["B Product B", "A Product A"]  # by profit
    for model in (tab.model, tab.totals):
        qtmodeltester.check(model)
    screenshot(tab, "profit_tab", tmp_path)

    tab.period.setCurrentText("Last month")  # nothing sold then (the sales are 120 days old)
    qtbot.waitUntil(lambda: tab.report.date_from is not None and not tab.report.rows)
    assert tab.report.totals.profit == D("0")


def test_profit_export_writes_a_workbook(
    qtbot, shop: Shop, events: ShopEvents, ops: Ops, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    shop.receive("A", 10, cost="4.00")
    shop.order("ACME", A=2)
    tab = show(qtbot, ProfitTab(shop.db, events, ops))
    target = tmp_path / "profit.xlsx"
    tab.export_to(str(target))
    assert not tab.export_button.isEnabled()  # busy while it writes
    qtbot.waitUntil(lambda: tab.export_button.isEnabled(), timeout=20_000)
    assert tab.status.text() == "Saved profit.xlsx"
    from openpyxl import load_workbook

    sheet = load_workbook(target)["Profit by order"]
    assert sheet["A2"].value.startswith("SO-") and sheet["C2"].value == 20


def test_exceptions_list_overdue_invoice_and_old_pending_line(
    qtbot, qtmodeltester, shop: Shop, events: ShopEvents, ops: Ops, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    shop.receive("A", 2, cost="4.00")
    shop.order("ACME", A=2)  # invoiced 120 days ago: overdue
    waiting = shop.order("BOLT", A=3)  # still pending 120 days later
    tab = show(qtbot, ExceptionsTab(shop.db, events, ops))
    qtbot.waitUntil(lambda: tab.model.rowCount() > 0)
    model = tab.model
    groups = {model.index(r, 0).data(): model.index(r, 0) for r in range(model.rowCount())}
    assert "Overdue invoice (1)" in groups and "Pending too long (1)" in groups
    overdue = groups["Overdue invoice (1)"]
    invoice = model.index(0, 0, overdue).data()
    assert invoice.startswith("INV-")
    age = (date.today() - (START + timedelta(days=30))).days
    assert model.index(0, 2, overdue).data() == str(age)
    assert model.index(0, 3, overdue).data() == "€23.80"
    assert model.index(0, 0, groups["Pending too long (1)"]).data() == waiting
    qtmodeltester.check(model)
    screenshot(tab, "exceptions_tab", tmp_path)

    # one double-click from the document to fix
    index = model.index(0, 1, overdue)
    tab.view.scrollTo(index)
    with qtbot.waitSignal(tab.open_document) as opened:
        double_click(qtbot, tab.view, index)
    assert opened.args == [invoice]

    # the kind filter, and the tab follows changes: paying the invoice settles it
    tab.kind.setCurrentIndex(tab.kind.findData("overdue_invoice"))
    assert tab.model.rowCount() == 1
    shop.pay(invoice, "23.80")
    events.emit_changes(None)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 0)


def test_payment_dialog_defaults_to_the_open_amount_and_refuses_too_much(
    qtbot, shop: Shop, events: ShopEvents, ops: Ops, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    shop.receive("A", 5, cost="4.00")
    shop.order("ACME", A=5)  # 59.50 gross
    number = f"INV-{START.year}-00001"
    parent = show(qtbot, QWidget())
    dialog = PaymentDialog(shop.db, ops, events, number, parent)
    dialog.open()
    assert dialog.amount.text() == "59.50" and "open €59.50" in dialog.details.text()
    screenshot(dialog, "payment_dialog", tmp_path)
    dialog.amount.clear()
    qtbot.keyClicks(dialog.amount, "60")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "too much" in dialog.error.text() and dialog.isVisible()
    assert dialog.amount.text() == "60"  # the input is kept
    dialog.amount.clear()
    qtbot.keyClicks(dialog.amount, "50")
    with qtbot.waitSignal(events.changed):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    with shop.db.read() as session:
        row = invoice_row(session, number)
    assert (row.paid, row.open) == (D("50.00"), D("9.50"))


def test_payment_dialog_lists_open_invoices(
    qtbot, shop: Shop, events: ShopEvents, ops: Ops
) -> None:  # type: ignore[no-untyped-def]
    shop.receive("A", 5, cost="4.00")
    shop.order("ACME", A=1)
    shop.order("BOLT", A=2)
    parent = show(qtbot, QWidget())
    dialog = PaymentDialog(shop.db, ops, events, None, parent)
    assert dialog.number.count() == 2
    dialog.number.setCurrentIndex(dialog.number.findData(f"INV-{START.year}-00002"))
    assert dialog.amount.text() == "23.80"


def test_hidden_tabs_wait_until_shown(qtbot, shop: Shop, events: ShopEvents, ops: Ops) -> None:  # type: ignore[no-untyped-def]
    tab = ReturnsTab(shop.db, events, ops)
    qtbot.addWidget(tab)
    shop.receive("A", 5, cost="4.00")
    events.emit_changes(None)
    assert tab.model.rowCount() == 0 and tab._stale  # not shown: nothing queried yet
    shop.order("ACME", A=1)
    shop.give_back(f"SO-{START.year}-00001", "defective", A=1)
    tab.show()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1)


def test_tabs_requery_only_for_changes_that_concern_them(
    qtbot, shop: Shop, events: ShopEvents, ops: Ops
) -> None:  # type: ignore[no-untyped-def]
    purchases = show(qtbot, PurchasesTab(shop.db, events, ops))
    profit = show(qtbot, ProfitTab(shop.db, events, ops))
    qtbot.waitUntil(lambda: profit.report is not None)
    ops.wait()
    calls: list[str] = []
    purchases.refresh = lambda: calls.append("purchases")  # type: ignore[method-assign]
    profit.refresh = lambda: calls.append("profit")  # type: ignore[method-assign]
    events.emit_changes(Changes(invoices=True))  # a payment
    assert calls == ["profit"]
    events.emit_changes(Changes(purchases=True, stock=True))  # a new purchase order
    assert calls == ["profit", "purchases"]


def test_cancelling_a_purchase_after_confirmation(
    qtbot, monkeypatch, shop: Shop, events: ShopEvents, ops: Ops
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    number = shop.purchase("TOOLCO", A=(5, "3.00"))
    tab = show(qtbot, PurchasesTab(shop.db, events, ops))
    qtbot.waitUntil(lambda: tab.select(number))
    asked: list[str] = []

    def answer(_parent, _title, text, *args):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    qtbot.mouseClick(tab.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.detail is not None and tab.detail.status == "cancelled")
    assert number in asked[0]
    assert not tab.receive_button.isEnabled() and not tab.cancel_button.isEnabled()
    assert [(ln.ordered, ln.open) for ln in tab.lines.rows] == [(5, 0)]
