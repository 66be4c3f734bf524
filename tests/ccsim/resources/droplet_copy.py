"""Copying a droplet to another app (`POST /v3/droplets?source_guid=`): the copy is COPYING until its
bits are copied after `job_s`, then STAGED (or FAILED when the source is gone), as CC's DropletBitsCopier.
CC's plain droplet create (for droplet uploads) is not simulated: without `source_guid` it is refused."""

from __future__ import annotations

import shutil
from typing import Any

from .. import access
from ..api import Req, Resp, endpoint
from ..errors import not_found, unknown_request, unprocessable
from ..validate import new_metadata
from .apps import get_app
from .packages import present_droplet

Resource = dict[str, Any]


@endpoint("POST", "/v3/droplets")
def copy_droplet(req: Req) -> Resp:
    req.query.allow("source_guid", paging=False)
    source_guid = req.query.get("source_guid")
    if not source_guid:
        raise unknown_request()
    check = req.checker(("relationships",))
    rels = check.relationships(("app",))
    check.done()
    sim, store = req.sim, req.sim.store
    assert req.user is not None
    source = store.find("droplets", source_guid)
    source_app = store.find("apps", source["app_guid"]) if source else None
    if source is None or source_app is None or \
            source_app["space_guid"] not in access.readable_space_guids(sim, req.user):
        raise not_found("Droplet")
    target = get_app(req, rels["app"], write=True)
    if source["state"] != "STAGED":
        raise unprocessable("Source droplet is not staged")
    if source["lifecycle_type"] != target["lifecycle"]["type"]:
        raise unprocessable("Source and destination lifecycle types do not match")
    droplet = store.add("droplets", {
        "state": "COPYING", "error": None, "execution_metadata": source["execution_metadata"],
        "process_types": dict(source["process_types"]), "stack": source["stack"], "image": source["image"],
        "lifecycle_type": source["lifecycle_type"], "checksum": source["checksum"], "app_guid": target["guid"],
        "package_guid": None, "metadata": new_metadata(None),
    })
    droplet["_dir"] = str(sim.droplet_dir(droplet["guid"]))
    sim.clock.call_later(sim.config.job_s, lambda: _copied(sim, source["guid"], droplet))
    return Resp(201, present_droplet(req, droplet))


def _copied(sim: Any, source_guid: str, droplet: Resource) -> None:
    """A timed callback (the simulator's lock is held)."""
    if droplet["guid"] not in sim.store.tables["droplets"]:
        return
    source = sim.store.find("droplets", source_guid)
    if source is None:
        droplet["state"], droplet["error"] = "FAILED", "failed to copy - source droplet does not exist"
    else:
        shutil.copytree(source["_dir"], droplet["_dir"], symlinks=True, dirs_exist_ok=True)
        droplet["state"] = "STAGED"
    sim.store.touch(droplet)
