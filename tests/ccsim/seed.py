"""What exists at start: org `org`, space `space`, users, roles, the shared domain, a stack and the
service catalog of the built-in broker."""

from __future__ import annotations

from typing import Any

from .state import Store
from .validate import new_metadata

ORG = "org"
SPACE = "space"
SHARED_DOMAIN = "apps.sim.test"
USERS = {
    # username: (password, roles)
    "admin": ("admin-password", ("space_developer", "organization_manager", "organization_user")),
    "nobody": ("nobody-password", ()),
    "auditor": ("auditor-password", ("space_auditor", "organization_user")),
}
DEFAULT_CATALOG: list[dict[str, Any]] = [
    {"name": "postgresql", "description": "PostgreSQL database", "tags": ["postgresql", "relational"],
     "plans": ["small", "large"]},
    {"name": "redis", "description": "Redis cache", "tags": ["redis", "cache"], "plans": ["default"]},
    {"name": "xsuaa", "description": "Authorization and trust management", "tags": ["xsuaa"],
     "plans": ["application", "broker"]},
    {"name": "objectstore", "description": "Object store", "tags": ["objectstore"], "plans": ["standard"]},
    {"name": "destination", "description": "Destination service", "tags": ["destination"], "plans": ["lite"]},
    {"name": "mongodb", "description": "MongoDB", "tags": ["mongodb"], "plans": ["v4.0-dev", "default"]},
]


def seed_store(store: Store, extra_catalog: list[dict[str, Any]]) -> None:
    org = store.add("organizations", {"name": ORG, "metadata": new_metadata(None), "suspended": False})
    space = store.add("spaces", {"name": SPACE, "organization_guid": org["guid"], "metadata": new_metadata(None)})
    for username, (password, roles) in USERS.items():
        user = store.add("users", {"username": username, "password": password, "email": f"{username}@sim.test",
                                   "origin": "uaa", "metadata": new_metadata(None)})
        for role in roles:
            store.add("roles", {"type": role, "user_guid": user["guid"],
                                "space_guid": space["guid"] if role.startswith("space_") else None,
                                "organization_guid": org["guid"] if role.startswith("organization_") else None})
    store.add("domains", {"name": SHARED_DOMAIN, "organization_guid": None, "internal": False,
                          "metadata": new_metadata(None)})
    store.add("stacks", {"name": "cflinuxfs4", "description": "Cloud Foundry Linux-based filesystem",
                         "metadata": new_metadata(None)})
    broker = store.add("service_brokers", {"name": "sim-broker", "url": "http://broker.sim.test",
                                           "metadata": new_metadata(None)})
    for offering in [*DEFAULT_CATALOG, *extra_catalog]:
        off = store.add("service_offerings", {
            "name": offering["name"], "description": offering.get("description", offering["name"]),
            "tags": list(offering.get("tags", [])), "bindable": offering.get("bindable", True),
            "plan_updateable": offering.get("plan_updateable", True), "broker_guid": broker["guid"],
            "metadata": new_metadata(None), "shareable": True, "available": True,
        })
        for plan in offering.get("plans", ["default"]):
            store.add("service_plans", {"name": plan, "offering_guid": off["guid"], "free": True,
                                        "description": f"{plan} plan of {offering['name']}",
                                        "metadata": new_metadata(None), "available": True})
