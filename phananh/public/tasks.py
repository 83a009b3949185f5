"""Jobs of the public pages: rebuilding the crowded map's grids off the request path."""

from huey.contrib.djhuey import HUEY, db_task
from huey.exceptions import TaskLockedException

from . import mapgrid


@db_task()
def rebuild_map_grid(statuses=None, category=None):
    """Build the grid of one map filter; a request for the same filter while
    one build runs is dropped: one build is enough."""
    try:
        with HUEY.lock_task(f"public-map-grid:{statuses}:{category}"):
            mapgrid.refresh(statuses, category)
    except TaskLockedException:
        return
