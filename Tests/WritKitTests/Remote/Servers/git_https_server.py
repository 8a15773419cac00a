#!/usr/bin/env python3
"""Test servers for writ's remote tests, on 127.0.0.1.

  git_https_server.py https ROOT CERT KEY USER TOKEN READONLY PORTFILE
      A smart-HTTP git server: `git http-backend` behind TLS, requiring
      HTTP basic auth on every request (401 otherwise): USER:TOKEN may
      fetch and push, USER:READONLY may only fetch (a push gets 403, as a
      forge answers a token without write access). Every request line and
      its auth result is logged to stderr, never the credentials.

  git_https_server.py silent PORTFILE
      Accepts TCP connections and never sends a byte: a hung server.

Each mode binds port 0 and writes the port it got to PORTFILE once it
listens, so the test knows when to connect.
"""
import base64
import hmac
import os
import socket
import ssl
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, path)


class GitHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = ""
    expected = b""
    readonly = b""

    def log_message(self, fmt, *args):
        sys.stderr.write("%s\n" % (fmt % args))

    def access(self):
        """None, "read" or "write"."""
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            given = base64.b64decode(header[6:], validate=True)
        except Exception:
            return None
        if hmac.compare_digest(given, self.expected):
            return "write"
        if hmac.compare_digest(given, self.readonly):
            return "read"
        return None

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(length) if length else b""

    def handle_git(self, method):
        request_body = self.body() if method == "POST" else b""
        access = self.access()
        if access is None:
            sys.stderr.write("auth refused for %s\n" % self.path)
            # No body, and the connection closed: what a client does with
            # an unread 401 body on a kept-alive connection is its own.
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="writ-test"')
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            return
        path, _, query = self.path.partition("?")
        if access == "read" and ("git-receive-pack" in path or "service=git-receive-pack" in query):
            sys.stderr.write("push refused for a read-only token: %s\n" % self.path)
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": self.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "REMOTE_USER": "writ-test",
            "REMOTE_ADDR": "127.0.0.1",
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(request_body)),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
        }
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        result = subprocess.run(
            ["git", "http-backend"], input=request_body, env=env, stdout=subprocess.PIPE, check=False
        )
        head, _, payload = result.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = result.stdout.partition(b"\n\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name.strip(), value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self.handle_git("GET")

    def do_POST(self):
        self.handle_git("POST")


def serve_https(root, cert, key, user, token, readonly, portfile):
    GitHandler.root = root
    GitHandler.expected = ("%s:%s" % (user, token)).encode()
    GitHandler.readonly = ("%s:%s" % (user, readonly)).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), GitHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    write_port(portfile, server.server_address[1])
    server.serve_forever()


def serve_silent(portfile):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    write_port(portfile, listener.getsockname()[1])
    held = []
    while True:
        connection, _ = listener.accept()
        held.append(connection)  # never read from, never written to


if __name__ == "__main__":
    if sys.argv[1] == "https":
        serve_https(*sys.argv[2:9])
    elif sys.argv[1] == "silent":
        serve_silent(sys.argv[2])
    else:
        sys.exit("unknown mode")
