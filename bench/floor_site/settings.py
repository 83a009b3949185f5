"""The floor for bench/bench_intake.py: the least a Django intake can do.

One view that stores the uploaded photo on disk and inserts one row, on
SQLite in the same WAL mode as PhanAnh, served by the same gunicorn setup.
Whatever PhanAnh does beyond this (validation, routing, deadlines, events,
notifications, job queue) is the cost of the real work.
"""

import os
from pathlib import Path

DATA_DIR = Path(os.environ["FLOOR_DATA_DIR"])
SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = []
MIDDLEWARE = []
ROOT_URLCONF = "floor_site.urls"
DATABASES = {"default": {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": DATA_DIR / "floor.sqlite3",
    "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE", "timeout": 30},
}}
MEDIA_ROOT = DATA_DIR / "media"
USE_TZ = True
