"""The HTTP layer of `policykg serve` (server/http1.py) with a WSGI app of its own: an
answer of unknown length streams chunked to an HTTP/1.1 client and to the end of the
connection for HTTP/1.0, a client that keeps up gets every chunk, an app that fails gets
a 500 and the connection goes on. (Our own app always knows its answers' lengths, so only
another WSGI app reaches these paths; they are tested here over a real socket.)"""

from __future__ import annotations

import http.client
import socket
import threading

import pytest
import uvloop

from server.http1 import Connection, Front, Limits

CHUNKS = [b"x" * 700_000, b"y" * 700_000, b"z" * 5]  # past the 1 MiB sent in one piece


def app(environ, start_response):
    if environ["PATH_INFO"] == "/fail":
        raise RuntimeError("the app failed")
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return iter(CHUNKS)


@pytest.fixture(scope="module")
def server():
    loop = uvloop.new_event_loop()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    front = Front(app, loop, 2, Limits(), ("127.0.0.1", port))
    loop.run_until_complete(loop.create_server(lambda: Connection(front), sock=listener))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield port
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)


def test_an_answer_of_unknown_length_is_chunked_for_http_1_1(server):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    for _ in range(2):  # and the connection stays usable
        conn.request("GET", "/stream")
        response = conn.getresponse()
        assert response.getheader("Transfer-Encoding") == "chunked"
        assert response.getheader("Content-Length") is None
        assert response.read() == b"".join(CHUNKS)
    conn.close()


def test_for_http_1_0_its_end_is_the_end_of_the_connection(server):
    with socket.create_connection(("127.0.0.1", server), timeout=10) as conn:
        conn.sendall(b"GET /stream HTTP/1.0\r\n\r\n")
        received = b""
        while chunk := conn.recv(1 << 16):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"Connection: close" in head and b"chunked" not in head
    assert body == b"".join(CHUNKS)


def test_a_failing_app_gets_500_and_the_connection_goes_on(server):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    conn.request("GET", "/fail")
    failed = conn.getresponse()
    assert failed.status == 500 and b"see its log" in failed.read()
    conn.request("GET", "/stream")
    assert conn.getresponse().read() == b"".join(CHUNKS)
    conn.close()


def test_head_gets_no_body(server):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    conn.request("HEAD", "/stream")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b""
    conn.request("GET", "/stream")  # the next answer is read right: nothing was left over
    assert conn.getresponse().read() == b"".join(CHUNKS)
    conn.close()

