"""Files handed to a local engine by descriptor (server/handover.py, server/local_files.py): over a real Unix
socket, as the shim sends them, and read into the store once."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bgdeploy.errors import ContentError
from bgdeploy.server import handover as handover_module
from bgdeploy.server.files import FileStore
from bgdeploy.server.handover import HandOver, files_socket_path
from bgdeploy.server.local_files import LocalFiles
from bgdeploy.store import open_store


def hand(path: str, fd: int, ticket: bytes) -> bytes:
    """What the shim does (plugin-shim/internal/engine/handover_unix.go): ticket and descriptor in one message."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        socket.send_fds(s, [ticket], [fd])
        return s.recv(2)


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[HandOver]:
    box = HandOver(files_socket_path(str(tmp_path / "engine.sock"))).start()
    yield box
    box.close()


@pytest.fixture
def local(tmp_path: Path, inbox: HandOver) -> Iterator[LocalFiles]:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield LocalFiles(FileStore(store, str(tmp_path / "state")), inbox)
    store.close()


def ticket(n: int) -> str:
    return f"{n:032x}"


def test_the_files_socket_sits_beside_the_engine_socket_private_to_its_owner(tmp_path: Path, inbox: HandOver) -> None:
    assert inbox.path == str(tmp_path / "engine.files.sock")
    assert os.stat(inbox.path).st_mode & 0o777 == 0o600


def test_a_descriptor_is_taken_once_by_its_ticket(tmp_path: Path, inbox: HandOver) -> None:
    (tmp_path / "a").write_bytes(b"content")
    with open(tmp_path / "a", "rb") as f:
        assert hand(inbox.path, f.fileno(), ticket(1).encode()) == b"ok"
    fd = inbox.take(ticket(1))
    assert fd is not None and os.read(fd, 100) == b"content"
    os.close(fd)
    assert inbox.take(ticket(1)) is None and inbox.take(ticket(2)) is None


def test_a_malformed_ticket_is_refused_and_its_descriptor_closed(tmp_path: Path, inbox: HandOver) -> None:
    (tmp_path / "a").write_bytes(b"x")
    with open(tmp_path / "a", "rb") as f:
        assert hand(inbox.path, f.fileno(), b"../../etc/passwd") == b""
    assert inbox.take("../../etc/passwd") is None


def test_an_unclaimed_descriptor_expires(tmp_path: Path, inbox: HandOver, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a").write_bytes(b"x")
    with open(tmp_path / "a", "rb") as f:
        hand(inbox.path, f.fileno(), ticket(3).encode())
    monkeypatch.setattr(handover_module, "TTL_S", -1.0)
    assert inbox.take(ticket(3)) is None


def handed(inbox: HandOver, path: Path, n: int) -> str:
    with path.open("rb") as f:
        assert hand(inbox.path, f.fileno(), ticket(n).encode()) == b"ok"
    return ticket(n)


def test_the_engine_reads_and_hashes_the_file_itself_then_finds_it_unchanged(tmp_path: Path, local: LocalFiles,
                                                                          inbox: HandOver) -> None:
    archive = tmp_path / "big.mtar"
    data = os.urandom(9 << 20)  # more than two reads, and large enough for the direct writes
    archive.write_bytes(data)
    rec, reused = local.save(handed(inbox, archive, 1), file_name="big.mtar", kind="ARCHIVE", size=len(data),
                             space_guid="s")
    assert not reused and rec.sha256 == hashlib.sha256(data).hexdigest()
    assert Path(rec.path).read_bytes() == data
    found = local.find(handed(inbox, archive, 2), "ARCHIVE", "s")
    assert found is not None and found.id == rec.id
    assert local.find(handed(inbox, archive, 3), "ARCHIVE", "other-space") is None


def test_a_file_changed_since_is_not_found_and_is_read_again(tmp_path: Path, local: LocalFiles,
                                                           inbox: HandOver) -> None:
    archive = tmp_path / "a.mtar"
    archive.write_bytes(b"one")
    first, _ = local.save(handed(inbox, archive, 1), file_name="a.mtar", kind="ARCHIVE", size=3, space_guid="s")
    archive.write_bytes(b"two")  # same size, same inode: the change time tells
    assert local.find(handed(inbox, archive, 2), "ARCHIVE", "s") is None
    second, reused = local.save(handed(inbox, archive, 3), file_name="a.mtar", kind="ARCHIVE", size=3,
                                space_guid="s")
    assert not reused and Path(second.path).read_bytes() == b"two" and second.sha256 != first.sha256


def test_the_same_content_from_another_file_is_stored_once(tmp_path: Path, local: LocalFiles, inbox: HandOver) -> None:
    (tmp_path / "a.mtar").write_bytes(b"same")
    (tmp_path / "b.mtar").write_bytes(b"same")
    a, _ = local.save(handed(inbox, tmp_path / "a.mtar", 1), file_name="a.mtar", kind="ARCHIVE", size=4,
                      space_guid="s")
    b, reused = local.save(handed(inbox, tmp_path / "b.mtar", 2), file_name="b.mtar", kind="ARCHIVE", size=4,
                           space_guid="s")
    assert reused and b.id == a.id


def test_a_retried_upload_reads_from_the_start(tmp_path: Path, local: LocalFiles, inbox: HandOver) -> None:
    archive = tmp_path / "a.mtar"
    archive.write_bytes(b"0123456789")
    with archive.open("rb") as f:
        f.seek(7)  # where an upload that broke off left the shared offset
        assert hand(inbox.path, f.fileno(), ticket(1).encode()) == b"ok"
        rec, _ = local.save(ticket(1), file_name="a.mtar", kind="ARCHIVE", size=10, space_guid="s")
        assert f.tell() == 10  # the shim's bar follows this offset
    assert Path(rec.path).read_bytes() == b"0123456789"


def test_an_unknown_ticket_or_a_wrong_size_fails_clearly(tmp_path: Path, local: LocalFiles, inbox: HandOver) -> None:
    with pytest.raises(ContentError, match="unknown or expired"):
        local.save(ticket(9), file_name="a.mtar", kind="ARCHIVE", size=3, space_guid="s")
    (tmp_path / "a.mtar").write_bytes(b"four")
    with pytest.raises(ContentError, match="larger than the announced"):
        local.save(handed(inbox, tmp_path / "a.mtar", 1), file_name="a.mtar", kind="ARCHIVE", size=3, space_guid="s")


def test_without_a_digest_the_database_store_computes_it_and_keeps_one_copy(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    files = FileStore(store, str(tmp_path / "state"), in_database=True)
    data = os.urandom(3 << 20)
    rec, reused = files.save(iter([data]), file_name="a.mtar", kind="ARCHIVE", size=len(data), sha256=None,
                             space_guid="s")
    assert not reused and rec.sha256 == hashlib.sha256(data).hexdigest()
    again, reused = files.save(iter([data]), file_name="b.mtar", kind="ARCHIVE", size=len(data), sha256=None,
                               space_guid="s")
    assert reused and again.id == rec.id and store.stray_chunks(0) == []
    store.close()


def test_upload_and_find_by_descriptor_through_grpc(tmp_path: Path, local: LocalFiles, inbox: HandOver) -> None:
    import grpc

    from bgdeploy.server.main import create_server
    from bgdeploy.server.servicer import Activity
    from bgdeploy.v1 import deployer_pb2 as pb
    from bgdeploy.v1 import deployer_pb2_grpc as pb_grpc

    target = pb.Target(api_endpoint="https://api.example.com", org_guid="o", space_guid="s")
    servers = [create_server(None, local.files, Activity(), "127.0.0.1:0", local_files=with_local)[:2]  # type: ignore[arg-type]
               for with_local in (local, None)]
    for server, _ in servers:
        server.start()
    try:
        stubs = [pb_grpc.DeployerStub(grpc.insecure_channel(f"127.0.0.1:{port}")) for _, port in servers]
        archive = tmp_path / "a.mtar"
        archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
        header = pb.UploadHeader(target=target, file_name="a.mtar", kind=pb.FILE_KIND_ARCHIVE, size=22,
                                 local_file=handed(inbox, archive, 1))
        ref = stubs[0].Upload(iter([pb.UploadRequest(header=header)]))
        assert ref.size == 22 and ref.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
        found = stubs[0].FindFile(pb.FindFileRequest(target=target, kind=pb.FILE_KIND_ARCHIVE,
                                                     local_file=handed(inbox, archive, 2)))
        assert found.id == ref.id and found.reused
        with pytest.raises(grpc.RpcError) as caught:  # an engine without a files socket (shared, loopback TCP)
            stubs[1].FindFile(pb.FindFileRequest(target=target, kind=pb.FILE_KIND_ARCHIVE, local_file=ticket(3)))
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "stream only" in caught.value.details()
    finally:
        for server, _ in servers:
            server.stop(0)


def test_what_an_upload_cut_off_by_a_crash_left_is_removed_at_start(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    files = FileStore(store, str(tmp_path / "state"))
    (files.dir / ".upload-abc123").write_bytes(b"half an archive")
    (files.dir / "0123456789abcdef").write_bytes(b"a stored file")
    assert files.remove_partial_uploads() == 1
    assert [p.name for p in files.dir.iterdir()] == ["0123456789abcdef"]
    store.close()
