"""Apps deployed without MTA metadata (plain `cf push`) whose names are a module's app name: the seed's
"if there are already installed applications, the deploy service will add 'blue' to the existing
application names". They are given this MTA's labels and their module's annotation first, so the colour
rename that follows, every later step and a retry see them as the deployed version."""

from __future__ import annotations

import json

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc.models import App
from bgdeploy.engine.step import StepContext
from bgdeploy.mta import metadata


def take_over_unlabelled(ctx: StepContext, deployed: list[App]) -> list[App]:
    """Label the unlabelled apps named like the app of a module that has no deployed app; returns them."""
    model = ctx.model("live")
    have = {a.module for a in deployed}
    by_name = {spec.name: spec for spec in model.apps if spec.module not in have}
    taken = []
    for app in cc_apps.named(ctx.cc, ctx.op.space_guid, list(by_name)):
        if metadata.LABEL_MTA_ID in app.labels or app.name not in by_name:
            continue  # another MTA's, or not ours to take
        spec = by_name[app.name]
        ctx.log.info(msg.TAKING_OVER_APP.format(app=app.name, module=spec.module, id=model.mta_id), app=app.name,
                     module=spec.module)
        annotations = {"mta_id": model.mta_id, "mta_module": json.dumps({"name": spec.module}, separators=(",", ":"))}
        if model.namespace:
            annotations["mta_namespace"] = model.namespace
        taken.append(cc_apps.update(ctx.cc, app.guid, metadata={
            "labels": metadata.mta_labels(model.mta_id, model.namespace), "annotations": annotations}))
    return taken
