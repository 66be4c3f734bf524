"""CC v3 resources; importing a module registers its endpoints."""


def load_all() -> None:
    from . import (  # noqa: F401
        app_features,
        apps,
        builds,
        droplets,
        jobs,
        manifests,
        orgs,
        packages,
        processes,
        resource_matches,
        root,
        routes,
        service_bindings,
        service_catalog,
        service_instances,
        space_quotas,
        tasks,
    )
