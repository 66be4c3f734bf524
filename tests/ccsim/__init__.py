"""ccsim — a Cloud Controller v3 + UAA + router + app runner simulator, the ground truth of the tests.

Start: `PYTHONPATH=tests .venv/bin/python -m ccsim --port 0 --router-port 0 --ready-file F [--seed N]`
(more flags: `python -m ccsim --help`), or from Python `ccsim.launcher.start_simulator(tmpdir, **config)`.
Org `org` with spaces `space` and `space2`; shared domain `apps.sim.test`; no space quota applied.
Users (password `<user>-password`; every user but nobody is organization_user of `org`):
- admin: space_developer of `space`, organization_manager of `org` (reads `space2`, cannot write there)
- nobody: no roles (sees nothing)
- auditor: space_auditor of `space` (reads; 403 on writes; no secrets such as env vars or task commands)
- developer: space_developer of `space`
- dev2: space_developer of `space2` only
- supporter: space_supporter of `space` (start/stop/scale/env/droplet/builds/routes/cancel tasks; no creates)
Control API (no auth, never held):
- GET /_sim/state (everything, incl. `router.instances[i].version` and `hold`), /_sim/config, /_sim/faults,
  /_sim/openapi; GET /_sim/requests[?since=SEQ] (API log), /_sim/requests?source=router[&since=SEQ]
  (router log: router instance, table version, status, app guid + instance index, ts/end_ts, error).
- POST /_sim/config (e.g. {"router_instances": 2, "router_propagation_s": [0.2, 1.5]}), /_sim/faults
  (rules with latency, rate_502/503/reset/lost; seed), /_sim/reset, /_sim/router/sync (all instances now).
- POST /_sim/hold {"after_mutating": k, "mode": "after_response"|"before_response"}, GET /_sim/hold,
  POST /_sim/hold/release (kill-point sweeps; see hold.py).

`/_sim/state` holds apps (with lifecycle, features, env, processes with their scale), routes, instances (each
with the droplet_guid, docker_image and `environment` it was started with), tasks (app, name, command, state, exit_code,
created_at/started_at/finished_at as epoch seconds, environment, output tail), spaces (quota_guid),
space_quotas, packages, droplets, service instances (offering, plan, tags, parameters, credentials,
metadata) and credential bindings (parameters, metadata), jobs, router, config, faults, counts.

Modules: server (HTTP, auth, faults, hold, request log) → api (endpoint registry) → resources/* (one module
per CC resource family) → state (tables, clock) / access (roles) / validate (strict bodies) / query (lists) /
quotas (space quota enforcement), manifest (app manifests as CC reads them); uaa (tokens), runner (instances
as subprocesses), task_runner (tasks as subprocesses), responder (built-in app), router (gorouters behind one
port) / routing_table (tables, instances that learn them), faults, hold, config, control (/_sim), inprocess
(the API called in-process, for unit tests), openapi_check (response bodies vs CC's OpenAPI), launcher (for
tests).

KNOWN GAPS — Cloud Controller behaviours knowingly not simulated:
- No /v2 API, no logging (log-cache, doppler; task output is only in the state dump), no SSH (the app
  feature flags are stored; `ssh_enabled` is always false: the space feature is off), no sidecars (always
  empty), no revisions (the flag only), no deployments (the list is always empty; CC's rolling/canary
  strategy is not modelled), no org quotas, no isolation segments, no
  security groups, no feature flags, no audit/usage events, no buildpacks (staging only unpacks the zip;
  `process_types` come from a `Procfile`), no resource pool (`POST /v3/resource_matches` is checked and never
  matches, as CC for files under its default 64 KiB minimum; `resources` in an upload are accepted and
  ignored), no package/droplet downloads or droplet uploads (`POST /v3/droplets` only copies), no shared
  service instances, no route services, service route bindings are always an empty list, no internal/TCP
  routes or route ports, no weighted destinations, no service brokers of one's own (a built-in broker
  with a fixed catalog plus `--catalog`, and `partner-broker` offering a second `redis`).
- Docker images are not pulled or run: a docker droplet's instances run the built-in responder, which
  answers JSON with the image name and the instance's environment; its tasks run their command with `sh`
  in an empty directory. Registry credentials are stored, never echoed (`***`), never used.
- Manifests: `apply_manifest` and `manifest_diff` (manifest.py, resources/manifests.py) apply name, processes,
  instances, memory, disk, command, health checks, buildpack(s), stack, lifecycle, metadata, routes
  (no-route, default-route, random-route), env and services (bound at once, as CC's synchronous bind);
  `sidecars` and `features` are checked by nothing and ignored; the diff compares lists (routes, processes,
  buildpacks) whole, not item by item as CC; a YAML syntax error answers CF-MessageParseError (CC: 500);
  no `GET /v3/apps/:guid/manifest`. The cf CLI's log streaming during `cf push` finds no log cache (404).
- Tasks are RUNNING from creation (CC marks them so once Diego took them; PENDING is not observed); no
  task log streaming; `user` is reported, not applied; disk/memory limits are not enforced.
- Space quotas enforce apps.total_memory_in_mb, per_process_memory_in_mb, total_instances and
  per_app_tasks (scale, start/restart, tasks, staging memory); log rate, services and routes limits are
  stored only.
- Orgs/spaces/users/roles are fixed at start (no creation/deletion through the API); no global admin.
- Crashed instances are not restarted (CC/Diego would restart them with back-off); no memory/disk limits
  are enforced; readiness health checks are stored but not evaluated (liveness: port/http/process).
- Error details follow CC's texts where documented (catalogue + reference); some validation messages
  for rarely used fields are approximations of ActiveModel's wording.
- Timestamps have one-second resolution like CC; ties in ordering are broken by creation order.
- Router: HTTP/1.1 only, no TLS, no WebSockets, no chunked request bodies, no sticky sessions, no
  X-Cf-Process-Instance, no route services, no `X-Vcap-Trace` answer headers, no empty-Host check; like
  gorouter it retries a refused connection on another endpoint (`router_max_attempts`; with
  X-Cf-App-Instance on that same endpoint only) and answers `endpoint_failure` without the error text.
  A route whose destinations have no RUNNING instance answers 503 `no_endpoints` (gorouter: 404
  `unknown_route` once the emptied pool is pruned, 503 only with `empty_pool_response_code_503`).
  Router instances learn changes from one ordered stream (no NATS message loss, no pruning of stale
  routes, no 2-minute re-registration); the load balancer picks an instance per request, not per
  connection. A new instance added at run time starts with the newest table.
- Hold: a request waiting for release whose client disconnects is dropped unprocessed; one that was
  admitted is processed even if its client has gone.
- Droplets are created only as copies (`POST /v3/droplets?source_guid=`), no droplet uploads. Deleting an
  app deletes its bindings at once, without the broker (CC unbinds, and fails the deletion when a broker
  unbinds asynchronously).
- `fields[...]` projections are honoured for service instances/offerings only; other lists ignore them
  (they are refused as unknown parameters where CC does not accept them).
"""
