"""Settings for the test suite: jobs run inline, files go to a throwaway folder."""

import os
import tempfile

os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="phananh-test-"))
os.environ["HUEY_IMMEDIATE"] = "1"

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Pages render without a prior collectstatic.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
STATIC_ROOT = VAR_DIR / "static"  # noqa: F405
STATIC_ROOT.mkdir(exist_ok=True)

if DATABASES["default"]["ENGINE"] == "phananh.db.sqlite":  # noqa: F405
    # In memory, as for Django's own SQLite backend. Said outright because
    # pytest-django recognises SQLite by engine name and would otherwise
    # derive per-worker file names under xdist.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405

if CACHES["default"]["BACKEND"].endswith("FileBasedCache"):  # noqa: F405
    # pytest-xdist's workers inherit the controller's VAR_DIR; one cache
    # folder each keeps a test's cached values away from another worker's.
    CACHES["default"]["LOCATION"] = str(VAR_DIR / "cache" / os.environ.get("PYTEST_XDIST_WORKER", "main"))  # noqa: F405
