"""Report workbooks read back with openpyxl: real numbers, formats, formulas, no injection."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from app.documents import reports
from app.documents.xlsx import Column, Sheet, write_workbook
from app.queries.profit import profit_report, reconciliation
from tests.documents.conftest import INJECTED, Docs

# (a CR reads back as LF: XML)
ATTACKS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1"]


def test_generic_writer_types_formats_totals_and_parameters(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    cols = [Column("Name", "text"), Column("Qty", "int", total=True),
            Column("Amount", "money", total=True), Column("Margin", "percent"),
            Column("Day", "date")]
    rows = [[a, 2, Decimal("10.50"), Decimal("23.5"), date(2026, 1, 2)] for a in ATTACKS]
    counts = write_workbook(path, [Sheet("Data", cols, iter(rows))],
                            [("Report", "test"), ("From", date(2026, 1, 1)), ("To", None)],
                            currency="EUR", generated_at=datetime(2026, 3, 2, 10, 0))
    assert counts == {"Data": len(ATTACKS)}
    wb = load_workbook(path)
    ws = wb["Data"]
    assert [c.value for c in ws[1]] == ["Name", "Qty", "Amount", "Margin", "Day"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:E{len(ATTACKS) + 1}"
    assert ws.column_dimensions["A"].width == 24
    for n, attack in enumerate(ATTACKS, 2):
        cell = ws.cell(n, 1)
        assert cell.value == attack and cell.data_type == "s"  # text, not a formula
        assert isinstance(ws.cell(n, 2).value, int) and ws.cell(n, 2).value == 2
        assert isinstance(ws.cell(n, 3).value, float) and ws.cell(n, 3).value == 10.5
        assert "€" in ws.cell(n, 3).number_format and "0.00" in ws.cell(n, 3).number_format
        assert ws.cell(n, 4).value == 0.235 and ws.cell(n, 4).number_format == "0.0%"
        assert ws.cell(n, 5).value == datetime(2026, 1, 2) and ws.cell(n, 5).is_date
    total = len(ATTACKS) + 2
    assert ws.cell(total, 1).value == "Total"
    assert ws.cell(total, 2).value == f"=SUM(B2:B{total - 1})"
    assert ws.cell(total, 3).value == f"=SUM(C2:C{total - 1})"
    assert ws.cell(total, 3).data_type == "f"
    params = {r[0].value: r[1].value for r in wb["Parameters"].iter_rows(min_row=2)}
    assert params == {"Report": "test", "From": datetime(2026, 1, 1), "To": "(all)",
                      "Generated at": datetime(2026, 3, 2, 10, 0)}


def test_profit_workbook_equals_the_profit_report_and_reconciles(
    docs: Docs, tmp_path: Path
) -> None:
    path = tmp_path / "profit.xlsx"
    with docs.db.read() as s:
        reports.write_profit(s, path, "order")
        report = profit_report(s, "order")
        recon = reconciliation(s)
    wb = load_workbook(path)
    ws = wb["Profit by order"]
    data = list(ws.iter_rows(min_row=2, max_row=len(report.rows) + 1, values_only=True))
    assert [r[0] for r in data] == [r.key for r in report.rows]
    for got, want in zip(data, report.rows, strict=True):
        assert Decimal(str(got[2])) == want.revenue
        assert Decimal(str(got[8])) == want.profit
        assert all(isinstance(v, int | float) for v in got[2:9])
    totals = [c.value for c in ws[len(report.rows) + 2]]
    n = len(report.rows) + 1
    assert totals[0] == "Total" and totals[8] == f"=SUM(I2:I{n})"
    assert sum(Decimal(str(r[8])) for r in data) == report.totals.profit == recon["profit"]
    rec = {row[0]: row[1:] for row in wb["Reconciliation"].iter_rows(min_row=2, values_only=True)}
    documents, *by_dims, ok = rec["Profit"]
    assert Decimal(str(documents)) == recon["profit"]
    assert [Decimal(str(v)) for v in by_dims] == [recon["profit"]] * 4
    assert all(row[-1] == "yes" for row in rec.values())
    assert Decimal(str(rec["Revenue (invoiced net)"][0])) == recon["invoiced_net"] > 0


def test_user_text_in_reports_stays_text(docs: Docs, tmp_path: Path) -> None:
    """A customer whose name or address looks like a formula, in the aging report."""
    path = tmp_path / "aging.xlsx"
    with docs.db.read() as s:
        reports.write_aging(s, path, as_of=date(2026, 6, 1))
    wb = load_workbook(path)
    names = [c.value for c in wb["Aging by customer"]["B"]]
    assert INJECTED in names
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert str(cell.value).startswith("=SUM(") or "IF(" in str(cell.value)


def test_formula_like_customer_name_is_a_literal_string(docs: Docs, tmp_path: Path) -> None:
    from app import services
    from tests.scenarios.shop import Shop

    services.add_customer(docs.db, "FORMULA", "=1+2")
    shop = Shop(docs.db)
    shop.receive("B", 1, cost="1.00")
    shop.order("FORMULA", B=1)
    path = tmp_path / "p.xlsx"
    with docs.db.read() as s:
        reports.write_profit(s, path, "customer")
    ws = load_workbook(path)["Profit by customer"]
    cell = next(r[1] for r in ws.iter_rows(min_row=2) if r[0].value == "FORMULA")
    assert cell.value == "=1+2" and cell.data_type == "s" and cell.quotePrefix


def test_aging_buckets_and_open_amounts(docs: Docs, tmp_path: Path) -> None:
    from app import services
    from app.queries.reports import bucket_for, receivables_aging

    services.record_payment(docs.db, docs.evil_invoice, "10.00")
    with docs.db.read() as s:
        rows, invoices = receivables_aging(s, as_of=date(2026, 5, 15))
    assert [bucket_for(d) for d in (0, 1, 30, 31, 60, 61, 90, 91)] == [
        "current", "1-30", "1-30", "31-60", "31-60", "61-90", "61-90", "90+"]
    for inv in invoices:
        assert inv.open == inv.gross - inv.paid - inv.credited > 0
        assert inv.days_overdue == (date(2026, 5, 15) - inv.due_date).days
    evil = next(i for i in invoices if i.number == docs.evil_invoice)
    assert evil.open == evil.gross - Decimal("10.00") and evil.bucket == "31-60"
    total = sum((r.open for r in rows), Decimal(0))
    assert total == sum((i.open for i in invoices), Decimal(0))
    for r in rows:
        assert r.open == r.current + r.d1_30 + r.d31_60 + r.d61_90 + r.d90_plus


def test_returns_report_counts_defective_losses(docs: Docs) -> None:
    from app.queries.reports import returns_report

    with docs.db.read() as s:
        rows = returns_report(s)
        recon = reconciliation(s)
    (row,) = rows
    assert (row.reason, row.condition, row.returns, row.qty) == ("broken", "defective", 1, 2)
    assert row.defective_loss == row.cost == recon["defective_loss"] > 0
    assert row.credited == Decimal("25.00")


def test_stock_valuation_is_fifo_value_of_remaining_layers(docs: Docs, tmp_path: Path) -> None:
    from app.queries.reports import stock_valuation

    with docs.db.read() as s:
        rows = {r.sku: r for r in stock_valuation(s)}
        reports.write_stock(s, tmp_path / "stock.xlsx")
    # B: 5 received at 1.00, 3 delivered -> 2 left; A: 2 came back defective
    assert (rows["B"].sellable_qty, rows["B"].sellable_value) == (2, Decimal("2.00"))
    assert rows["A"].defective_qty == 2 and rows["A"].defective_value > 0
    ws = load_workbook(tmp_path / "stock.xlsx")["Stock value"]
    b = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "B")
    assert b[2] == 2 and b[3] == 2.0


def test_odd_text_reads_back_exactly(tmp_path: Path) -> None:
    """Control characters XML cannot carry, Excel's own _xHHHH_ escapes typed as text, and
    spaces at either end all come back as written. (openpyxl leaves the _xHHHH_ escapes of
    inline strings as they are; Excel decodes them, as openpyxl's `unescape` does.)"""
    odd = ["bell\x07here", "_x0041_ literal", "  padded  ", "line\nbreak", "ünïcødé €", "<&>\"'"]
    path = tmp_path / "odd.xlsx"
    write_workbook(path, [Sheet("Odd", [Column("Text")], [[t] for t in odd])], [])
    ws = load_workbook(path)["Odd"]
    assert [unescape(c.value) for c in ws["A"][1:]] == odd
    assert ws["A2"].value == "bell_x0007_here"


def test_a_failed_export_leaves_no_file_behind(tmp_path: Path) -> None:
    path = tmp_path / "half.xlsx"

    def rows():  # type: ignore[no-untyped-def]
        yield ["ok", 1]
        raise RuntimeError("the database went away")

    try:
        write_workbook(path, [Sheet("S", [Column("A"), Column("B", "int")], rows())], [])
    except RuntimeError:
        pass
    else:
        raise AssertionError("the export should have failed")
    assert list(tmp_path.iterdir()) == []  # neither the target nor a .part file


def test_existing_file_is_replaced_only_by_a_complete_workbook(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    write_workbook(path, [Sheet("S", [Column("N", "int", total=True)], [[1], [2]])], [])
    before = path.read_bytes()
    bad = Sheet("S", [Column("N", "int")], [[1, 2]])  # a row with too many values
    try:
        write_workbook(path, [bad], [])
    except ValueError:
        pass
    assert path.read_bytes() == before
    ws = load_workbook(path)["S"]
    assert [c.value for c in ws["A"]] == ["N", 1, 2, "=SUM(A2:A3)"]


def test_exact_decimals_and_sheet_names(tmp_path: Path) -> None:
    path = tmp_path / "n.xlsx"
    amounts = [Decimal("0.10"), Decimal("-12345678.99"), Decimal("1E+2"), Decimal("0.00")]
    write_workbook(path, [Sheet("Profit: a/b [x]", [Column("Amount", "money")],
                                [[a] for a in amounts])], [("Rows", 4)])
    wb = load_workbook(path)
    assert wb.sheetnames == ["Profit  a b  x ", "Parameters"]
    got = [c.value for c in wb.worksheets[0]["A"][1:]]
    assert [Decimal(str(v)) for v in got] == amounts
