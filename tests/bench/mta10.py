"""A benchmark MTA: N independent tiny Python modules (one instance each) and two services.

Modules are packed alternately as zip entries and as directories (both forms of module content);
the app is the sample's (tests/sample/app_server.py): it answers with its module, version and app name.
`parallel` sets `enable-parallel-deployments`, so all modules form one wave.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent / "sample"
PROCFILE = "web: python3 server.py\n"


def module_names(count: int) -> list[str]:
    return [f"m{i:02d}" for i in range(count)]


def productive_host(module: str) -> str:
    return f"{module}-space.apps.sim.test"


def descriptor(version: str, count: int, parallel: bool) -> str:
    lines = [
        '_schema-version: "3.3"',
        "ID: bg.bench",
        f'version: "{version}"',
        f"description: {count} independent modules and two services, for make bench",
        "parameters:",
        f"  enable-parallel-deployments: {'true' if parallel else 'false'}",
        "modules:",
    ]
    for i, name in enumerate(module_names(count)):
        lines += [
            f"  - name: {name}",
            "    type: python",
            f"    path: {name}.zip" if i % 2 == 0 else f"    path: {name}/",
            "    parameters:",
            "      memory: 64M",
            "      instances: 1",
            "      command: python3 server.py",
            "      routes:",
            f"        - route: {name}-${{space}}.${{default-domain}}",
            "    properties:",
            f"      MODULE: {name}",
            f'      MTA_VERSION: "{version}"',
            "    requires:",
            "      - name: db",
            "      - name: config",
        ]
    lines += [
        "resources:",
        "  - name: db",
        "    type: org.cloudfoundry.managed-service",
        "    parameters:",
        "      service: postgresql",
        "      service-plan: small",
        "  - name: config",
        "    type: org.cloudfoundry.user-provided-service",
        "    parameters:",
        "      config:",
        "        greeting: hello",
    ]
    return "\n".join(lines) + "\n"


def manifest(count: int) -> str:
    parts = ["Manifest-Version: 1.0\nCreated-By: cf bg-deploy bench\n"]
    for i, name in enumerate(module_names(count)):
        if i % 2 == 0:
            parts.append(f"Name: {name}.zip\nMTA-Module: {name}\nContent-Type: application/zip\n")
        else:
            parts.append(f"Name: {name}/\nMTA-Module: {name}\nContent-Type: text/directory\n")
    return "\n".join(parts) + "\n"


def _module_zip(server: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("server.py", server)
        z.writestr("Procfile", PROCFILE)
    return buf.getvalue()


def build(out: Path, version: str, count: int = 10, parallel: bool = True) -> Path:
    server = (SAMPLE / "app_server.py").read_text()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/MANIFEST.MF", manifest(count))
        z.writestr("META-INF/mtad.yaml", descriptor(version, count, parallel))
        for i, name in enumerate(module_names(count)):
            if i % 2 == 0:
                z.writestr(f"{name}.zip", _module_zip(server))
            else:
                z.writestr(f"{name}/server.py", server)
                z.writestr(f"{name}/Procfile", PROCFILE)
    return out
