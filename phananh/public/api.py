"""Public, read-only endpoints of the native API (mounted at /api/v1/)."""

from ninja import Field, Query, Router, Schema, Status

from . import mapdata

router = Router(tags=["public"])


class MapCluster(Schema):
    lat: float = Field(description="Average latitude of the reports in the cluster")
    lng: float = Field(description="Average longitude of the reports in the cluster")
    count: int


class MapReport(Schema):
    code: str = Field(description="Tracking code; the public page is /phan-anh/{code}/")
    lat: float
    lng: float
    status: str = Field(description="Workflow status; rejected and duplicate reports are included")
    category: str = Field(description="Category code (Open311 service_code)")
    outcome: str = Field(description="For resolved and closed reports: fixed, cannot_fix or referred; "
                                     "otherwise empty. Only \"fixed\" means the problem was fixed.")


class MapOut(Schema):
    clusters: list[MapCluster]
    reports: list[MapReport]


class MapError(Schema):
    detail: str = Field(description="What is wrong, in the language asked for with Accept-Language")
    field: str


class MapParams(Schema):
    # Strings, checked by mapdata.parse_query, so every error is one clear sentence in the client's language.
    bbox: str = Field("", description="west,south,east,north in degrees (WGS 84), west < east, south < north",
                      examples=["106.68,10.76,106.72,10.79"])
    zoom: str = Field("", description="Map zoom level, 0 to 22; decides the clustering grid", examples=["14"])
    status: str = Field("", description="Optional: a status (in_progress) or a group "
                                        "(open, resolved, closed, rejected, duplicate)")
    category: str = Field("", description="Optional: a category code")


@router.get(
    "/map", response={200: MapOut, 400: MapError, 422: MapError}, url_name="map",
    summary="Reports on the map",
    description="Public reports inside a bounding box. With more than 200 in view they come back as "
                "server-side grid clusters (a cell holding a single report is sent as that report); "
                "otherwise every report individually. No reporter data is ever included.",
)
def map_reports(request, params: Query[MapParams]):
    try:
        query = mapdata.parse_query(params.bbox, params.zoom, params.status, params.category)
    except mapdata.MapQueryError as error:
        return Status(error.status, {"detail": error.message, "field": error.field})
    return Status(200, mapdata.map_data(query))


# --- what a client needs to send a report: the category and ward codes ---------------------

class CategoryOut(Schema):
    code: str = Field(description="The value of `category` when sending a report (= Open311 service_code)")
    name: str = Field(description="In the language asked for with Accept-Language")
    group: str = Field(description="Name of the group it belongs to")
    ack_hours: int = Field(description="Acknowledge within this many working hours")
    resolve_days: int = Field(description="Resolve within this many working days")


class WardOut(Schema):
    code: str = Field(description="The value of `ward` when sending a report without a map point")
    name: str
    parent: str | None = Field(description="Province / city name")


@router.get("/categories", response=list[CategoryOut], url_name="categories", summary="Categories",
            description="Active categories in display order, each with its promised deadlines.")
def categories(request):
    from phananh.intake.choices import active_categories

    return [{"code": c.code, "name": c.name, "group": c.group.name, "ack_hours": c.ack_hours,
             "resolve_days": c.resolve_days} for c in active_categories()]


@router.get("/wards", response=list[WardOut], url_name="wards", summary="Wards and communes",
            description="Active wards and communes that receive reports, by province then name.")
def wards(request):
    from phananh.intake.choices import active_wards

    return [{"code": w.code, "name": w.name, "parent": w.parent.name if w.parent_id else None}
            for w in active_wards()]
