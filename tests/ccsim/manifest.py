"""App manifests as CC reads them (`POST /v3/spaces/:guid/actions/apply_manifest`, `.../manifest_diff`):
the YAML body, then each application checked as CC's AppManifestMessage checks it, with CC's texts.

CC parses the body with `Psych.safe_load` (no aliases, no custom tags), needs a mapping with a non-empty
`applications` list (schema `version` 1 or none) and collects every problem of every application into one
compound 422, each prefixed "For application 'NAME': " (or "at index I" without a name). Keys CC does not
know are ignored, at the top and inside an application, as CC ignores them.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
from typing import Any

import yaml

from .errors import CCError, bad_request, parse_error, unprocessable
from .validate import metadata_errors

MAX_BYTES = 1024 * 1024
_BYTES = re.compile(r"^(-?\d+(?:\.\d+)?)([KMGT]i?B?|B)$", re.IGNORECASE)
_NUMERIC = re.compile(r"^-?\d+(?:\.\d+)?")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_UNITS = {"B": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}
HEALTH_TYPES = ("port", "process", "http")
ROUTE_OPTIONS = ("loadbalancing", "hash_header", "hash_balance")  # hash-based routing on, as in routes.py
LOADBALANCING = ("round-robin", "least-connection", "hash")
# what the manifest_diff compares: CC's allowed keys, dasherized
DIFF_KEYS = (
    "buildpack", "buildpacks", "command", "disk-quota", "log-rate-limit-per-second", "docker", "env",
    "health-check-http-endpoint", "health-check-invocation-timeout", "health-check-interval", "health-check-type",
    "readiness-health-check-http-endpoint", "readiness-health-check-type", "readiness-health-check-invocation-timeout",
    "readiness-health-check-interval", "instances", "metadata", "memory", "lifecycle", "name", "no-route",
    "processes", "random-route", "default-route", "routes", "services", "sidecars", "stack", "timeout",
    "cnb-credentials", "features",
)


class _NoAliasLoader(yaml.SafeLoader):
    """safe_load without aliases, as CC's `Psych.safe_load(..., aliases: false)`."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            raise bad_request("Manifest does not support Anchors and Aliases")
        return super().compose_node(parent, index)


def is_yaml(content_type: str | None) -> bool:
    """Rails' `Mime::Type.lookup(...) == :yaml`: text/yaml or application/x-yaml, parameters ignored."""
    return (content_type or "").split(";")[0].strip().lower() in ("application/x-yaml", "text/yaml")


def parse_body(raw: bytes) -> list[dict[str, Any]]:
    """The body's applications (as written), or CC's 400/422."""
    if len(raw) > MAX_BYTES:
        raise bad_request("Manifest size is too large. The maximum supported size is 1MB.")
    try:
        doc = yaml.load(raw.decode("utf-8"), Loader=_NoAliasLoader)  # a SafeLoader without aliases
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise parse_error("invalid request body") from exc
    if not isinstance(doc, dict):
        raise parse_error("invalid request body")
    if doc.get("version") not in (None, 1):
        raise unprocessable("Unsupported manifest schema version. Currently supported versions: [1].")
    apps = doc.get("applications")
    if not apps:
        raise unprocessable("Cannot parse manifest with no 'applications' field.")
    if not isinstance(apps, list) or not all(isinstance(a, dict) for a in apps):
        raise parse_error("invalid request body")
    return apps


def _underscored(app: dict[str, Any]) -> dict[str, Any]:
    out = {str(k).replace("-", "_"): v for k, v in app.items()}
    if isinstance(out.get("processes"), list):
        out["processes"] = [{str(k).replace("-", "_"): v for k, v in p.items()} if isinstance(p, dict) else p
                            for p in out["processes"]]
    return out


def to_mb(value: Any) -> int | None:
    """CC's ByteConverter: "64M", "1G", "512MB" → megabytes; ValueError("unit"/"number") when it cannot."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value)
    if not _NUMERIC.match(text):
        raise ValueError("number")
    found = _BYTES.match(text)
    if not found:
        raise ValueError("unit")
    return int(float(found.group(1)) * _UNITS[found.group(2)[0].upper()] // _UNITS["M"])


def _byte_error(value: Any, label: str) -> str | None:
    try:
        to_mb(value)
    except ValueError as exc:
        return f"{label} is not a number" if str(exc) == "number" else (
            f"{label} must use a supported unit: B, K, KB, M, MB, G, GB, T, or TB")
    return None


def _integer_error(value: Any, label: str, minimum: int, maximum: int | None = None) -> str | None:
    """ActiveModel's numericality (only_integer): numbers or numeric strings; any float is not an integer."""
    if value is None:
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not isinstance(value, int | float | str) or not _NUMBER.match(text):
        return f"{label} is not a number"
    if isinstance(value, float) or not _INTEGER.match(text):
        return f"{label} must be an integer"
    if int(text) < minimum:
        return f"{label} must be greater than or equal to {minimum}"
    if maximum is not None and int(text) > maximum:
        return f"{label} must be less than or equal to {maximum}"
    return None


@dataclasses.dataclass
class RouteSpec:
    url: str
    host: str  # the URL's host part: host + domain, split against the domains that exist
    path: str
    port: int | None
    protocol: str | None
    options: dict[str, Any] | None


def parse_route(text: str) -> tuple[str, str, str, int | None] | None:
    """(scheme, host, path, port) as Addressable's heuristic parse finds them; None for no host."""
    raw = text if "://" in text else f"unspecified://{text}"
    try:
        parts = urllib.parse.urlsplit(raw)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.scheme, parts.hostname, parts.path, port


class AppChecker:
    """One application of a manifest: `errors` (CC's texts, unprefixed) and the normalised values."""

    def __init__(self, app: dict[str, Any]) -> None:
        self.app = app
        self.errors: list[str] = []
        name = app.get("name")
        if name is None or (isinstance(name, str) and not name.strip()):
            self.errors.append("Name must not be empty")
        elif not isinstance(name, str):
            self.errors.append("Name must be a string")
        self.name = name if isinstance(name, str) and name.strip() else None
        self._web_bytes()
        self._processes()
        self._scale()
        self._process_updates()
        self._lifecycle()
        if "services" in app:
            self._services()
        if "env" in app:
            self._env()
        if any(k in app for k in ("routes", "no_route", "random_route", "default_route")):
            self._routes()

    def _process_error(self, ptype: Any, message: str) -> None:
        self.errors.append(f'Process "{ptype}": {message}')

    def _web_bytes(self) -> None:
        for key, label in (("memory", "Memory"), ("disk_quota", "Disk quota")):
            problem = _byte_error(self.app.get(key), label)
            if problem:
                self._process_error("web", problem)

    def _processes(self) -> None:
        if "processes" not in self.app:
            return
        procs = self.app["processes"]
        if not isinstance(procs, list) or not all(isinstance(p, dict) for p in procs):
            self.errors.append("Processes must be an array of process configurations")
            self.app["processes"] = []
            return
        if any(not p.get("type") for p in procs):
            self.errors.append("All Processes must specify a type")
        types = [p.get("type") for p in procs]
        for ptype in dict.fromkeys(t for t in types if types.count(t) > 1):
            self.errors.append(f'Process "{ptype}" may only be present once')
        for proc in procs:
            for key, label in (("memory", "Memory"), ("disk_quota", "Disk quota")):
                problem = _byte_error(proc.get(key), label)
                if problem:
                    self._process_error(proc.get("type"), problem)

    def process_specs(self) -> list[dict[str, Any]]:
        """Per process type: what the manifest sets (web from the top level unless `processes` has web)."""
        top = {k: self.app[k] for k in ("instances", "memory", "disk_quota", "command", "health_check_type",
                                        "health_check_http_endpoint", "timeout", "health_check_invocation_timeout",
                                        "health_check_interval") if k in self.app}
        specs = [{**top, "type": "web"}] if top else []
        procs = self.app.get("processes") if isinstance(self.app.get("processes"), list) else []
        web = [p for p in procs if p.get("type") == "web"]
        if web:
            specs = [web[0]]
        return specs + [p for p in procs if p.get("type") != "web"]

    def _scale(self) -> None:
        for spec in self.process_specs():
            problem = _integer_error(spec.get("instances"), "Instances", 0, 2_000_000)
            if problem:
                self._process_error(spec["type"], problem)
            for key, label in (("memory", "Memory"), ("disk_quota", "Disk quota")):
                try:
                    mb = to_mb(spec.get(key))
                except ValueError:
                    continue
                if mb is not None and mb <= 0:
                    self._process_error(spec["type"], f"{label} must be greater than 0MB")

    def _process_updates(self) -> None:
        for spec in self.process_specs():
            ptype = spec["type"]
            command = spec.get("command")
            if "command" in spec and command is not None:
                if not isinstance(command, str):
                    self._process_error(ptype, "Command must be a string")
                elif not 1 <= len(command) <= 4096:
                    self._process_error(ptype, "Command must be between 1 and 4096 characters")
            kind = spec.get("health_check_type")
            if "health_check_type" in spec and kind not in (*HEALTH_TYPES, "none"):
                self._process_error(ptype, 'Health check type must be "port", "process", or "http"')
            endpoint = spec.get("health_check_http_endpoint")
            if endpoint is not None and (not isinstance(endpoint, str) or not endpoint.startswith("/")):
                self._process_error(ptype, "Health check http endpoint must be a valid URI path")
            if "health_check_type" in spec and "health_check_http_endpoint" in spec and kind != "http":
                self._process_error(ptype, 'Health check type must be "http" to set a health check HTTP endpoint')
            for key, label in (("timeout", "Timeout"), ("health_check_invocation_timeout",
                                                        "Health check invocation timeout"),
                               ("health_check_interval", "Health check interval")):
                problem = _integer_error(spec.get(key), label, 1)
                if problem:
                    self._process_error(ptype, problem)

    def _lifecycle(self) -> None:
        app = self.app
        if "buildpack" in app and "buildpacks" in app:
            self.errors.append("Buildpack and Buildpacks fields cannot be used together.")
        if "docker" in app and ("buildpack" in app or "buildpacks" in app):
            self.errors.append("Cannot specify both buildpack(s) and docker keys")
        if "buildpacks" in app and (not isinstance(app["buildpacks"], list)
                                    or not all(isinstance(b, str) for b in app["buildpacks"])):
            self.errors.append("Buildpacks can only contain strings" if isinstance(app["buildpacks"], list)
                               else "Buildpacks must be an array")
        buildpack = app.get("buildpack")
        if buildpack is not None and not isinstance(buildpack, str):
            self.errors.append("Buildpack must be a string")
        if "stack" in app and app["stack"] is not None and not isinstance(app["stack"], str):
            self.errors.append("Stack must be a string")
        if "metadata" in app:
            self.errors.extend(metadata_errors(app["metadata"]))

    def buildpacks(self) -> list[str] | None:
        """What the manifest sets the app's buildpacks to (None: untouched); default/null autodetects."""
        if "buildpacks" in self.app:
            return list(self.app["buildpacks"] or [])
        if "buildpack" in self.app:
            value = self.app["buildpack"]
            return [] if value in (None, "default", "null") else [value]
        return None

    def _services(self) -> None:
        services = self.app.get("services")
        allowed = {"name", "parameters", "binding_name"}

        def valid(s: Any) -> bool:
            return isinstance(s, str) or (isinstance(s, dict) and "name" in s and set(s) <= allowed
                                          and isinstance(s.get("parameters", {}), dict)
                                          and isinstance(s.get("binding_name", ""), str))

        if not isinstance(services, list) or not all(valid(s) for s in services):
            self.errors.append("Services must be a list of service instances")

    def _env(self) -> None:
        env = self.app["env"]
        if not isinstance(env, dict):
            self.errors.append("Env must be an object of keys and values")
            return
        for key in env:
            if not isinstance(key, str):
                self.errors.append("Env key must be a string")
            elif not key:
                self.errors.append("Env key must be a minimum length of 1")
            elif key.upper().startswith("VCAP_"):
                self.errors.append("Env cannot start with VCAP_")
            elif key.upper().startswith("VMC"):
                self.errors.append("Env cannot start with VMC_")
            elif key.upper() == "PORT":
                self.errors.append("Env cannot set PORT")

    def env(self) -> dict[str, str]:
        """CC stringifies every value (`to_s`: nil → "", true → "true")."""
        def text(v: Any) -> str:
            return "" if v is None else ("true" if v is True else "false" if v is False else str(v))
        return {k: text(v) for k, v in self.app["env"].items()} if isinstance(self.app.get("env"), dict) else {}

    def _routes(self) -> None:
        app = self.app
        for key, label in (("no_route", "No-route"), ("default_route", "Default-route"),
                           ("random_route", "Random-route")):
            if app.get(key) is not None and not isinstance(app[key], bool):
                self.errors.append(f"{label} must be a boolean")
        if app.get("random_route") and app.get("default_route"):
            self.errors.append("Random-route and default-route may not be used together")
        if "routes" not in app:
            return
        routes = app["routes"]
        if not isinstance(routes, list) or not all(isinstance(r, dict) and r.get("route") for r in routes):
            self.errors.append("Routes must be a list of route objects")
            return
        for r in routes:
            parsed = parse_route(str(r["route"]))
            scheme_ok = parsed is not None and parsed[0] in (("tcp", "unspecified") if parsed[3] else
                                                             ("http", "https", "unspecified"))
            if not scheme_ok:
                self.errors.append(f"The route '{r['route']}' is not a properly formed URL")
            if r.get("protocol") is not None and r["protocol"] not in ("http1", "http2", "tcp"):
                self.errors.append("Route protocol must be 'http1', 'http2' or 'tcp'.")
            if "options" in r:
                self._route_options(r)

    def _route_options(self, r: dict[str, Any]) -> None:
        options = r["options"]
        if not isinstance(options, dict):
            self.errors.append(f"Route '{r['route']}': options must be an object")
            return
        for key in options:
            if key not in ROUTE_OPTIONS:
                self.errors.append(f"Route '{r['route']}' contains invalid route option '{key}'. "
                                   f"Valid keys: '{', '.join(ROUTE_OPTIONS)}'")
        lb = options.get("loadbalancing")
        if "loadbalancing" in options and lb not in LOADBALANCING:
            self.errors.append(f"Cannot use loadbalancing value '{lb}' for Route '{r['route']}'; "
                               f"Valid values are: '{', '.join(LOADBALANCING)}'")

    def routes(self) -> list[RouteSpec]:
        out = []
        for r in self.app.get("routes") or []:
            parsed = parse_route(str(r["route"]))
            assert parsed is not None
            out.append(RouteSpec(str(r["route"]), parsed[1], parsed[2], parsed[3], r.get("protocol"),
                                 r.get("options")))
        return out


def check_all(apps: list[dict[str, Any]]) -> list[AppChecker]:
    """Every application checked; CC's compound 422 (one error per problem) when any has problems."""
    checked = [AppChecker(_underscored(a)) for a in apps]
    problems = []
    for index, c in enumerate(checked):
        prefix = f"For application '{c.name}': " if c.name else f"For application at index {index}: "
        problems.extend(prefix + e for e in c.errors)
    if problems:
        raise CompoundError([unprocessable(p) for p in problems])
    return checked


class CompoundError(CCError):
    """CC's CompoundError: several errors in one answer, the status of the first."""

    def __init__(self, errors: list[CCError]) -> None:
        first = errors[0]
        super().__init__(first.status, first.code, first.title, first.detail)
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {"errors": [e.body()["errors"][0] for e in self.errors]}
