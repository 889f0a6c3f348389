# One image for web (gunicorn), worker and beat (celery); docker-compose.yml picks the command.
FROM python:3.11-slim

# PYTHONPATH=/app: the code in /app wins over the copy `pip install .` puts in site-packages, so
# BASE_DIR (templates/, var/) is /app whichever process imports the settings first.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, in their own layer: rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Translations are compiled and static files collected into the image (served by whitenoise);
# the dummy key only lets the settings load and is never used at run time.
RUN pip install --no-deps . \
    && if [ -d locale ]; then \
         apt-get update && apt-get install -y --no-install-recommends gettext \
         && DEBUG=false SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=localhost \
            python manage.py compilemessages --verbosity=0 \
         && apt-get purge -y gettext && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*; \
       fi \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin tracker \
    && mkdir -p var/media var/mail \
    && DEBUG=false SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=localhost \
       python manage.py collectstatic --noinput --verbosity=1 \
    && chown -R tracker:tracker var

USER tracker
EXPOSE 8000

CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
