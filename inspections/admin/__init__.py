"""The quality side of the ministry panel, on the same admin site as procurement's.

Standards get their criteria; inspection plans are edited with levels and AQLs from the sampling
tables only. Inspections, supplier levels and their events are read-only: they change through the
services, reached from the inspector pages or from the actions here (an officer's decision on
conflicting results, approving reduced inspection, reinstating a supplier, verifying a
certificate, acting on a hospital's complaint), each asking for the reason it records. A
service's refusal is shown as it is.
Uploaded reports and certificates are served only by admin views that check view permission.
Recalls are prepared, issued and closed through their services, from their own pages.
"""

from . import certificates, complaints, levels, notices, recalls, results, standards

__all__ = [
    "certificates",
    "complaints",
    "levels",
    "notices",
    "recalls",
    "results",
    "standards",
]
