"""The native API (/api/v1/), one NinjaAPI with a router per app."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="PhanAnh API",
    version="1",
    description="Citizen reports: submit, follow, map and statistics. Vietnamese-first; "
    "send Accept-Language: en for English error messages.",
    urls_namespace="api",
)

from phananh.nlp.api import router as nlp_router  # noqa: E402
from phananh.public.api import router as public_router  # noqa: E402
from phananh.stats.api import router as stats_router  # noqa: E402

api.add_router("", public_router)
api.add_router("", stats_router)
api.add_router("", nlp_router)

from phananh import api_errors  # noqa: E402
from phananh.console.api import router as staff_router  # noqa: E402
from phananh.intake.api import router as reports_router  # noqa: E402

api.add_router("", reports_router)
api.add_router("", staff_router)
api_errors.install(api)  # one JSON error shape, in the caller's language, for every router
