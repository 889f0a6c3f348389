"""The kinds of import, each with who may run it."""

from __future__ import annotations

from core.errors import InvalidInput
from core.roles import has_role

from ...models import ImportKind
from .base import Importer
from .distributions import DistributionPlanImporter
from .reference import HospitalImporter, ProductImporter

IMPORTERS: dict[str, Importer] = {
    ImportKind.HOSPITALS: HospitalImporter(),
    ImportKind.PRODUCTS: ProductImporter(),
    ImportKind.DISTRIBUTION_PLAN: DistributionPlanImporter(),
}


def importer_for(kind: str) -> Importer:
    """The importer of a kind; an unknown kind is bad input."""
    try:
        return IMPORTERS[kind]
    except KeyError:
        raise InvalidInput(f"There is no import of “{kind}”.") from None


def kinds_for_user(user) -> list[str]:
    """The kinds of import a user may run (and whose jobs they may see)."""
    return [kind for kind, importer in IMPORTERS.items() if has_role(user, *importer.roles)]
