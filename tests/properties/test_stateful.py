"""Random days in the shop: any sequence of use cases leaves a shop that adds up.

Hypothesis drives receipts, orders (several lines, promised dates, ship-complete), purchases
received in parts, returns, disposals, payments, cancellations, stock counts and switches of
the tax rounding and fulfilment modes. After every step `shopdesk check` must pass and a few
figures are recomputed independently: units are conserved (what came in is on the shelf, in
the defective corner, at customers, or gone), payments made equal payments booked, numbers are
gapless, and the invoiced net reconciles with the lines.

SHOPDESK_PROPERTY_EXAMPLES raises the number of random shops (default keeps the run ~1 min).
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from app import services
from app.errors import Conflict
from app.queries.check import run_checks
from app.services import LineInput, PurchaseLineInput
from app.services.common import set_clock
from db.models import (
    CreditNote,
    Invoice,
    Product,
    PurchaseLine,
    PurchaseOrder,
    SalesOrder,
    SalesOrderLine,
)
from db.session import Database

TODAY = date(2026, 3, 2)
SKUS = ("A", "B", "C")
PRICES = {"A": ("10.00", "19"), "B": ("0.03", "19"), "C": ("1.50", "7")}
COSTS = ("1.00", "2.50", "3.33", "0.01")
CUSTOMERS = ("ACME", "SLOW")  # SLOW wants its orders complete
EXAMPLES = int(os.environ.get("SHOPDESK_PROPERTY_EXAMPLES", "15"))
STEPS = 40


def seeded_shop(template: Path, folder: Path) -> Path:
    """The migrated template plus products, customers and a supplier: built once per run."""
    path = folder / "seeded.sqlite"
    shutil.copyfile(template, path)
    db = Database("sqlite:///" + str(path))
    try:
        for sku, (price, tax) in PRICES.items():
            services.add_product(db, sku, f"Product {sku}", price, tax)
        services.add_customer(db, "ACME", "Acme Ltd")
        services.add_customer(db, "SLOW", "Slow & Sure", ship_complete=True)
        services.add_supplier(db, "TOOLCO", "ToolCo")
    finally:
        db.dispose()
    return path


def _no_fsync(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # durability is tested in tests/reliability; here only the rules matter, so skip the fsyncs
    dbapi_conn.execute("PRAGMA synchronous=OFF")


class ShopDay(RuleBasedStateMachine):
    seed: Path
    folder: Path
    runs = 0

    def __init__(self) -> None:
        super().__init__()
        ShopDay.runs += 1
        path = self.folder / f"shop-{ShopDay.runs}.sqlite"
        shutil.copyfile(self.seed, path)
        self.path = path
        self.db = Database("sqlite:///" + str(path))
        event.listen(self.db.write_engine, "connect", _no_fsync)
        # the model: what the machine itself put in and took out, independent of the shop
        self.units_in: Counter[str] = Counter()
        self.units_gone: Counter[str] = Counter()
        self.paid = Decimal(0)
        self.cache: dict[object, list] = {}  # type: ignore[type-arg]  # candidates; cleared after each step

    def teardown(self) -> None:
        self.db.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)

    # -- looking around ----------------------------------------------------------------------

    def rows(self, stmt):  # type: ignore[no-untyped-def]
        with self.db.read() as s:
            return s.execute(stmt).all()

    def cached(self, key, find):  # type: ignore[no-untyped-def]
        """Preconditions ask for candidates before every step: ask the shop once per step."""
        if key not in self.cache:
            self.cache[key] = find()
        return self.cache[key]

    def stock(self, sku: str) -> tuple[int, int, int]:
        [(on_hand, allocated, defective)] = self.cached(("stock", sku), lambda: self.rows(
            select(Product.on_hand, Product.allocated, Product.defective).where(Product.sku == sku)
        ))
        return on_hand, allocated, defective

    # -- stock in ------------------------------------------------------------------------------

    @rule(sku=st.sampled_from(SKUS), qty=st.integers(1, 8), cost=st.sampled_from(COSTS))
    def receive(self, sku: str, qty: int, cost: str) -> None:
        services.receive_stock(self.db, sku, qty, cost)
        self.units_in[sku] += qty

    @rule(
        data=st.data(),
        lines=st.dictionaries(st.sampled_from(SKUS), st.integers(1, 6), min_size=1, max_size=2),
        cost=st.sampled_from(COSTS),
        back_to_back=st.booleans(),
    )
    def purchase(self, data, lines: dict[str, int], cost: str, back_to_back: bool) -> None:  # type: ignore[no-untyped-def]
        for_order = None
        if back_to_back:
            waiting = [n for (n,) in self.rows(
                select(SalesOrder.number).where(SalesOrder.status.in_(("pending", "partial")))
                .order_by(SalesOrder.id))]
            if waiting:
                for_order = data.draw(st.sampled_from(waiting), label="for_order")
        services.create_purchase(
            self.db, "TOOLCO", [PurchaseLineInput(s, q, cost) for s, q in lines.items()],
            for_order=for_order,
        )

    @precondition(lambda self: self.open_purchase_lines())
    @rule(data=st.data())
    def receive_part_of_a_purchase(self, data) -> None:  # type: ignore[no-untyped-def]
        number, sku, open_qty = data.draw(st.sampled_from(self.open_purchase_lines()), label="line")
        qty = data.draw(st.integers(1, open_qty), label="qty")
        services.receive_purchase(self.db, number, {sku: qty})
        self.units_in[sku] += qty

    def open_purchase_lines(self) -> list[tuple[str, str, int]]:
        return self.cached("purchases", lambda: [
            (number, sku, int(left))
            for number, sku, left in self.rows(
                select(PurchaseOrder.number, Product.sku,
                       func.sum(PurchaseLine.qty_ordered - PurchaseLine.qty_received))
                .join(PurchaseLine, PurchaseLine.purchase_order_id == PurchaseOrder.id)
                .join(Product, Product.id == PurchaseLine.product_id)
                .group_by(PurchaseOrder.number, Product.sku)
                .having(func.sum(PurchaseLine.qty_ordered - PurchaseLine.qty_received) > 0)
                .order_by(PurchaseOrder.number, Product.sku)
            )
        ])

    @rule(sku=st.sampled_from(SKUS), data=st.data())
    def count_stock(self, sku: str, data) -> None:  # type: ignore[no-untyped-def]
        on_hand, allocated, _ = self.stock(sku)
        free = on_hand - allocated
        change = data.draw(st.integers(-free, 5).filter(lambda c: c != 0), label="change")
        services.adjust_stock(self.db, sku, change, "stock count")
        if change > 0:
            self.units_in[sku] += change
        else:
            self.units_gone[sku] += -change

    # -- orders --------------------------------------------------------------------------------

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        lines=st.dictionaries(st.sampled_from(SKUS), st.integers(1, 6), min_size=1, max_size=3),
        days_ago=st.integers(0, 20),
        promised_in=st.none() | st.integers(0, 30),
        ship_complete=st.none() | st.booleans(),
        discount=st.sampled_from(("0", "10", "33.33")),
    )
    def order(self, customer, lines, days_ago, promised_in, ship_complete, discount) -> None:  # type: ignore[no-untyped-def]
        day = TODAY - timedelta(days=days_ago)
        promised = None if promised_in is None else day + timedelta(days=promised_in)
        services.create_order(
            self.db, customer, [LineInput(s, q, discount=discount) for s, q in lines.items()],
            order_date=day, promised=promised, ship_complete=ship_complete,
        )

    def order_lines(self, where) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
        return self.cached(str(where), lambda: [
            (number, sku, int(qty))
            for number, sku, qty in self.rows(
                select(SalesOrder.number, Product.sku, where)
                .join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
                .join(Product, Product.id == SalesOrderLine.product_id)
                .where(where > 0)
                .order_by(SalesOrderLine.id)
            )
        ])

    @precondition(lambda self: self.order_lines(SalesOrderLine.qty_pending))
    @rule(data=st.data(), whole_order=st.booleans())
    def cancel_pending(self, data, whole_order: bool) -> None:  # type: ignore[no-untyped-def]
        number, sku, _ = data.draw(st.sampled_from(self.order_lines(SalesOrderLine.qty_pending)))
        services.cancel_pending(self.db, number, "customer changed plans",
                                None if whole_order else sku)

    @precondition(lambda self: self.order_lines(SalesOrderLine.qty_allocated))
    @rule(data=st.data())
    def deliver_reserved(self, data) -> None:  # type: ignore[no-untyped-def]
        number, _, _ = data.draw(st.sampled_from(self.order_lines(SalesOrderLine.qty_allocated)))
        result = services.deliver_order(self.db, number)
        assert len(result.invoices) == 1

    @rule(setting=st.sampled_from((
        ("tax_rounding", "line"), ("tax_rounding", "document"),
        ("fulfilment_mode", "deliver"), ("fulfilment_mode", "deliver"),
        ("fulfilment_mode", "reserve"),
    )))
    def switch_setting(self, setting: tuple[str, str]) -> None:
        services.set_setting(self.db, *setting)

    # -- returns and defective stock -----------------------------------------------------------

    @precondition(
        lambda self: self.order_lines(SalesOrderLine.qty_delivered - SalesOrderLine.qty_returned)
    )
    @rule(data=st.data(), condition=st.sampled_from(("sellable", "defective")))
    def give_back(self, data, condition: str) -> None:  # type: ignore[no-untyped-def]
        candidates = self.order_lines(SalesOrderLine.qty_delivered - SalesOrderLine.qty_returned)
        number, sku, most = data.draw(st.sampled_from(candidates), label="line")
        qty = data.draw(st.integers(1, most), label="qty")
        result = services.create_return(self.db, number, {sku: qty}, condition=condition,
                                        reason="faulty")
        assert result.credit_notes, "every return corrects at least one invoice"

    def defective_skus(self) -> list[str]:
        return [sku for sku in SKUS if self.stock(sku)[2] > 0]

    @precondition(lambda self: self.defective_skus())
    @rule(data=st.data(), action=st.sampled_from(("write_off", "supplier_return")))
    def dispose(self, data, action: str) -> None:  # type: ignore[no-untyped-def]
        sku = data.draw(st.sampled_from(self.defective_skus()), label="sku")
        defective = self.stock(sku)[2]
        qty = data.draw(st.integers(1, defective), label="qty")
        services.dispose_defective(self.db, sku, qty, action,
                                   supplier="TOOLCO" if action == "supplier_return" else None)
        self.units_gone[sku] += qty

    # -- money in ------------------------------------------------------------------------------

    def open_invoices(self) -> list[tuple[str, Decimal]]:
        return self.cached("invoices", lambda: [
            (number, gross - paid - credited)
            for number, gross, paid, credited in self.rows(
                select(Invoice.number, Invoice.gross, Invoice.paid, Invoice.credited)
                .order_by(Invoice.id)
            )
            if gross - paid - credited > 0
        ])

    @precondition(lambda self: self.open_invoices())
    @rule(data=st.data(), part=st.sampled_from(("all", "half", "cent", "too much")))
    def pay(self, data, part: str) -> None:  # type: ignore[no-untyped-def]
        number, still_open = data.draw(st.sampled_from(self.open_invoices()), label="invoice")
        if part == "too much":
            try:
                services.record_payment(self.db, number, still_open + Decimal("0.01"))
            except Conflict:
                return
            raise AssertionError(f"{number}: an overpayment was accepted")
        amount = {
            "all": still_open,
            "half": max(Decimal("0.01"), (still_open / 2).quantize(Decimal("0.01"))),
            "cent": Decimal("0.01"),
        }[part]
        result = services.record_payment(self.db, number, amount)
        assert result.open == still_open - amount
        self.paid += amount

    # -- after every step ----------------------------------------------------------------------

    @invariant()
    def everything_adds_up(self) -> None:
        self.cache.clear()  # a step ran: candidates must be looked up again
        failed = [f"{r.name}: {r.detail}" for r in run_checks(self.db) if not r.ok]
        assert failed == []
        with self.db.read() as s:  # one snapshot for the independent recomputations
            self.stock_is_never_negative_and_units_are_conserved(s)
            self.every_line_conserves_its_quantity(s)
            self.numbers_are_gapless_and_unique(s)
            self.money_reconciles(s)

    def stock_is_never_negative_and_units_are_conserved(self, s: Session) -> None:
        at_customers = (
            select(
                func.coalesce(
                    func.sum(SalesOrderLine.qty_delivered - SalesOrderLine.qty_returned), 0
                )
            )
            .where(SalesOrderLine.product_id == Product.id)
            .scalar_subquery()
        )
        rows = s.execute(
            select(Product.sku, Product.on_hand, Product.allocated, Product.defective, at_customers)
        ).all()
        for sku, on_hand, allocated, defective, with_customers in rows:
            assert 0 <= allocated <= on_hand and defective >= 0, sku
            # what came in is on the shelf, in the defective corner, at a customer, or gone
            assert self.units_in[sku] - self.units_gone[sku] == (
                on_hand + defective + with_customers
            ), sku

    def every_line_conserves_its_quantity(self, s: Session) -> None:
        line = SalesOrderLine
        bad = s.execute(
            select(line.id).where(
                (line.qty_ordered != line.qty_delivered + line.qty_pending + line.qty_cancelled)
                | (line.qty_returned > line.qty_delivered)
                | (line.qty_invoiced > line.qty_delivered)
                | (line.qty_allocated > line.qty_pending)
            )
        ).all()
        assert bad == []

    def numbers_are_gapless_and_unique(self, s: Session) -> None:
        for model in (SalesOrder, Invoice, CreditNote):
            per_series: dict[str, list[int]] = {}
            for number in s.execute(select(model.number).order_by(model.id)).scalars():
                series, _, seq = number.rpartition("-")
                per_series.setdefault(series, []).append(int(seq))
            for series, seqs in per_series.items():
                assert sorted(seqs) == list(range(1, len(seqs) + 1)), series
                if model is not SalesOrder:  # orders may be back-dated; documents are issued today
                    assert seqs == sorted(seqs), f"{series} issued out of order"

    def money_reconciles(self, s: Session) -> None:
        def total(column: str, table: str) -> str:
            return f"(SELECT COALESCE(SUM({column}), 0) FROM {table})"

        row = s.execute(text("SELECT " + ", ".join((  # money is stored in integer cents
            total("net", "invoice"), total("net", "credit_note"),
            total("net", "invoice_line"), total("net", "credit_note_line"),
            total("tax", "invoice"), total("tax", "credit_note"),
            total("gross", "invoice"), total("gross", "credit_note"),
            total("paid", "invoice"), total("amount", "payment"),
        )))).one()
        (inv_net, cn_net, inv_lines, cn_lines, inv_tax, cn_tax, inv_gross, cn_gross, paid,
         payments) = (Decimal(int(v)) / 100 for v in row)
        assert inv_net - cn_net == inv_lines - cn_lines
        assert inv_gross - cn_gross == (inv_net - cn_net) + (inv_tax - cn_tax)
        assert paid == payments == self.paid


def test_any_day_in_the_shop_adds_up(template_db: Path, tmp_path: Path) -> None:
    ShopDay.seed = seeded_shop(template_db, tmp_path)
    ShopDay.folder = tmp_path
    set_clock(lambda: datetime(2026, 3, 2, 10, 0))
    try:
        run_state_machine_as_test(
            ShopDay,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
                database=None,
            ),
        )
    finally:
        set_clock(None)

