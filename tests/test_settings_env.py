"""Production configuration comes from the environment alone.

Each test imports phananh.settings in a fresh interpreter with the variables
a deployment would set, and checks what Django would be configured with.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

DUMP = """
import json
from django.conf import settings
import django
django.setup()
from django.core.files.storage import storages
db = settings.DATABASES["default"]
out = {
    "db": {k: db.get(k) for k in ("ENGINE", "NAME", "USER", "HOST", "PORT", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS")},
    "db_options": db.get("OPTIONS", {}),
    "cache": settings.CACHES["default"],
    "huey": {k: v for k, v in settings.HUEY.items() if k != "consumer"},
    "storages": settings.STORAGES,
    "media_url": storages["default"].url("photos/2026/01/abc.jpg"),
    "trusted_proxies": settings.TRUSTED_PROXY_COUNT,
    "proxy_ssl_header": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
    "max_request": settings.MAX_REQUEST_BYTES,
}
print(json.dumps(out, default=str))
"""


def configured(tmp_path, **env):
    """The settings an interpreter sees with `env` (and nothing from this process's deployment variables)."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("S3_", "AWS_", "DATABASE_", "DB_", "REDIS_", "TRUSTED_", "BEHIND_", "MAX_"))}
    clean.update(DJANGO_SETTINGS_MODULE="phananh.settings", VAR_DIR=str(tmp_path), **env)
    result = subprocess.run([sys.executable, "-c", DUMP], cwd=ROOT, env=clean, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def single_box(tmp_path_factory):
    return configured(tmp_path_factory.mktemp("single"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    return configured(
        tmp_path_factory.mktemp("cluster"),
        DATABASE_URL="postgres://phananh:secret@db.internal:5432/phananh?sslmode=require",
        REDIS_URL="redis://redis.internal:6379/2",
        S3_BUCKET="phananh-media",
        S3_ENDPOINT_URL="http://s3.internal:9000",
        S3_ACCESS_KEY_ID="AKIDEXAMPLE",
        S3_SECRET_ACCESS_KEY="not-a-real-secret",
        S3_REGION="ap-southeast-1",
        S3_PUBLIC_URL="https://anh.example.vn",
        S3_INCOMING_BUCKET="phananh-incoming",
        TRUSTED_PROXY_COUNT="1",
        BEHIND_TLS_PROXY="true",
    )


def test_single_box_defaults(single_box):
    # Django's SQLite backend with writers queued on a file lock (phananh/db/sqlite).
    assert single_box["db"]["ENGINE"] == "phananh.db.sqlite"
    assert single_box["db"]["NAME"].endswith("/phananh.sqlite3")
    assert single_box["cache"]["BACKEND"].endswith("FileBasedCache")
    # huey's SqliteHuey, its writers queued the same way (phananh/db/sqlite/jobs.py).
    assert single_box["huey"]["huey_class"] == "phananh.db.sqlite.jobs.SqliteHuey"
    assert single_box["storages"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert single_box["storages"]["incoming"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert single_box["media_url"] == "/media/photos/2026/01/abc.jpg"
    # X-Forwarded-For is ignored unless a proxy is declared.
    assert single_box["trusted_proxies"] == 0
    assert single_box["proxy_ssl_header"] is None
    assert single_box["max_request"] == (5 * 10 + 2) * 1024 * 1024


def test_postgresql_from_database_url(cluster):
    assert cluster["db"] == {
        "ENGINE": "django.db.backends.postgresql", "NAME": "phananh", "USER": "phananh",
        "HOST": "db.internal", "PORT": 5432, "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True,
    }
    assert cluster["db_options"] == {"sslmode": "require", "connect_timeout": 5}


def test_redis_for_cache_and_jobs(cluster):
    assert cluster["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cluster["cache"]["LOCATION"] == "redis://redis.internal:6379/2"
    assert cluster["huey"]["huey_class"] == "huey.RedisHuey"
    assert cluster["huey"]["url"] == "redis://redis.internal:6379/2"


def test_photos_on_object_storage(cluster):
    media = cluster["storages"]["default"]
    assert media["BACKEND"] == "storages.backends.s3.S3Storage"
    assert media["OPTIONS"]["bucket_name"] == "phananh-media"
    assert media["OPTIONS"]["location"] == "media"
    assert media["OPTIONS"]["endpoint_url"] == "http://s3.internal:9000"
    assert media["OPTIONS"]["region_name"] == "ap-southeast-1"
    assert media["OPTIONS"]["access_key"] == "AKIDEXAMPLE"
    assert media["OPTIONS"]["default_acl"] == "public-read"
    assert media["OPTIONS"]["querystring_auth"] is False
    # Public photos under the custom domain, no signature in the URL.
    assert cluster["media_url"] == "https://anh.example.vn/media/photos/2026/01/abc.jpg"


def test_parked_originals_stay_private(cluster):
    incoming = cluster["storages"]["incoming"]
    assert incoming["BACKEND"] == "storages.backends.s3.S3Storage"
    assert incoming["OPTIONS"]["bucket_name"] == "phananh-incoming"
    assert incoming["OPTIONS"]["location"] == "incoming"
    assert incoming["OPTIONS"]["default_acl"] is None
    assert incoming["OPTIONS"]["querystring_auth"] is False
    assert "custom_domain" not in incoming["OPTIONS"]
    # Static files stay with WhiteNoise on each app server.
    assert cluster["storages"]["staticfiles"]["BACKEND"].startswith("whitenoise.")


def test_proxy_settings(cluster):
    assert cluster["trusted_proxies"] == 1
    assert cluster["proxy_ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_signed_urls_for_a_private_bucket(tmp_path):
    config = configured(tmp_path, S3_BUCKET="phananh-media", S3_ENDPOINT_URL="http://127.0.0.1:9",
                        S3_ACCESS_KEY_ID="a", S3_SECRET_ACCESS_KEY="b", S3_REGION="us-east-1",
                        S3_SIGNED_URLS="true", S3_SIGNED_URL_SECONDS="600")
    options = config["storages"]["default"]["OPTIONS"]
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["querystring_expire"] == 600
    # Signing is local: the URL carries a signature valid for ten minutes.
    assert config["media_url"].startswith("http://127.0.0.1:9/phananh-media/media/photos/2026/01/abc.jpg?")
    assert "X-Amz-Expires=600" in config["media_url"] and "X-Amz-Signature=" in config["media_url"]
    # The originals' bucket defaults to the same one, under its own prefix.
    assert config["storages"]["incoming"]["OPTIONS"]["bucket_name"] == "phananh-media"


def test_request_limit_follows_the_photo_limits(tmp_path):
    config = configured(tmp_path, MAX_PHOTOS="3", MAX_UPLOAD_MB="8")
    assert config["max_request"] == (3 * 8 + 2) * 1024 * 1024
    assert configured(tmp_path, MAX_REQUEST_MB="100")["max_request"] == 100 * 1024 * 1024
