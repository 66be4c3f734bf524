"""MTA archives and descriptors: read, merge, resolve into a DeploymentModel (see model.py).
Archives are built from directories by the plugin (plugin-shim/internal/archive), never here.

The engine calls:
    open_archive(path) -> MtaArchive                 archive.py (context manager; streaming module bits)
    load_descriptor(text, file_name) -> Descriptor   loader.py (YAML with limits and lines, then the schema)
    load_extension(text, file_name) -> ExtensionDescriptor
    resolve(descriptor, extensions, ctx, phase, *, selected_modules, selected_resources, archive) -> model
    model_to_json(model) -> str / model_from_json(text) -> DeploymentModel   serialize.py (store and reload)
    metadata.mta_labels / app_annotations / service_annotations / label_selector
    check_version_rule(rule, deployed, new)          versions.py

Layout (no import cycles, lazy imports included: tests/unit/mta/test_package_layout.py checks):
    model.py          what the engine deploys: DeploymentModel, AppSpec, ServiceSpec, Route, PlatformContext, ...
    serialize.py      DeploymentModel <-> JSON, generically from the dataclass type hints
    metadata.py       the deploy service's labels and annotations on apps and services
    versions.py       `--version-rule`
    archive.py        .mtar reading (limits, zip-bomb checks, streaming); manifest.py: META-INF/MANIFEST.MF
    loader.py         text -> descriptor: yamlload.py (safe YAML, lines per element), then schema.py
                      (validation), which builds the dataclasses of descriptor.py (data only)
    extensions.py     the extension descriptor chain merged into the descriptor
    resolve/          the merged descriptor + platform facts -> DeploymentModel, one module per pass
                      (see resolve/__init__.py); it uses:
      placeholders.py   `${...}`          references.py  `~{...}`
      system.py         system parameters (`default-host`, `generated-password`, ...)
      platform.py       module and resource types      routes.py  live and idle routes
      names.py          hosts, namespaced and shortened names      ordering.py  topological orders
      units.py          `256M`, whole numbers, booleans            limits.py    sizes for untrusted input

Knowingly not supported (the engine says so):
- Content-deployment and other SAP-landscape module types (`com.sap.application.content`, HDI, HTML5):
  ContentError naming `modules[i].type` (unless the module is not selected or has `skip-deploy`).
- Cross-MTA configuration (`type: configuration` resources, `~{...}` into them): ContentError naming the
  resource type or the reference. Provided dependencies are not published for other MTAs.
- Dynamic parameters (`${service-guid}`), known only after services exist: ContentError at the placeholder.
- Resource types other than the four `org.cloudfoundry.*` service types and plain property resources
  (e.g. `auditlog`): ContentError, or a warning and skip when the resource is `optional`.
- Run-to-completion modules (`execute-app`): ContentError.
- Service-broker registration (`create-service-broker`), TCP routes: `model.warnings`. Hooks and `tasks`
  are resolved into `AppSpec.hooks`/`AppSpec.tasks` (unknown hook phases and types: ContentError).
- `${app-name}` and `${default-live-app-name}` give the app name without the engine's `-blue`/`-green` suffix.
"""

from .archive import MtaArchive, open_archive
from .descriptor import Descriptor, ExtensionDescriptor
from .loader import load_descriptor, load_extension
from .resolve import resolve
from .serialize import model_from_json, model_to_json
from .versions import check_version_rule

__all__ = [
    "Descriptor",
    "ExtensionDescriptor",
    "MtaArchive",
    "check_version_rule",
    "load_descriptor",
    "load_extension",
    "model_from_json",
    "model_to_json",
    "open_archive",
    "resolve",
]
