"""What each report says, laid out as a `Document` from its selector's dataclass: the sections,
their order, headings and figures. The page, the CSV and the PDF all render this one layout.

Links point at the admin pages of the objects named (orders, inspections, recalls...); the admin
checks there who may open them.
"""

from .lots import lot_trace_document
from .recalls import recall_report_document
from .suppliers import supplier_scorecard_document

__all__ = ["lot_trace_document", "recall_report_document", "supplier_scorecard_document"]
