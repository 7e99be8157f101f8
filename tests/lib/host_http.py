"""A tiny HTTP service on this host, listening on all addresses, for the
tests of what a sandbox may reach of the host. Standard library only."""
import http.server
import threading


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello-host")

    def log_message(self, *a):
        pass


def serve_hello():
    """A started server on 0.0.0.0 and a free port; .shutdown() it."""
    server = http.server.ThreadingHTTPServer(("0.0.0.0", 0), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
