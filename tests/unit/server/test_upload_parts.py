"""Upload without copies: data parts decoded as views of gRPC's buffers (server/upload_parts.py), written to
disk next to receiving them, large ones around the page cache (server/spool.py), and the same checks as before
on what arrives."""

from __future__ import annotations

import errno
import hashlib
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from bgdeploy.server import spool, upload_parts
from bgdeploy.server.spool import DIRECT_BUFFER, BackgroundWriter, DirectSink
from bgdeploy.v1 import deployer_pb2 as pb
from bgdeploy.v1 import deployer_pb2_grpc as pb_grpc

from .test_servicer import TARGET, TOKEN, FakeEngine, service  # noqa: F401 - service is a fixture


@pytest.mark.parametrize("size", [0, 1, 127, 128, 300, 1 << 20, (1 << 20) + 7])
def test_a_data_part_is_a_view_of_its_bytes(size: int) -> None:
    data = random.Random(size).randbytes(size)
    decoded = upload_parts.decode(pb.UploadRequest(data=data).SerializeToString())
    assert isinstance(decoded, memoryview) and decoded == data


def test_other_messages_go_through_protobuf() -> None:
    header = pb.UploadRequest(header=pb.UploadHeader(file_name="a.mtar", size=3, sha256="ab"))
    decoded = upload_parts.decode(header.SerializeToString())
    assert isinstance(decoded, pb.UploadRequest) and decoded == header
    # a data field followed by another field (an unknown one here) is not the plain case
    trailing = pb.UploadRequest(data=b"abc").SerializeToString() + bytes([0x18, 0x01])
    decoded = upload_parts.decode(trailing)
    assert isinstance(decoded, pb.UploadRequest) and decoded.data == b"abc"
    assert list(upload_parts.data_of([decoded, memoryview(b"de"), header])) == [b"abc", b"de"]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_large_upload_arrives_whole_and_is_checked(service: tuple[pb_grpc.DeployerStub, FakeEngine],  # noqa: F811
                                                     tmp_path: Path) -> None:
    stub, _ = service
    data = random.Random(7).randbytes(9 * (1 << 20) + 12345)
    header = pb.UploadHeader(target=TARGET, file_name="big.mtar", kind=pb.FILE_KIND_ARCHIVE, size=len(data),
                             sha256=sha(data))

    def requests(body: bytes) -> Iterator[pb.UploadRequest]:
        yield pb.UploadRequest(header=header)
        for i in range(0, len(body), 1 << 20):
            yield pb.UploadRequest(data=body[i:i + (1 << 20)])

    ref = stub.Upload(requests(data), metadata=TOKEN)
    assert (ref.size, ref.sha256, ref.reused) == (len(data), sha(data), False)
    assert (tmp_path / "files" / ref.id).read_bytes() == data
    damaged = data[:5] + bytes([data[5] ^ 1]) + data[6:]
    with pytest.raises(grpc.RpcError) as caught:
        stub.Upload(requests(damaged), metadata=TOKEN)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "digest" in str(caught.value.details())
    assert not [p for p in (tmp_path / "files").iterdir() if p.name.startswith(".upload-")]


def test_an_upload_must_start_with_its_header(service: tuple[pb_grpc.DeployerStub, FakeEngine]) -> None:  # noqa: F811
    stub, _ = service
    with pytest.raises(grpc.RpcError) as caught:
        stub.Upload(iter([pb.UploadRequest(data=b"PK")]), metadata=TOKEN)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_the_writer_keeps_the_order_and_reports_a_failed_write(tmp_path: Path) -> None:
    path = tmp_path / "out"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    chunks = [random.Random(i).randbytes(1000 + i) for i in range(50)]
    with BackgroundWriter(fd, depth=2) as out:
        for chunk in chunks:
            out.write(memoryview(chunk))
    os.close(fd)
    assert path.read_bytes() == b"".join(chunks)
    read_only = os.open(path, os.O_RDONLY)
    try:
        with pytest.raises(OSError), BackgroundWriter(read_only) as out:
            out.write(b"x")
    finally:
        os.close(read_only)


def write_through_sink(path: Path, chunks: list[bytes]) -> DirectSink:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        sink = DirectSink(fd)
        for chunk in chunks:
            sink.write(memoryview(chunk))
        sink.close()
    finally:
        os.close(fd)
    return sink


def test_direct_writes_keep_every_byte_across_buffers_and_an_unaligned_tail(tmp_path: Path) -> None:
    rng = random.Random(3)
    chunks = [rng.randbytes(n) for n in (1 << 20, 3 << 20, 777, DIRECT_BUFFER, (1 << 20) + 5)]
    write_through_sink(tmp_path / "out", chunks)
    assert (tmp_path / "out").read_bytes() == b"".join(chunks)


def test_a_refused_direct_write_goes_through_the_page_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write, refused = os.write, []

    def write(fd: int, data: Any) -> int:
        if not refused:  # as a device with a block larger than ALIGN would
            refused.append(len(data))
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    chunks = [random.Random(4).randbytes(DIRECT_BUFFER + 4096 + 10)]
    monkeypatch.setattr(spool, "_set_direct", lambda fd, on: True)  # whatever this file system allows
    monkeypatch.setattr(os, "write", write)
    sink = write_through_sink(tmp_path / "out", chunks)
    monkeypatch.undo()
    assert (tmp_path / "out").read_bytes() == chunks[0] and refused and not sink.direct
