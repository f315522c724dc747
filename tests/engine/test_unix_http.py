"""The HTTP the socket client reads (pure: answers as bytes, split anywhere), and one real
exchange with a unix socket server."""

from __future__ import annotations

import io
import socket
import threading

import pytest

from dockdjango.engine.unix_http import Closed, Response, UnixHTTP


def answer(raw: bytes, status: int = 200, **headers: str) -> Response:
    return Response(
        status,
        "OK",
        {k.replace("_", "-"): v for k, v in headers.items()},
        io.BufferedReader(io.BytesIO(raw)),
    )  # type: ignore[arg-type]


def test_a_chunked_body_is_joined_and_its_trailers_skipped() -> None:
    raw = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n"
    got = answer(raw, transfer_encoding="chunked")
    assert list(got.chunks()) == [b"hello", b", world"]
    assert got.reusable


def test_a_sized_body_is_read_to_its_length_and_no_further() -> None:
    got = answer(b"OKextra", content_length="2")
    assert got.read() == b"OK" and got.reusable


def test_a_body_without_a_size_runs_to_the_end_and_closes() -> None:
    got = answer(b"all of it")
    assert got.read() == b"all of it" and not got.reusable
    assert not answer(b"x", content_length="1", connection="close").reusable


def test_a_body_cut_short_says_so() -> None:
    with pytest.raises(Closed):
        answer(b"abc", content_length="10").read()
    with pytest.raises(Closed):
        answer(b"a\r\nhel", transfer_encoding="chunked").read()


def test_a_no_content_answer_has_no_body() -> None:
    assert answer(b"", status=204).read() == b""


def test_requests_on_one_kept_connection(tmp_path) -> None:
    path = str(tmp_path / "s.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    seen: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        with conn, conn.makefile("rb") as f:
            for body in (b'{"a": 1}', b"second"):
                seen.append(f.readline())
                while f.readline() not in (b"\r\n", b""):
                    pass
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = UnixHTTP(path, timeout=10)
    try:
        first = client.get("/v1.41/one?x=1")
        assert (first.status, first.headers["content-type"], first.read()) == (
            200,
            "application/json",
            b'{"a": 1}',
        )
        assert client.get("/two").read() == b"second"
    finally:
        client.close()
        server.close()
    thread.join(5)
    assert seen == [b"GET /v1.41/one?x=1 HTTP/1.1\r\n", b"GET /two HTTP/1.1\r\n"]
    with pytest.raises(OSError):
        UnixHTTP(str(tmp_path / "none.sock"), timeout=1).get("/_ping")
