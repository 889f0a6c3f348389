"""Inspections' API resources (inspections, complaints, recalls, notices, returns), mounted
under /api/v1/ beside procurement's; the shared parts (tokens, errors, paging) are in
`procurement.api`."""
