"""Build the sample MTA archive for one version: python3 build.py VERSION OUT.mtar

The web module is packed as a zip entry and the api module as a directory, so both forms of module
content that MTA archives use are exercised."""

import io
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
MANIFEST = """Manifest-Version: 1.0
Created-By: cf bg-deploy sample build

Name: web.zip
MTA-Module: web
Content-Type: application/zip

Name: api/
MTA-Module: api
Content-Type: text/directory

"""
PROCFILE = "web: python3 server.py\n"
# The services differ between versions: v2 changes the managed service's plan and parameters and the
# user-provided service's credentials, so a v1 -> v2 deploy must update them before any new app.
SERVICES = {"1": {"@DB_PLAN@": "small", "@DB_CONNECTIONS@": "20", "@GREETING@": "hello"},
            "2": {"@DB_PLAN@": "large", "@DB_CONNECTIONS@": "50", "@GREETING@": "hello again"}}


def module_zip(bits_version: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("server.py", (HERE / "app_server.py").read_text())
        z.writestr("Procfile", PROCFILE)
        z.writestr("VERSION", bits_version)
    return buf.getvalue()


def main(version: str, out: str, bits_version: str | None = None) -> None:
    """bits_version: the version the modules' files carry (default: the MTA's), so each version's bits
    differ unless a test asks for unchanged ones."""
    bits_version = bits_version or version
    descriptor = (HERE / "mtad.yaml").read_text().replace("@VERSION@", version)
    for key, value in SERVICES.get(version.split(".")[0], SERVICES["2"]).items():
        descriptor = descriptor.replace(key, value)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/MANIFEST.MF", MANIFEST)
        z.writestr("META-INF/mtad.yaml", descriptor)
        z.writestr("web.zip", module_zip(bits_version))
        z.writestr("api/server.py", (HERE / "app_server.py").read_text())
        z.writestr("api/Procfile", PROCFILE)
        z.writestr("api/VERSION", bits_version)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
