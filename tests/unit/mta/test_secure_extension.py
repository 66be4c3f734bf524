"""The extension `--require-secure-parameters` builds (`__mta.secure`, global parameters from `__MTA___*`
variables) extends the descriptor next to the user's own chain, is merged last, and its parameters fill
`${...}` placeholders like any global parameter (a docker registry password, say)."""

from __future__ import annotations

from bgdeploy.mta import load_descriptor, load_extension, resolve
from bgdeploy.mta.model import PlatformContext

DESCRIPTOR = """\
_schema-version: "3.3"
ID: shop
version: 1.0.0
modules:
  - name: img
    type: application
    parameters:
      docker:
        image: registry.example.com/shop:1
        username: robot
        password: ${registry-password}
    properties:
      GREETING: ${greeting}
"""
USER_EXT = """\
_schema-version: "3.3"
ID: shop.prod
extends: shop
parameters:
  greeting: hello from prod
  registry-password: from-the-user-extension
"""
SECURE_EXT = """\
_schema-version: "3.3"
ID: __mta.secure
extends: shop
parameters:
  registry-password: from-the-environment
"""
CTX = PlatformContext(org="o", space="s", user="u", default_domain="example.com", api_url="https://api.example.com")


def test_the_secure_extension_sits_next_to_the_users_chain_and_wins() -> None:
    d = load_descriptor(DESCRIPTOR, "mtad.yaml")
    exts = [load_extension(SECURE_EXT, "__mta.secure.mtaext"), load_extension(USER_EXT, "prod.mtaext")]
    app = resolve(d, exts, CTX, "live").app("img")
    assert app.docker_credentials == {"username": "robot", "password": "from-the-environment"}
    assert app.env["GREETING"] == "hello from prod"


def test_the_secure_extension_alone() -> None:
    d = load_descriptor(DESCRIPTOR.replace("${greeting}", "hi"), "mtad.yaml")
    app = resolve(d, [load_extension(SECURE_EXT, "__mta.secure.mtaext")], CTX, "live").app("img")
    assert app.docker_credentials == {"username": "robot", "password": "from-the-environment"}
