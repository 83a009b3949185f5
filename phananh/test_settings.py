"""Settings for the test suite: jobs run inline, files go to a throwaway folder."""

import os
import tempfile

os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="phananh-test-"))
os.environ["HUEY_IMMEDIATE"] = "1"

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
