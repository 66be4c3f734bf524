"""Validate response bodies against CC's OpenAPI description (`../shared/capi-openapi/apis/cf/latest`).

The simulator runs this on every JSON answer when started with `--openapi-dir DIR`; violations are
counted in `/_sim/state` → `openapi` and listed by `GET /_sim/openapi`. Test suites fail on any.
Where the description is wrong, the fix is applied to the loaded schema in `SPEC_FIXES` (see there).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

# Where the experimental description disagrees with CC's documentation, the loaded schema is mended:
#  1. Nullable references: `{type: [object, "null"], $ref: X}` (e.g. RelationshipToOne.data, used for
#     a space's `quota` and an app's current droplet) — in JSON Schema 2020-12 `$ref` applies next to
#     `type`, and X says `type: object`, so `null` (documented by CC: "data": null for an unset to-one
#     relationship) could never validate. Read as `anyOf: [{type: null}, {$ref: X}]`.


def _mend(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _mend(v) for k, v in node.items()}
        kind = node.get("type")
        if "$ref" in node and isinstance(kind, list) and "null" in kind:
            ref = node.pop("$ref")
            node.pop("type")
            node["anyOf"] = [{"type": "null"}, {"$ref": ref}]
        return node
    if isinstance(node, list):
        return [_mend(v) for v in node]
    return node


def _pointer(doc: Any, pointer: str) -> Any:
    for part in [p for p in pointer.split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


class OpenApiChecker:
    def __init__(self, spec_dir: Path) -> None:
        self.root = spec_dir.resolve()
        self._files: dict[Path, Any] = {}
        self._lock = threading.Lock()
        self._validators: dict[str, Draft202012Validator] = {}
        self.registry: Registry = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        spec = self._load(self.root / "openapi.yaml")
        self.paths: list[tuple[re.Pattern[str], Path, Any]] = []
        for template, item in spec["paths"].items():
            file, item = self._deref(self.root / "openapi.yaml", item)
            regex = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
            self.paths.append((regex, file, item))
        # literal paths before templated ones (/v3/apps/{guid}/droplets/current before .../{guid})
        self.paths.sort(key=lambda p: p[0].pattern.count("[^/]+"))

    def _load(self, path: Path) -> Any:
        path = path.resolve()
        if path not in self._files:
            self._files[path] = _mend(yaml.safe_load(path.read_text()))
        return self._files[path]

    def _deref(self, base: Path, node: Any) -> tuple[Path, Any]:
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            target, _, pointer = ref.partition("#")
            base = (base.parent / target).resolve() if target else base
            node = _pointer(self._load(base), pointer)
        return base, node

    def _retrieve(self, uri: str) -> Resource[Any]:
        path = Path(uri.removeprefix("file://"))
        return Resource.from_contents(self._load(path), default_specification=DRAFT202012)

    def schema_for(self, method: str, path: str, status: int) -> tuple[str | None, Any]:
        """(schema URI, reason) — URI None when the description has nothing to check."""
        for regex, file, item in self.paths:
            if not regex.match(path):
                continue
            op = item.get(method.lower())
            if op is None:
                return None, f"no {method} operation for {path}"
            responses = op.get("responses", {})
            resp = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
            if resp is None:
                return None, f"status {status} not described for {method} {path}"
            rfile, resp = self._deref(file, resp)
            media = (resp.get("content") or {}).get("application/json")
            if not media or "schema" not in media:
                return None, "no JSON schema"
            schema_node = media["schema"]
            if "$ref" in schema_node:
                target, _, pointer = schema_node["$ref"].partition("#")
                return f"file://{(rfile.parent / target).resolve()}#{pointer}", None
            pointer = self._find_pointer(rfile, media["schema"])
            return f"file://{rfile}#{pointer}", None
        return None, f"path {path} not described"

    def _find_pointer(self, file: Path, node: Any) -> str:
        def walk(doc: Any, trail: str) -> str | None:
            if doc is node:
                return trail
            if isinstance(doc, dict):
                for k, v in doc.items():
                    found = walk(v, f"{trail}/{str(k).replace('~', '~0').replace('/', '~1')}")
                    if found is not None:
                        return found
            elif isinstance(doc, list):
                for i, v in enumerate(doc):
                    found = walk(v, f"{trail}/{i}")
                    if found is not None:
                        return found
            return None

        return walk(self._load(file), "") or ""

    def check(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Problems of `body` as the answer to (method, path, status); [] when valid or not described."""
        with self._lock:
            uri, _reason = self.schema_for(method, path, status)
            if uri is None:
                return []
            validator = self._validators.get(uri)
            if validator is None:
                validator = Draft202012Validator({"$ref": uri}, registry=self.registry)
                self._validators[uri] = validator
            errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        return [f"{method} {path} {status}: {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
                for e in errors[:5]]
