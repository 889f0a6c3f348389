"""Settings of the API list benchmark's gunicorn: the app's own, with a URLconf that adds the
bare baseline view (`bench.urls`). Never used by the app."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
