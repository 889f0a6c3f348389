"""Pages in the signed-in user's language (their choice, else their hospital's).

Which language a user has is the supply side's knowledge (their preference, their hospital's
language): `settings.USER_LANGUAGE_RESOLVER` names the function that answers, so `core` does not
import the app that knows.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.module_loading import import_string

SESSION_KEY = "tracker_language"


class UserLanguageMiddleware:
    """After LocaleMiddleware and authentication: a signed-in user's own language wins over the
    browser's. Worked out once per session (the choice page updates it), so a page costs no extra
    query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.user_language = import_string(settings.USER_LANGUAGE_RESOLVER)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if SESSION_KEY not in request.session:
                request.session[SESSION_KEY] = self.user_language(user) or ""
            language = request.session[SESSION_KEY]
            if language and translation.check_for_language(language):
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def remember_language(request: HttpRequest, language: str) -> None:
    """Use this language for the rest of the session (after the user chose it)."""
    request.session[SESSION_KEY] = language
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()
