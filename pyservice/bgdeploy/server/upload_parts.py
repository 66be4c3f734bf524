"""The Upload call's messages without copying the bytes they carry.

protobuf's Python API copies a `bytes` field once when it parses the message and again when it is read, so
an 800 MiB archive costs two extra copies. A data part (`UploadRequest.data`, field 2) is one length-delimited
field on the wire: tag 0x12, a varint length, the bytes. That case is decoded here as a memoryview into the
message gRPC handed over; anything else (the header, unknown fields) goes through protobuf as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import grpc

from bgdeploy.v1 import deployer_pb2 as pb

DATA_TAG = 0x12  # field 2, wire type 2 (length-delimited)
_MAX_VARINT_BYTES = 10


def _varint(raw: bytes, at: int) -> tuple[int, int]:
    """(value, offset after it), or (-1, at) when raw holds no complete varint there."""
    value = shift = 0
    for i in range(at, min(len(raw), at + _MAX_VARINT_BYTES)):
        byte = raw[i]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i + 1
        shift += 7
    return -1, at


def decode(raw: bytes) -> pb.UploadRequest | memoryview:
    """A data part as a view of its bytes; any other message as protobuf parses it."""
    if raw[:1] == bytes((DATA_TAG,)):
        length, start = _varint(raw, 1)
        if length >= 0 and start + length == len(raw):
            return memoryview(raw)[start:]
    return pb.UploadRequest.FromString(raw)


def data_of(requests: Iterable[pb.UploadRequest | memoryview]) -> Iterator[bytes | memoryview]:
    """The file's bytes in the order they came; parts that carry no data are skipped."""
    for r in requests:
        if isinstance(r, memoryview):
            yield r
        elif r.WhichOneof("part") == "data":
            yield r.data


def handler(upload: object) -> grpc.RpcMethodHandler:
    """Upload's method handler, as the generated code makes it but with `decode` for the requests."""
    return grpc.stream_unary_rpc_method_handler(upload, request_deserializer=decode,
                                                response_serializer=pb.FileRef.SerializeToString)
