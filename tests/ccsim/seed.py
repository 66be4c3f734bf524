"""What exists at start: org `org` with spaces `space` and `space2`, users, roles, the shared domain, a
stack and the service catalog of the built-in broker. No space quota is applied."""

from __future__ import annotations

from typing import Any

from .state import Store
from .validate import new_metadata

ORG = "org"
SPACE = "space"
SPACE2 = "space2"
SPACES = (SPACE, SPACE2)
SHARED_DOMAIN = "apps.sim.test"
# username: roles as (role type, space name or None for an org role); the password is "<username>-password"
USERS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "admin": (("space_developer", SPACE), ("organization_manager", None), ("organization_user", None)),
    "nobody": (),
    "auditor": (("space_auditor", SPACE), ("organization_user", None)),
    "developer": (("space_developer", SPACE), ("organization_user", None)),
    "dev2": (("space_developer", SPACE2), ("organization_user", None)),
    "supporter": (("space_supporter", SPACE), ("organization_user", None)),
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
    # The corpus's offerings (skip-service-updates, fail-on-service-update, service-key-renewal): like SAP's
    # application-logs, it does not let an instance change its plan.
    {"name": "application-logs", "description": "Application logs", "tags": ["logs"], "plans": ["lite", "standard"],
     "plan_updateable": False},
    {"name": "postgresql-db", "description": "PostgreSQL, hyperscaler option", "tags": ["postgresql"],
     "plans": ["development", "standard"]},
    # An offering of the same name from another broker (what `service-broker` in a descriptor picks between).
    {"name": "redis", "description": "Redis cache from a partner", "tags": ["redis"], "plans": ["default"],
     "broker": "partner-broker"},
]


def seed_store(store: Store, extra_catalog: list[dict[str, Any]]) -> None:
    org = store.add("organizations", {"name": ORG, "metadata": new_metadata(None), "suspended": False})
    spaces = {name: store.add("spaces", {"name": name, "organization_guid": org["guid"], "quota_guid": None,
                                         "metadata": new_metadata(None)}) for name in SPACES}
    for username, roles in USERS.items():
        user = store.add("users", {"username": username, "password": f"{username}-password",
                                   "email": f"{username}@sim.test", "origin": "uaa", "metadata": new_metadata(None)})
        for role, space_name in roles:
            store.add("roles", {"type": role, "user_guid": user["guid"],
                                "space_guid": spaces[space_name]["guid"] if space_name else None,
                                "organization_guid": None if space_name else org["guid"]})
    store.add("domains", {"name": SHARED_DOMAIN, "organization_guid": None, "internal": False,
                          "metadata": new_metadata(None)})
    store.add("stacks", {"name": "cflinuxfs4", "description": "Cloud Foundry Linux-based filesystem",
                         "metadata": new_metadata(None)})
    brokers: dict[str, dict[str, Any]] = {}
    for offering in [*DEFAULT_CATALOG, *extra_catalog]:
        name = offering.get("broker", "sim-broker")
        if name not in brokers:
            url = "http://broker.sim.test" if name == "sim-broker" else f"http://{name}.sim.test"
            brokers[name] = store.add("service_brokers", {"name": name, "url": url, "metadata": new_metadata(None)})
        broker = brokers[name]
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
