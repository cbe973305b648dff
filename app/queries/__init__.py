"""Read models: set-based SQL for lists, the pending queue, exceptions, profit and links.

Every function takes a SQLAlchemy Session (from `Database.read()`) and returns plain frozen
dataclasses (never ORM objects, which expire). Modules:

- stock:      stock_overview, stock_for, product_moves, product_search, customer_search,
              supplier_search
- orders:     OrderFilter, order_ids, order_rows, order_detail
- pending:    pending_queue
- exceptions: exceptions
- profit:     profit_report, reconciliation
- links:      document_chain
- purchases, returns, invoices: the lists behind the GUI's tabs
- check:      run_checks (`shopdesk check`)
"""
