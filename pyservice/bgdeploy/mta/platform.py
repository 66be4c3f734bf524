"""The platform's module types and resource types (the deploy service's open-source Cloud Foundry platform).

Module types give default parameters (a buildpack); resource types say what kind of service a resource is.
Types the deploy service only knows on SAP's hosted landscape (content deployers, HDI, ...) are refused with
a message saying so, rather than deployed as something they are not.
"""

from __future__ import annotations

from typing import Any

from .model import ServiceKind

MODULE_TYPE_DEFAULTS: dict[str, dict[str, Any]] = {
    "application": {},
    "custom": {},
    "javascript.nodejs": {},
    "java": {"buildpack": "java_buildpack"},
    "java.tomcat": {"buildpack": "java_buildpack"},
    "java.tomee": {"buildpack": "java_buildpack"},
    "staticfile": {"buildpack": "staticfile_buildpack"},
    "ruby": {"buildpack": "ruby_buildpack"},
    "nodejs": {"buildpack": "nodejs_buildpack"},
    "go": {"buildpack": "go_buildpack"},
    "python": {"buildpack": "python_buildpack"},
    "php": {"buildpack": "php_buildpack"},
    "binary": {"buildpack": "binary_buildpack"},
    "dotnet_core": {"buildpack": "dotnet_core_buildpack"},
}

UNSUPPORTED_MODULE_TYPES: dict[str, str] = {
    "com.sap.application.content": "content deployment modules (com.sap.application.content) are not supported",
    "com.sap.html5.application-content": "HTML5 content modules are not supported",
    "com.sap.hcp.html5": "HTML5 content modules are not supported",
    "com.sap.xs.hdi": "HDI deployer modules are not supported",
    "hdb": "HDI deployer modules are not supported",
}

RESOURCE_TYPES: dict[str, ServiceKind] = {
    "org.cloudfoundry.managed-service": "managed",
    "org.cloudfoundry.user-provided-service": "user-provided",
    "org.cloudfoundry.existing-service": "existing-service",
    "org.cloudfoundry.existing-service-key": "existing-service-key",
}

UNSUPPORTED_RESOURCE_TYPES: dict[str, str] = {
    "configuration": "cross-MTA configuration resources (type: configuration) are not supported",
    "org.cloudfoundry.configuration": "cross-MTA configuration resources are not supported",
}


def module_type_error(module_type: str) -> str | None:
    if module_type in MODULE_TYPE_DEFAULTS:
        return None
    if module_type in UNSUPPORTED_MODULE_TYPES:
        return UNSUPPORTED_MODULE_TYPES[module_type]
    known = ", ".join(sorted(MODULE_TYPE_DEFAULTS))
    return f'unsupported module type "{module_type}" (supported: {known})'


def resource_type_error(resource_type: str) -> str | None:
    if resource_type in RESOURCE_TYPES:
        return None
    if resource_type in UNSUPPORTED_RESOURCE_TYPES:
        return UNSUPPORTED_RESOURCE_TYPES[resource_type]
    known = ", ".join(sorted(RESOURCE_TYPES))
    return f'unsupported resource type "{resource_type}" (supported: {known}, or no type for plain properties)'
