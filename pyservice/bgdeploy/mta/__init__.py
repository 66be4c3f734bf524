"""MTA archives and descriptors: read, merge, resolve into a DeploymentModel (see model.py).

The engine calls:
    open_archive(path) -> MtaArchive                 archive.py (context manager; streaming module bits)
    build_archive_from_directory(directory, out)     directory.py (deploying `./`)
    load_descriptor(text, file_name) -> Descriptor   descriptor.py / schema.py (YAML with limits and lines)
    load_extension(text, file_name) -> ExtensionDescriptor
    resolve(descriptor, extensions, ctx, phase, *, selected_modules, selected_resources, archive) -> model
    metadata.mta_labels / app_annotations / service_annotations / label_selector
    check_version_rule(rule, deployed, new)          versions.py

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
from .directory import build_archive_from_directory
from .loader import load_descriptor, load_extension
from .resolve import resolve
from .versions import check_version_rule

__all__ = [
    "Descriptor",
    "ExtensionDescriptor",
    "MtaArchive",
    "build_archive_from_directory",
    "check_version_rule",
    "load_descriptor",
    "load_extension",
    "open_archive",
    "resolve",
]
