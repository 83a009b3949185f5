"""A synthetic country for trying routing at national scale.

`create_country(3321)` adds 34 provinces, a street-lighting and a water
company under each, and the communes, each with an area: irregular cells
(phananh.demo.areas.grid_cells) tiling Vietnam's bounding box, a
province being a run of neighbouring cells. Nothing here is real: codes
start with "syn-", names end with "(mô phỏng)" ("simulated"), and every
area is marked synthetic with its source, so no one mistakes it for an
official boundary.
"""

import math
from dataclasses import dataclass

from django.db import transaction

from phananh.demo.areas import grid_cells

from .models import Area, Unit, UnitKind

PREFIX = "syn-"
SOURCE = "generate_areas --communes: synthetic national grid — not official"
PROVINCES = 34
# Vietnam's bounding box: west, south, east, north.
VIETNAM = (102.14, 8.56, 109.47, 23.39)
MAX_COMMUNES = 20_000
UTILITIES = (("lighting", "Công ty Chiếu sáng"), ("water", "Công ty Cấp nước"))


@dataclass
class Made:
    provinces: int
    utilities: int
    communes: int


def create_country(communes, *, seed=79):
    if not 1 <= communes <= MAX_COMMUNES:
        raise ValueError(f"--communes must be between 1 and {MAX_COMMUNES}")
    if Unit.objects.filter(code__startswith=PREFIX).exists():
        raise ValueError("a synthetic country is already in the database (units whose code starts with "
                         f"{PREFIX!r}); remove it first")
    provinces = min(PROVINCES, communes)
    west, south, east, north = VIETNAM
    aspect = (east - west) * math.cos(math.radians((south + north) / 2)) / (north - south)
    cols = max(1, round(math.sqrt(communes * aspect)))
    rows = -(-communes // cols)
    cells = grid_cells(VIETNAM, rows, cols, seed=seed)[:communes]
    with transaction.atomic():
        heads = []
        for p in range(provinces):
            province = Unit.objects.create(code=f"{PREFIX}tinh-{p + 1:02d}", kind=UnitKind.PROVINCE,
                                           name=f"Tỉnh {p + 1:02d} (mô phỏng)")
            for subtype, name in UTILITIES:
                Unit.objects.create(code=f"{province.code}-{subtype}", kind=UnitKind.UTILITY, subtype=subtype,
                                    parent=province, name=f"{name} tỉnh {p + 1:02d} (mô phỏng)")
            heads.append(province)
        areas = []
        for n, cell in enumerate(cells):
            # Cells are listed row by row: a province is a run of neighbours.
            province = heads[n * provinces // communes]
            commune = Unit.objects.create(code=f"{PREFIX}xa-{n + 1:05d}", kind=UnitKind.WARD, parent=province,
                                          name=f"Xã {n + 1:05d} (mô phỏng)")
            lngs = [x for x, _y in cell[0]]
            lats = [y for _x, y in cell[0]]
            areas.append(Area(unit=commune, name=commune.name, geometry={"type": "Polygon", "coordinates": cell},
                              min_lat=min(lats), min_lng=min(lngs), max_lat=max(lats), max_lng=max(lngs),
                              synthetic=True, source=SOURCE))
        Area.objects.bulk_create(areas, batch_size=500)
    return Made(provinces=provinces, utilities=provinces * len(UTILITIES), communes=len(cells))
