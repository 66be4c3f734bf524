"""Size and shape limits for untrusted input; checked before the input can cost memory or time."""

from __future__ import annotations

MAX_DESCRIPTOR_BYTES = 1024 * 1024  # mtad.yaml / .mtaext (deploy service default)
MAX_MANIFEST_BYTES = 1024 * 1024  # META-INF/MANIFEST.MF
MAX_RESOURCE_FILE_BYTES = 1024 * 1024  # MTA-Resource / MTA-Requires JSON files
MAX_MODULE_BYTES = 1024**3  # one module's content, uncompressed
MAX_ARCHIVE_BYTES = 4 * 1024**3  # sum of uncompressed entries
MAX_ENTRIES = 100_000
MAX_COMPRESSION_RATIO = 200  # uncompressed / compressed, for entries above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024 * 1024

MAX_YAML_NODES = 200_000  # nodes after alias expansion (billion-laughs guard)
MAX_YAML_DEPTH = 64
MAX_PLACEHOLDER_DEPTH = 32
