"""Cloud Controller v3 client: one session with auth and retries (session.py), CC errors mapped once
(errors in ../errors.py, mapping here), and one module per CC resource with small functions that each
map to one endpoint. Nothing here knows about MTAs or colours."""

from bgdeploy.cc.session import CloudController, TokenProvider

__all__ = ["CloudController", "TokenProvider"]
