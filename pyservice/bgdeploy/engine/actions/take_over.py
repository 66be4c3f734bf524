"""Apps deployed without MTA metadata (plain `cf push`) whose names are a module's app name: the seed's
"if there are already installed applications, the deploy service will add 'blue' to the existing
application names". They are given this MTA's labels and their module's annotation first, so the colour
rename that follows, every later step and a retry see them as the deployed version."""

from __future__ import annotations

import dataclasses
import json

from bgdeploy import messages as msg
from bgdeploy.cc import apps as cc_apps
from bgdeploy.cc.models import App
from bgdeploy.engine.step import StepContext
from bgdeploy.mta import metadata


def unlabelled(ctx: StepContext, deployed: list[App]) -> list[App]:
    """The unlabelled apps named like the app of a module that has no deployed app, each as it is once taken
    over (with this MTA's metadata). Reads only: a dry run shows them."""
    model = ctx.model("live")
    have = {a.module for a in deployed}
    by_name = {spec.name: spec for spec in model.apps if spec.module not in have}
    if not by_name:
        return []
    found = []
    for app in cc_apps.named(ctx.cc, ctx.op.space_guid, list(by_name)):
        if metadata.LABEL_MTA_ID in app.labels or app.name not in by_name:
            continue  # another MTA's, or not ours to take
        meta = _metadata(model.mta_id, model.namespace, by_name[app.name].module)
        found.append(dataclasses.replace(app, labels={**app.labels, **meta["labels"]},
                                         annotations={**app.annotations, **meta["annotations"]}))
    return found


def take_over_unlabelled(ctx: StepContext, deployed: list[App]) -> list[App]:
    """Label the apps `unlabelled` finds; returns them as CC shows them then."""
    model, taken = ctx.model("live"), []
    for app in unlabelled(ctx, deployed):
        ctx.log.info(msg.TAKING_OVER_APP.format(app=app.name, module=app.module, id=model.mta_id), app=app.name,
                     module=app.module)
        meta = _metadata(model.mta_id, model.namespace, app.module)
        taken.append(cc_apps.update(ctx.cc, app.guid, metadata=meta))
    return taken


def _metadata(mta_id: str, namespace: str, module: str) -> dict[str, dict[str, str]]:
    annotations = {"mta_id": mta_id, "mta_module": json.dumps({"name": module}, separators=(",", ":"))}
    if namespace:
        annotations["mta_namespace"] = namespace
    return {"labels": metadata.mta_labels(mta_id, namespace), "annotations": annotations}
