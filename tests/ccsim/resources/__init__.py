"""CC v3 resources; importing a module registers its endpoints."""


def load_all() -> None:
    from . import apps, droplet_copy, jobs, orgs, packages, processes, root, routes, services  # noqa: F401
