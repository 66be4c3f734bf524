"""The deploy service's MTA metadata on apps and service instances, so either tool recognises the other's.

Labels (selectable, so values are md5 hex): `mta_id`, and `mta_namespace` when there is a namespace.
Annotations: `mta_id`, `mta_version`, `mta_namespace`; on apps `mta_module` (`{"name":...}`),
`mta_module_provided_dependencies` and `mta_bound_services` (JSON lists); on services `mta_resource`.
"""

from __future__ import annotations

import json
from typing import Any

from .model import AppSpec, DeploymentModel, ServiceSpec
from .names import md5_hex

LABEL_MTA_ID = "mta_id"
LABEL_MTA_NAMESPACE = "mta_namespace"


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def mta_labels(mta_id: str, namespace: str) -> dict[str, str]:
    labels = {LABEL_MTA_ID: md5_hex(mta_id)}
    if namespace:
        labels[LABEL_MTA_NAMESPACE] = md5_hex(namespace)
    return labels


def label_selector(mta_id: str, namespace: str) -> str:
    """CF v3 `label_selector` finding what this MTA (in this namespace) deployed."""
    ns = f"{LABEL_MTA_NAMESPACE}={md5_hex(namespace)}" if namespace else f"!{LABEL_MTA_NAMESPACE}"
    return f"{LABEL_MTA_ID}={md5_hex(mta_id)},{ns}"


def _common(model: DeploymentModel) -> dict[str, str]:
    annotations = {"mta_id": model.mta_id, "mta_version": model.version}
    if model.namespace:
        annotations["mta_namespace"] = model.namespace
    return annotations


def app_annotations(model: DeploymentModel, app_spec: AppSpec) -> dict[str, str]:
    return {
        **_common(model),
        "mta_module": _json({"name": app_spec.module}),
        "mta_module_provided_dependencies": _json(list(app_spec.provided_dependencies)),
        "mta_bound_services": _json([b.service_name for b in app_spec.bindings]),
    }


def service_annotations(model: DeploymentModel, service_spec: ServiceSpec) -> dict[str, str]:
    return {**_common(model), "mta_resource": _json({"name": service_spec.resource})}
