# Image for web, worker, beat and the one-shot migrate service (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    TZ=Asia/Shanghai \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    DATA_DIR=/data

# curl for the web healthcheck; gettext to compile translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /data/media \
    && chown -R app:app /data
COPY --chown=app:app . .
USER app

# Static files are built into the image (STATIC_ROOT = $DATA_DIR/staticfiles);
# only /data/media is a volume, so a new image always brings its own static files.
RUN SECRET_KEY=build-only-not-secret ZY_PUBLIC_BASE_URL=https://build-only.invalid python manage.py collectstatic --noinput --verbosity 0 \
    && if find . -path '*/locale/*' -name '*.po' | grep -q .; then \
           SECRET_KEY=build-only-not-secret ZY_PUBLIC_BASE_URL=https://build-only.invalid python manage.py compilemessages --verbosity 0; \
       fi

EXPOSE 8000
CMD ["gunicorn", "zhangye_utilities.wsgi", "--worker-class", "gthread", "--workers", "2", "--threads", "4", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--logger-class", "zhangye_utilities.gunicorn_log.Logger", "--no-control-socket"]
