"""`--dry-run`: what a deploy would do, from reads only.

    preview.py    resolves the deploy as pre-flight does, detects what is deployed (engine/detection.py)
                  through a read-only CC session; nothing is stored and nothing is written
    services.py   per service, as the services and delete-services steps decide (actions/services.py)
    modules.py    per module and route, as deploy-apps, map-live-routes, unmap-old and undeploy-old decide
                  (the pure what-differs functions of actions/apps.py, routes.py, bindings.py, bits.py)
    document.py   the plan as a typed document: the JSON of `--json` (docs/dry-run.md)
    render.py     the same plan in words
"""

from bgdeploy.engine.dryrun.document import DryRunPlan
from bgdeploy.engine.dryrun.preview import preview
from bgdeploy.engine.dryrun.render import lines

__all__ = ["DryRunPlan", "lines", "preview"]
