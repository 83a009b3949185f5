import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from shapely.geometry import shape
from shapely.validation import explain_validity

from phananh.units.models import Area, Unit, UnitKind


class Command(BaseCommand):
    help = (
        "Import ward/commune boundaries from GeoJSON files. Each feature names its unit by the "
        "property given with --unit-property (default: code). All files load or none do."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--unit-property", default="code")
        parser.add_argument("--name-property", default="name")
        parser.add_argument("--create-units-under", metavar="PARENT_CODE",
                            help="Create missing units as wards under this unit instead of failing.")
        parser.add_argument("--replace", action="store_true", help="Replace the existing areas of each unit.")
        parser.add_argument("--synthetic", action="store_true", help="Mark the boundaries as synthetic.")
        parser.add_argument("--source", default="", help="Where the boundaries come from.")

    def handle(self, files, **opts):
        parent = None
        if opts["create_units_under"]:
            parent = Unit.objects.filter(code=opts["create_units_under"]).first()
            if parent is None:
                raise CommandError(f"no unit with code {opts['create_units_under']!r}")
        features = []
        for file in files:
            features.extend((file, i, f) for i, f in enumerate(self._features(file)))
        created = 0
        with transaction.atomic():
            replaced = set()
            for file, i, feature in features:
                where = f"{file}, feature {i + 1}"
                if not isinstance(feature, dict):
                    raise CommandError(f"{where}: not a GeoJSON Feature")
                props = feature.get("properties") or {}
                if not isinstance(props, dict):
                    raise CommandError(f"{where}: properties must be an object")
                # None and "" both mean missing (str(None) would look up a unit "None").
                code = str(props.get(opts["unit_property"]) or "").strip()
                if not code:
                    raise CommandError(f"{where}: property {opts['unit_property']!r} is missing")
                name = str(props.get(opts["name_property"]) or code).strip()
                unit = Unit.objects.filter(code=code).first()
                if unit is None:
                    if parent is None:
                        raise CommandError(f"{where}: no unit with code {code!r} (use --create-units-under)")
                    unit = Unit.objects.create(code=code, name=name, kind=UnitKind.WARD, parent=parent)
                elif unit.kind != UnitKind.WARD or unit.subtype:
                    # Routing reads an area's unit as the ward of a report.
                    raise CommandError(f"{where}: unit {code!r} is a {unit.handler_kind}, not a ward or commune")
                geometry = feature.get("geometry") or {}
                if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
                    raise CommandError(f"{where}: geometry must be a Polygon or MultiPolygon")
                try:
                    geom = shape(geometry)
                except Exception as exc:
                    raise CommandError(f"{where}: unreadable geometry ({exc})")
                if geom.is_empty:
                    raise CommandError(f"{where}: the polygon is empty")
                if not geom.is_valid:
                    raise CommandError(f"{where}: invalid polygon ({explain_validity(geom)})")
                min_lng, min_lat, max_lng, max_lat = geom.bounds
                if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
                    raise CommandError(
                        f"{where}: coordinates out of range; GeoJSON is [longitude, latitude] in degrees"
                    )
                if opts["replace"] and unit.pk not in replaced:
                    unit.areas.all().delete()
                    replaced.add(unit.pk)
                Area.objects.create(
                    unit=unit, name=name, geometry=geometry, min_lat=min_lat, min_lng=min_lng,
                    max_lat=max_lat, max_lng=max_lng, synthetic=opts["synthetic"], source=opts["source"],
                )
                created += 1
        self.stdout.write(f"imported {created} areas from {len(files)} file(s)")

    @staticmethod
    def _features(file):
        try:
            with open(file, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"cannot read {file}: {exc}")
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            features = data.get("features") or []
            if not isinstance(features, list):
                raise CommandError(f"{file}: \"features\" must be a list")
            return features
        if isinstance(data, dict) and data.get("type") == "Feature":
            return [data]
        raise CommandError(f"{file}: expected a GeoJSON FeatureCollection or Feature")
