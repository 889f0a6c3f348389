"""A user's own preferences."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import InvalidInput

from ..models import UserPreference


def user_language_set(*, user, language: str) -> UserPreference:
    """Remember the language a user reads pages and e-mails in ("" = their hospital's)."""
    if language and language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language %(language)r.") % {"language": language})
    preference, _created = UserPreference.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return preference
