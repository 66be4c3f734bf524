"""Incremental blue-green (`--strategy incremental-blue-green`): what differs from a plain switch.

The new app starts on 1 instance (on the temporary routes, then on the productive ones); after the resume
its instances grow one at a time while the old app's shrink (`steps/incremental_switch.py`), so a module
never runs more than N+1 instances and the space needs no room for twice the app.
"""

from __future__ import annotations

from dataclasses import replace

from bgdeploy.engine.options import DeployOptions
from bgdeploy.engine.plan import DeploymentPlan
from bgdeploy.mta.model import AppSpec


def applies(options: DeployOptions, plan: DeploymentPlan) -> bool:
    """Only when a version serves already: a first deploy scales in the standard way."""
    return options.incremental and plan.blue_green and plan.live_version


def desired_instances(spec: AppSpec) -> int:
    return 1 if spec.instances is None else spec.instances


def first_scale(options: DeployOptions, plan: DeploymentPlan, spec: AppSpec) -> AppSpec:
    """The spec the new app is first deployed with: 1 instance while incremental applies."""
    if applies(options, plan) and desired_instances(spec) > 1:
        return replace(spec, instances=1)
    return spec
