"""Forward every request to one of the upstream's tasks, found by DNS on each request.

Swarm's DNS round-robin (``endpoint_mode: dnsrr``) lists only tasks that are running and
healthy, and drops a task before stopping it. No retries: a request that fails upstream
is answered with 502, so a test counting failures sees every one.
"""

import http.client
import os
import random
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = os.environ.get("UPSTREAM", "web")
UPSTREAM_PORT = int(os.environ.get("UPSTREAM_PORT", "8000"))
PORT = int(os.environ.get("PORT", "8080"))


class Forward(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/__front__":
            return self._answer(200, b"ok", "text/plain")
        try:
            addresses = sorted(
                {
                    a[4][0]
                    for a in socket.getaddrinfo(UPSTREAM, UPSTREAM_PORT, type=socket.SOCK_STREAM)
                }
            )
            conn = http.client.HTTPConnection(random.choice(addresses), UPSTREAM_PORT, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            conn.request("GET", self.path, headers=headers)
            reply = conn.getresponse()
            body = reply.read()
            conn.close()
        except OSError as exc:
            return self._answer(502, str(exc).encode(), "text/plain")
        self._answer(reply.status, body, reply.getheader("Content-Type") or "text/plain")

    def _answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", PORT), Forward).serve_forever()
