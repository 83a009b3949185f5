"""Print, as shell assignments, where this install keeps its data, read from
the app's own settings. scripts/backup.sh and scripts/restore.sh eval it."""

import shlex

import django

django.setup()
from django.conf import settings  # noqa: E402

db = settings.DATABASES["default"]
local = settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
values = {
    # "sqlite" for Django's backend and PhanAnh's queued-writer one (phananh/db/sqlite) alike.
    "ENGINE": "sqlite" if "sqlite" in db["ENGINE"] else db["ENGINE"].rsplit(".", 1)[-1],
    "DB_NAME": str(db["NAME"]),
    "VAR": str(settings.VAR_DIR),
    "MEDIA": str(settings.MEDIA_ROOT) if local else "",
    "INCOMING": str(settings.INCOMING_ROOT) if local else "",
    "CLASSIFIER": str(settings.CLASSIFIER_PATH),
}
for name, value in values.items():
    print(f"{name}={shlex.quote(value)}")
