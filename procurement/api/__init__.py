"""The REST API's shared parts (tokens, errors, idempotency, paging) and procurement's
resources, mounted under /api/v1/. Inspections' resources live in `inspections.api`."""
