"""The ministry's reports: a lot's whole life (traceability), a recall's status and final report,
and a supplier's scorecard. Each is read by one selector (`selectors`) into a dataclass, laid
out once as a `Document` (`contents`) and rendered as an admin page, a CSV file (`csv.py`)
or a printable PDF (`pdf.py`) by the views under /admin/reports/ (`views.py`, `urls.py`).

Nothing here writes: the reports only read what the services recorded. The recall figures are
those of `inspections.selectors.recall_effectiveness`, never computed a second time.
"""
