"""Cloud Controller v3 client: the only package that knows CC's paths and what its errors mean.

session.py (transport: auth, retries, paging), errors.py (typed CC errors), models.py (typed results), and
one module per CC resource with small functions, each mapping to one endpoint: apps, processes, packages,
builds, droplets, routes, services, bindings, jobs, spaces. Nothing here knows about MTAs or colours, and
nothing here waits: a call that starts asynchronous work returns what to poll, and the caller polls.
"""

from bgdeploy.cc.session import CloudController, TokenProvider

__all__ = ["CloudController", "TokenProvider"]
