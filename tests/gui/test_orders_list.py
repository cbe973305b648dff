"""The Orders list over 2,000 orders (the benchmark's loader writes exactly what the services
write): every filter and header sort gives what the same SQL-free reasoning over all rows gives."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt

from app.queries.orders import OrderFilter, order_ids, order_rows
from db.session import Database
from tests.bench.shop import Plan, bulk_load, master_data, new_shop
from ui.tabs.orders_tab import ORDER_COLUMNS, SEARCH_DEBOUNCE_MS, OrdersTab

pytestmark = [
    pytest.mark.gui,
    pytest.mark.slow,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("propagateSizeHints"),
]
SIZE = 2000


@pytest.fixture(scope="module")
def big_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("orders2000")
    plan = Plan(SIZE, seed=3)
    db = new_shop(folder, "shop")
    master_data(db, plan)
    bulk_load(db, plan, 0, SIZE)
    path = db.path
    db.dispose()
    assert path is not None
    return path


@pytest.fixture
def shop(big_shop: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    target = tmp_path / "shop.sqlite"
    shutil.copyfile(big_shop, target)
    db = Database("sqlite:///" + str(target))
    yield db
    db.dispose()


@pytest.fixture
def tab(qtbot, shop):  # type: ignore[no-untyped-def]
    from ui.events import ShopEvents
    from ui.ops import Ops

    widget = OrdersTab(shop, ShopEvents(), Ops())
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: widget.model.rowCount() == SIZE)
    return widget


def settle(qtbot, tab: OrdersTab) -> None:  # type: ignore[no-untyped-def]
    """The id list is queried off the GUI thread: wait for the newest one to show."""
    qtbot.waitUntil(lambda: not tab.loading, timeout=10_000)


def everything(db: Database):  # type: ignore[no-untyped-def]
    with db.read() as session:
        return order_rows(session, order_ids(session, OrderFilter()))


def shown(tab: OrdersTab) -> list[str]:
    return [tab.model.row_at(r).number for r in range(tab.model.rowCount())]


def test_the_list_holds_ids_and_fetches_rows_in_pages(qtbot, qtmodeltester, tab):  # type: ignore[no-untyped-def]
    model = tab.model
    assert model.rowCount() == SIZE
    assert tab.count.text() == "2,000 orders"
    assert len(model._cache) <= 2 * model.PAGE  # only what the view showed was fetched
    assert model.index(0, 0).data() == f"SO-{model.row_at(0).order_date.year}-{SIZE:05d}"
    qtmodeltester.check(model)


def test_search_as_you_type_waits_for_a_pause_then_filters(qtbot, tab, shop):  # type: ignore[no-untyped-def]
    rows = everything(shop)
    qtbot.keyClicks(tab.search, "Customer 17")
    assert tab.model.rowCount() == SIZE  # nothing yet: the search is debounced
    qtbot.waitUntil(lambda: tab.loading or tab.model.rowCount() < SIZE,
                    timeout=SEARCH_DEBOUNCE_MS + 1000)
    settle(qtbot, tab)
    expected = sorted((r.number for r in rows if "customer 17" in r.customer_name.lower()),
                      reverse=True)
    assert expected and shown(tab) == expected


def test_status_customer_and_date_filters_combine(qtbot, tab, shop):  # type: ignore[no-untyped-def]
    rows = everything(shop)
    partial = tab.status.findData("partial")
    tab.status.setCurrentIndex(partial)
    settle(qtbot, tab)
    want = [r.number for r in rows if r.status == "partial"]
    assert want and shown(tab) == sorted(want, reverse=True)

    customer = next(r.customer_code for r in rows if r.status == "partial")
    tab.customer.setText(customer)
    qtbot.keyClick(tab.customer, Qt.Key.Key_Return)
    settle(qtbot, tab)
    want = [r.number for r in rows if r.status == "partial" and r.customer_code == customer]
    assert want and shown(tab) == sorted(want, reverse=True)

    tab.status.setCurrentIndex(0)
    settle(qtbot, tab)
    days = sorted({r.order_date for r in rows})
    start, end = days[3], days[3] + timedelta(days=2)
    tab.date_from.setDate(QDate(start.year, start.month, start.day))
    tab.date_to.setDate(QDate(end.year, end.month, end.day))
    settle(qtbot, tab)
    want = [r.number for r in rows
            if r.customer_code == customer and start <= r.order_date <= end]
    assert shown(tab) == sorted(want, reverse=True)

    tab.clear_filters()
    settle(qtbot, tab)
    assert tab.model.rowCount() == SIZE


def test_clicking_headers_sorts_in_sql(qtbot, tab, shop):  # type: ignore[no-untyped-def]
    rows = everything(shop)
    header = tab.view.horizontalHeader()
    total = next(i for i, c in enumerate(ORDER_COLUMNS) if c.title == "Total")
    header.setSortIndicator(total, Qt.SortOrder.AscendingOrder)
    settle(qtbot, tab)
    amounts = [tab.model.row_at(r).gross_total for r in range(tab.model.rowCount())]
    assert amounts == sorted(r.gross_total for r in rows)
    header.setSortIndicator(total, Qt.SortOrder.DescendingOrder)
    settle(qtbot, tab)
    assert tab.model.row_at(0).gross_total == max(r.gross_total for r in rows)
    # a column without an SQL sort leaves the order (and the indicator) as it was
    project = next(i for i, c in enumerate(ORDER_COLUMNS) if c.title == "Project")
    header.setSortIndicator(project, Qt.SortOrder.AscendingOrder)
    assert header.sortIndicatorSection() == total
    assert tab.model.row_at(0).gross_total == max(r.gross_total for r in rows)
