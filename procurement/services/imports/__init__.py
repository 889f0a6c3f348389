"""CSV imports run as Celery jobs: hospitals, products and distribution plans, each uploaded in
the ministry panel, checked row by row in a dry run (the preview: what would be created or
updated, every error at its row and column), and written, once a person applies it, all rows
or none.

`jobs.py` holds the services (the only code that changes a job's status or counts, and where
the progress design is explained), `files.py` the checks of the upload and the reading of the
stored file, `reference.py` hospitals and products (`table.py` reads their files), and
`distributions.py` the distribution plan, which reuses the warehouse planner's parser, checks
and dispatch (`procurement.planning`). Reads are in `procurement.selectors.imports`."""

from .files import ImportRefused
from .jobs import (
    ERRORS_KEPT,
    import_job_apply,
    import_job_confirm,
    import_job_create,
    import_job_validate,
    import_jobs_sweep,
)
from .kinds import IMPORTERS, importer_for, kinds_for_user

__all__ = [
    "ERRORS_KEPT",
    "IMPORTERS",
    "ImportRefused",
    "import_job_apply",
    "import_job_confirm",
    "import_job_create",
    "import_job_validate",
    "import_jobs_sweep",
    "importer_for",
    "kinds_for_user",
]
