"""ccsim — a Cloud Controller v3 + UAA + router + app runner simulator, the ground truth of the tests.

Start: `PYTHONPATH=tests .venv/bin/python -m ccsim --port 0 --router-port 0 --ready-file F [--seed N]`
(more flags: `python -m ccsim --help`), or from Python `ccsim.launcher.start_simulator(tmpdir, **config)`.
Users: admin/admin-password (SpaceDeveloper + OrgManager in org `org`, space `space`), nobody/nobody-password
(no roles), auditor/auditor-password (SpaceAuditor: reads, gets 403 on writes). Shared domain `apps.sim.test`.
Control API (no auth): GET /_sim/state, /_sim/requests[?since=N|?source=router], /_sim/config, /_sim/faults,
/_sim/openapi; POST /_sim/config, /_sim/faults, /_sim/reset, /_sim/router/sync.

Modules: server (HTTP, auth, faults, request log) → api (endpoint registry) → resources/* (one module per
CC resource family) → state (tables, clock) / access (roles) / validate (strict bodies) / query (lists);
uaa (tokens), runner (instances as subprocesses), responder (built-in app), router (Host routing),
faults, config, control (/_sim), openapi_check (response bodies vs CC's OpenAPI), launcher (for tests).

KNOWN GAPS — Cloud Controller behaviours knowingly not simulated:
- No /v2 API, no logging (log-cache, doppler), no SSH, no tasks, no sidecars (always empty), no
  revisions, no deployments (the list is always empty; CC's rolling/canary strategy is not modelled),
  no manifests (`apply_manifest`), no space/org quotas, no isolation segments, no security groups,
  no feature flags, no audit/usage events, no buildpacks (staging only unpacks the zip; `process_types`
  come from a `Procfile`), no docker images running, no resource matching (`resources` in an upload are
  accepted and ignored), no package/droplet downloads, no shared service instances, no route services,
  service route bindings are always an empty list, no internal/TCP routes or route ports, no weighted
  destinations, no service brokers of one's own (one built-in broker with a fixed catalog plus `--catalog`).
- Orgs/spaces/users/roles are fixed at start (no creation/deletion through the API); no global admin.
- Crashed instances are not restarted (CC/Diego would restart them with back-off); no memory/disk limits
  are enforced; readiness health checks are stored but not evaluated (liveness: port/http/process).
- Error details follow CC's texts where documented (catalogue + reference); some validation messages
  for rarely used fields are approximations of ActiveModel's wording.
- Timestamps have one-second resolution like CC; ties in ordering are broken by creation order.
- Router: HTTP/1.1 only, no TLS, no WebSockets, no chunked request bodies, no sticky sessions; like
  gorouter it retries a refused connection on another endpoint (`router_max_attempts`).
- `fields[...]` projections are honoured for service instances/offerings only; other lists ignore them
  (they are refused as unknown parameters where CC does not accept them).
"""
