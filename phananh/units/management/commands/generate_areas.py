"""`manage.py generate_areas PARENT --bbox W,S,E,N`: synthetic boundaries as GeoJSON.

For trying PhanAnh where no official ward boundaries are at hand: the wards
under PARENT that have no area yet get adjacent cells with irregular edges
tiling the box (the demo's generator). The output is a FeatureCollection for
`import_areas --synthetic`, so a person sees and keeps the file that is
imported, and every imported area stays labelled as not official.
"""

import json
import math

from django.core.management.base import BaseCommand, CommandError

from phananh.demo.areas import feature_collection
from phananh.units.models import Unit, UnitKind


class Command(BaseCommand):
    help = (
        "Write synthetic GeoJSON boundaries (a grid of irregular cells over --bbox) for the wards under "
        "PARENT that have no area; import them with `import_areas FILE --synthetic`."
    )

    def add_arguments(self, parser):
        parser.add_argument("parent", metavar="PARENT_CODE", help="Code of the unit whose wards get boundaries.")
        parser.add_argument("--bbox", required=True, metavar="W,S,E,N",
                            help="Box to tile, in degrees: west,south,east,north.")
        parser.add_argument("--output", metavar="FILE", help="Write to FILE instead of standard output.")
        parser.add_argument("--seed", type=int, default=79, help="Random seed for the cell edges.")

    def handle(self, parent, bbox, output=None, seed=79, **options):
        unit = Unit.objects.filter(code=parent).first()
        if unit is None:
            raise CommandError(f"no unit with code {parent!r}")
        bounds = self._bounds(bbox)
        wards = list(
            unit.subtree().filter(kind=UnitKind.WARD, subtype="", areas__isnull=True).exclude(pk=unit.pk)
            .order_by("code").values_list("code", "name")
        )
        if not wards:
            raise CommandError(f"every ward under {unit.name} already has an area")
        # As square as the box allows: columns in proportion to its width.
        west, south, east, north = bounds
        aspect = (east - west) * math.cos(math.radians((south + north) / 2)) / (north - south)
        cols = max(1, min(len(wards), round(math.sqrt(len(wards) * aspect))))
        text = json.dumps(feature_collection(wards, bounds=bounds, cols=cols, seed=seed), ensure_ascii=False)
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
            self.stderr.write(f"wrote {len(wards)} synthetic areas to {output}")
        else:
            self.stdout.write(text)

    @staticmethod
    def _bounds(text):
        try:
            west, south, east, north = (float(x) for x in text.split(","))
        except ValueError:
            raise CommandError("--bbox takes four numbers: west,south,east,north")
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise CommandError("--bbox must be west,south,east,north in degrees, west < east and south < north")
        return west, south, east, north
