"""The document chain: from any document, every document linked to it, both ways.

order <-> purchases (made for it, or whose receipts served it) <-> receipts <-> deliveries
<-> invoices <-> payments <-> returns <-> credit notes <-> disposals of its defective returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound
from db.models import (
    Allocation,
    CostLayer,
    CreditNote,
    CustomerReturn,
    Delivery,
    Disposal,
    DisposalLine,
    Invoice,
    LayerConsumption,
    Payment,
    PurchaseOrder,
    Receipt,
    ReturnLine,
    SalesOrder,
)

KIND_LABELS = {
    "order": "Sales order",
    "purchase": "Purchase order",
    "receipt": "Goods receipt",
    "delivery": "Delivery note",
    "invoice": "Invoice",
    "payment": "Payment",
    "return": "Return",
    "credit_note": "Credit note",
    "disposal": "Defective disposal",
}
_ORDER = list(KIND_LABELS)


@dataclass(frozen=True)
class DocRef:
    kind: str
    number: str
    date: date | None
    amount: Decimal | None
    note: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def kind_of(number: str) -> str:
    prefix = number.split("-", 1)[0].upper()
    kinds = {
        "SO": "order",
        "PO": "purchase",
        "GR": "receipt",
        "DN": "delivery",
        "INV": "invoice",
        "RT": "return",
        "CN": "credit_note",
        "DS": "disposal",
    }
    if prefix not in kinds:
        raise NotFound(
            f"{number!r} is not a document number (SO-, PO-, GR-, DN-, INV-, RT-, CN-, DS-)."
        )
    return kinds[prefix]


def _one(session: Session, model, number: str):  # type: ignore[no-untyped-def]
    row = session.execute(select(model).where(model.number == number)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"There is no document {number!r}.")
    return row


def document_chain(session: Session, number: str) -> list[DocRef]:
    """All documents linked to `number` (itself included), grouped by kind, oldest first."""
    number = number.strip()
    kind = kind_of(number)
    order_ids: set[int] = set()
    purchase_ids: set[int] = set()
    receipt_ids: set[int] = set()
    if kind == "order":
        order_ids.add(_one(session, SalesOrder, number).id)
    elif kind in ("invoice", "delivery", "credit_note", "return"):
        model = {
            "invoice": Invoice,
            "delivery": Delivery,
            "credit_note": CreditNote,
            "return": CustomerReturn,
        }[kind]
        order_ids.add(_one(session, model, number).order_id)
    elif kind == "purchase":
        po = _one(session, PurchaseOrder, number)
        purchase_ids.add(po.id)
        receipt_ids |= set(
            session.scalars(select(Receipt.id).where(Receipt.purchase_order_id == po.id))
        )
        if po.for_order_id:
            order_ids.add(po.for_order_id)
    elif kind == "receipt":
        receipt = _one(session, Receipt, number)
        receipt_ids.add(receipt.id)
        if receipt.purchase_order_id:
            purchase_ids.add(receipt.purchase_order_id)
    elif kind == "disposal":
        disposal = _one(session, Disposal, number)
        order_ids |= set(
            session.scalars(
                select(CustomerReturn.order_id)
                .distinct()
                .join(ReturnLine, ReturnLine.return_id == CustomerReturn.id)
                .join(CostLayer, CostLayer.return_line_id == ReturnLine.id)
                .join(LayerConsumption, LayerConsumption.layer_id == CostLayer.id)
                .join(DisposalLine, DisposalLine.id == LayerConsumption.disposal_line_id)
                .where(DisposalLine.disposal_id == disposal.id)
            )
        )
    # orders served by the receipts in view
    if receipt_ids:
        from db.models import SalesOrderLine

        order_ids |= set(
            session.scalars(
                select(SalesOrderLine.order_id)
                .distinct()
                .join(Allocation, Allocation.order_line_id == SalesOrderLine.id)
                .where(Allocation.receipt_id.in_(receipt_ids))
            )
        )
    refs: dict[tuple[str, str], DocRef] = {}

    def add(ref: DocRef) -> None:
        refs.setdefault((ref.kind, ref.number), ref)

    if order_ids:
        _order_documents(session, order_ids, add, purchase_ids, receipt_ids)
    if purchase_ids:
        for po in session.scalars(select(PurchaseOrder).where(PurchaseOrder.id.in_(purchase_ids))):
            add(
                DocRef(
                    "purchase", po.number, po.order_date, None, "cancelled" if po.cancelled else ""
                )
            )
        for r in session.scalars(
            select(Receipt).where(Receipt.purchase_order_id.in_(purchase_ids))
        ):
            receipt_ids.add(r.id)
    if receipt_ids:
        for r in session.scalars(select(Receipt).where(Receipt.id.in_(receipt_ids))):
            add(DocRef("receipt", r.number, r.receipt_date, None, ""))
    return sorted(refs.values(), key=lambda d: (_ORDER.index(d.kind), d.date or date.min, d.number))


def _order_documents(session, order_ids, add, purchase_ids, receipt_ids) -> None:  # type: ignore[no-untyped-def]
    from db.models import SalesOrderLine

    for o in session.scalars(select(SalesOrder).where(SalesOrder.id.in_(order_ids))):
        add(DocRef("order", o.number, o.order_date, o.gross_total, o.status))
    for d in session.scalars(select(Delivery).where(Delivery.order_id.in_(order_ids))):
        add(DocRef("delivery", d.number, d.delivery_date, None, ""))
    invoices = list(session.scalars(select(Invoice).where(Invoice.order_id.in_(order_ids))))
    for inv in invoices:
        open_amount = inv.gross - inv.paid - inv.credited
        add(
            DocRef(
                "invoice",
                inv.number,
                inv.issue_date,
                inv.gross,
                f"open {open_amount}" if open_amount > 0 else "settled",
            )
        )
    by_invoice = {inv.id: inv.number for inv in invoices}
    if by_invoice:
        for p in session.scalars(select(Payment).where(Payment.invoice_id.in_(by_invoice))):
            add(
                DocRef(
                    "payment",
                    f"{by_invoice[p.invoice_id]}/P{p.id}",
                    p.paid_on,
                    p.amount,
                    f"on {by_invoice[p.invoice_id]}" + (f", {p.method}" if p.method else ""),
                )
            )
    returns = list(
        session.scalars(select(CustomerReturn).where(CustomerReturn.order_id.in_(order_ids)))
    )
    for r in returns:
        add(DocRef("return", r.number, r.return_date, None, r.reason))
    for cn in session.scalars(select(CreditNote).where(CreditNote.order_id.in_(order_ids))):
        add(
            DocRef(
                "credit_note",
                cn.number,
                cn.issue_date,
                cn.gross,
                f"corrects {by_invoice.get(cn.invoice_id, '')}",
            )
        )
    purchase_ids |= set(
        session.scalars(select(PurchaseOrder.id).where(PurchaseOrder.for_order_id.in_(order_ids)))
    )
    receipt_ids |= set(
        session.scalars(
            select(Allocation.receipt_id)
            .distinct()
            .join(SalesOrderLine, SalesOrderLine.id == Allocation.order_line_id)
            .where(SalesOrderLine.order_id.in_(order_ids), Allocation.receipt_id.is_not(None))
        )
    )
    if receipt_ids:
        purchase_ids |= {
            pid
            for pid in session.scalars(
                select(Receipt.purchase_order_id).where(Receipt.id.in_(receipt_ids))
            )
            if pid is not None
        }
    if returns:
        for d in session.scalars(
            select(Disposal)
            .distinct()
            .join(DisposalLine, DisposalLine.disposal_id == Disposal.id)
            .join(LayerConsumption, LayerConsumption.disposal_line_id == DisposalLine.id)
            .join(CostLayer, CostLayer.id == LayerConsumption.layer_id)
            .join(ReturnLine, ReturnLine.id == CostLayer.return_line_id)
            .where(ReturnLine.return_id.in_([r.id for r in returns]))
        ):
            add(DocRef("disposal", d.number, d.disposal_date, None, d.kind.replace("_", " ")))
