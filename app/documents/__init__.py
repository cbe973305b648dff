"""Documents people keep: PDFs of invoices, credit notes and delivery notes (`pdf`), and
spreadsheets of reports (`xlsx`, `reports`)."""
