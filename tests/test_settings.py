"""Settings come from the environment and fail loudly on a bad value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "REDIS_URL")}
    clean.update(env, DJANGO_SETTINGS_MODULE="zhangye_utilities.settings")
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.DEBUG, s.CELERY_BROKER_URL.split(':')[0], s.TIME_ZONE)")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=60)


def test_embedded_default_is_sqlite_and_filesystem_broker(tmp_path):
    out = _load_settings(DATA_DIR=str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["django.db.backends.sqlite3", "False", "filesystem", "Asia/Shanghai"]


def test_the_embedded_broker_connects_without_a_warning(tmp_path):
    # A bare filesystem:// made kombu warn "No hostname was supplied" at every connection (README trial).
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "REDIS_URL", "CELERY_BROKER_URL")}
    clean.update(DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="zhangye_utilities.settings")
    code = ("import django; django.setup(); from zhangye_utilities.celery import app; "
            "c = app.connection_for_write(); c.connect(); print(c.as_uri()); c.release()")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["filesystem://:**@localhost//"]
    assert "No hostname" not in out.stderr


def test_postgres_and_redis_from_urls(tmp_path):
    out = _load_settings(DATA_DIR=str(tmp_path), DATABASE_URL="postgres://u@db:5432/x", REDIS_URL="redis://r:6379/0")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "zhangye_utilities.postgresql"  # Django's, with a cheaper health check
    assert out.stdout.split()[2] == "redis"


def test_a_redis_broker_redelivers_a_dead_workers_task_within_five_minutes(tmp_path):
    # Redis's default visibility timeout (an hour) left a killed export "导出中" for an hour (breaker).
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "CELERY_BROKER_URL")}
    clean.update(DATA_DIR=str(tmp_path), REDIS_URL="redis://r:6379/0", DJANGO_SETTINGS_MODULE="zhangye_utilities.settings")
    code = ("import django; django.setup(); from zhangye_utilities.celery import app; "
            "print(app.conf.broker_transport_options['visibility_timeout'], app.conf.task_time_limit)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["300", "180"]  # longer than any task may run


@pytest.mark.parametrize("env,message", [
    ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
    ({"DATABASE_URL": "notaurl"}, "DATABASE_URL is not a database URL"),
    ({"REDIS_URL": "http://x"}, "REDIS_URL='http://x' must start with redis://"),
    # Three numbers made every located filing a 500; NaN or a reversed box refused every location (breaker).
    ({"ZY_SERVICE_AREA": "37,96.5,40.5"}, "ZY_SERVICE_AREA='37,96.5,40.5' must be four numbers"),
    ({"ZY_SERVICE_AREA": ""}, "ZY_SERVICE_AREA='' must be four numbers"),
    ({"ZY_SERVICE_AREA": "nan,nan,nan,nan"}, "ZY_SERVICE_AREA='nan,nan,nan,nan' must be four numbers"),
    ({"ZY_SERVICE_AREA": "40.5,103,37,96.5"}, "south below north and west below east"),
    ({"ZY_SERVICE_AREA": "37,96.5,40.5,abc"}, "must be four numbers"),
])
def test_bad_values_stop_start_up_with_a_clear_message(tmp_path, env, message):
    out = _load_settings(DATA_DIR=str(tmp_path), **env)
    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr and message in out.stderr


def test_production_needs_a_secret_key(tmp_path):
    out = _load_settings(DATA_DIR=str(tmp_path), DJANGO_ENV="production", SECRET_KEY="")
    assert out.returncode != 0 and "SECRET_KEY" in out.stderr


def test_production_needs_the_public_address_of_the_sms_links(tmp_path):
    # docker-compose set no ZY_PUBLIC_BASE_URL: every SMS link pointed at http://127.0.0.1:8000 (breaker).
    out = _load_settings(DATA_DIR=str(tmp_path), DJANGO_ENV="production", SECRET_KEY="s" * 50, ZY_PUBLIC_BASE_URL="")
    assert out.returncode != 0 and "ZY_PUBLIC_BASE_URL must be set in production" in out.stderr


@pytest.mark.parametrize("url, proxies, expected", [
    ("https://lifelines.example.cn/", "1", "https://lifelines.example.cn True True ('HTTP_X_FORWARDED_PROTO', 'https')"),
    (" HTTPS://lifelines.example.cn", "1", "https://lifelines.example.cn True True ('HTTP_X_FORWARDED_PROTO', 'https')"),
    # No trusted proxy: X-Forwarded-Proto could come from any client, so it is not read (breaker round 3).
    ("https://lifelines.example.cn", "0", "https://lifelines.example.cn True True None"),
    ("http://10.0.0.5:8000", "1", "http://10.0.0.5:8000 False False None"),
])
def test_an_https_public_address_makes_the_cookies_secure(tmp_path, url, proxies, expected):
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "REDIS_URL")}
    clean.update(DATA_DIR=str(tmp_path), DJANGO_ENV="production", SECRET_KEY="s" * 50, ZY_PUBLIC_BASE_URL=url,
                 ZY_TRUSTED_PROXY_COUNT=proxies, DJANGO_SETTINGS_MODULE="zhangye_utilities.settings")
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.ZY_PUBLIC_BASE_URL, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected


@pytest.mark.parametrize("url", ["lifelines.example.cn", "ftp://lifelines.example.cn", "https://"])
def test_a_public_address_without_its_scheme_stops_start_up(tmp_path, url):
    out = _load_settings(DATA_DIR=str(tmp_path), ZY_PUBLIC_BASE_URL=url)
    assert out.returncode != 0 and "must be an http:// or https:// address" in out.stderr


@pytest.mark.parametrize("url, hsts, expected", [
    ("https://lifelines.example.cn", "31536000", "31536000"),
    ("https://lifelines.example.cn", None, "0"),  # the operator turns it on
    ("http://10.0.0.5:8000", "31536000", "0"),  # never over plain HTTP
])
def test_hsts_is_sent_only_when_asked_for_over_https(tmp_path, url, hsts, expected):
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "REDIS_URL", "ZY_HSTS_SECONDS")}
    clean.update(DATA_DIR=str(tmp_path), DJANGO_ENV="production", SECRET_KEY="s" * 50, ZY_PUBLIC_BASE_URL=url,
                 DJANGO_SETTINGS_MODULE="zhangye_utilities.settings", **({"ZY_HSTS_SECONDS": hsts} if hsts else {}))
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected


def test_a_negative_hsts_stops_start_up(tmp_path):
    out = _load_settings(DATA_DIR=str(tmp_path), ZY_PUBLIC_BASE_URL="https://lifelines.example.cn", ZY_HSTS_SECONDS="-5")
    assert out.returncode != 0 and "ZY_HSTS_SECONDS=-5 must be 0 or more seconds" in out.stderr
