"""Synthetic boundaries, for trying PhanAnh where no official ones are at hand.

`manage.py generate_areas PARENT --bbox W,S,E,N`: the wards under PARENT
that have no area yet get adjacent cells with irregular edges tiling the box
(the demo's generator). The output is a FeatureCollection for
`import_areas --synthetic`, so a person sees and keeps the file that is
imported, and every imported area stays labelled as not official.

`manage.py generate_areas --communes 3321`: a whole synthetic country in the
database, to see PhanAnh route at national scale: 34 provinces, each with
its street-lighting and water companies, and the communes with their areas
tiling Vietnam's bounding box. Every unit's name and code and every area
say that they are synthetic (phananh.units.synthetic).
"""

import json
import math

from django.core.management.base import BaseCommand, CommandError

from phananh.demo.areas import feature_collection
from phananh.units import synthetic
from phananh.units.models import Unit, UnitKind


class Command(BaseCommand):
    help = (
        "Write synthetic GeoJSON boundaries (a grid of irregular cells over --bbox) for the wards under "
        "PARENT that have no area; import them with `import_areas FILE --synthetic`."
    )

    def add_arguments(self, parser):
        parser.add_argument("parent", metavar="PARENT_CODE", nargs="?",
                            help="Code of the unit whose wards get boundaries.")
        parser.add_argument("--bbox", metavar="W,S,E,N", help="Box to tile, in degrees: west,south,east,north.")
        parser.add_argument("--communes", type=int, metavar="N",
                            help="Instead: create a synthetic country of N communes (and 34 provinces) in the "
                                 "database, with their areas.")
        parser.add_argument("--output", metavar="FILE", help="Write to FILE instead of standard output.")
        parser.add_argument("--seed", type=int, default=79, help="Random seed for the cell edges.")

    def handle(self, parent=None, bbox=None, output=None, seed=79, communes=None, **options):
        if communes is not None:
            if parent or bbox or output:
                raise CommandError("--communes creates a whole country: give no PARENT_CODE, --bbox or --output")
            try:
                made = synthetic.create_country(communes, seed=seed)
            except ValueError as error:
                raise CommandError(str(error))
            self.stdout.write(f"created {made.provinces} provinces, {made.utilities} utilities and "
                              f"{made.communes} communes with synthetic areas (labelled synthetic)")
            return
        if not parent or not bbox:
            raise CommandError("give PARENT_CODE and --bbox W,S,E,N, or --communes N")
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
