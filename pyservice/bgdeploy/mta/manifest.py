"""META-INF/MANIFEST.MF of an MTA archive (JAR manifest format).

The main section is followed by one named section per archive entry (`Name: web/` for a directory,
`Name: web.zip` for a file) with `MTA-Module: a, b`, `MTA-Resource: r`, `MTA-Requires: module/resource` and
`Content-Type`. Header names are case-insensitive (archives in the wild write `MTA-module`); a line starting
with one space continues the previous header.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bgdeploy.errors import ContentError

from .limits import MAX_MANIFEST_BYTES

MANIFEST_PATH = "META-INF/MANIFEST.MF"


@dataclass
class ManifestSection:
    name: str
    line: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased header name -> value

    def get(self, header: str) -> str | None:
        return self.headers.get(header.lower())

    def names(self, header: str) -> list[str]:
        value = self.get(header)
        return [part.strip() for part in value.split(",") if part.strip()] if value else []


@dataclass
class Manifest:
    main: dict[str, str]
    sections: list[ManifestSection]


def parse_manifest(data: bytes, file_name: str = MANIFEST_PATH) -> Manifest:
    if len(data) > MAX_MANIFEST_BYTES:
        raise ContentError(f"is larger than {MAX_MANIFEST_BYTES // 1024} KB", file=file_name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentError(f"is not UTF-8 text (byte {exc.start})", file=file_name) from None
    blocks: list[list[tuple[int, str, str]]] = [[]]
    last: list[str] | None = None
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if raw == "":
            if blocks[-1]:
                blocks.append([])
            last = None
            continue
        if raw.startswith(" "):
            if last is None:
                raise ContentError("continuation line without a header before it", file=file_name, line=number)
            last[0] += raw[1:]
            line_no, key, _ = blocks[-1][-1]
            blocks[-1][-1] = (line_no, key, last[0])
            continue
        key, sep, value = raw.partition(":")
        if not sep or not key.strip() or " " in key.strip():
            raise ContentError(f'malformed header "{raw[:60]}" (expected "Name: value")', file=file_name, line=number)
        value = value[1:] if value.startswith(" ") else value
        blocks[-1].append((number, key.strip().lower(), value))
        last = [value]
    blocks = [b for b in blocks if b]
    main: dict[str, str] = {}
    sections: list[ManifestSection] = []
    for index, block in enumerate(blocks):
        headers = {key: value.strip() for _, key, value in block}
        if "name" not in headers:
            if index == 0:
                main = headers
                continue
            raise ContentError("section has no Name header", file=file_name, line=block[0][0])
        sections.append(ManifestSection(name=headers["name"], line=block[0][0], headers=headers))
    return Manifest(main=main, sections=sections)
