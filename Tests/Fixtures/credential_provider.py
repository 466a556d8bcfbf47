#!/usr/bin/env python3
"""A stand-in for the AWS IoT credential provider, for tests.

    credential_provider.py --port PORT --ca CA --cert CERT --key KEY --log FILE [--script B1,B2,...]
                           [--clock-offset SECONDS]

Serves HTTPS on 127.0.0.1:PORT and requires a client certificate issued by CA (mutual TLS, as AWS does).
GET /role-aliases/<alias>/credentials answers like AWS:

    {"credentials":{"accessKeyId":"…","secretAccessKey":"…","sessionToken":"…","expiration":"…Z"}}

with a `Date` header, fresh values on every request (the n-th request's key id is ASIAFAKEn), and
expiration = now + lifetime. --script says how to answer the requests in turn (the last one repeats):

    ok | ok:SECONDS        credentials valid 3600 s, or SECONDS
    403 | 404 | 500       AWS's error shapes ({"message": "..."})
    slow:SECONDS          wait SECONDS, then answer ok
    malformed             200 with JSON that is not credentials

--clock-offset shifts the server's clock (its Date header and the expirations it hands out), as a robot
whose clock is wrong sees AWS.

Every request (and every refused TLS handshake) is appended to FILE as one JSON object per line: path,
the x-amzn-iot-thingname header, the client certificate's CN, the behaviour, and the credentials issued.
Prints "listening on PORT" once ready.
"""
import argparse
import email.utils
import json
import secrets
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"count": 0}


def record(log, entry):
    with lock:
        with open(log, "a") as f:
            f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def send(self, status, body):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        server = self.server
        with lock:
            state["count"] += 1
            n = state["count"]
            behavior = server.script[min(n, len(server.script)) - 1]
        cert = self.connection.getpeercert() or {}
        cn = next((value for rdn in cert.get("subject", ()) for key, value in rdn if key == "commonName"), None)
        entry = {"n": n, "path": self.path, "thing": self.headers.get("x-amzn-iot-thingname"), "cn": cn,
                 "behavior": behavior, "time": time.time()}
        kind, _, argument = behavior.partition(":")
        if kind == "slow":
            time.sleep(float(argument))
            kind, argument = "ok", ""
        if kind == "ok":
            lifetime = float(argument) if argument else 3600
            expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(server.now() + lifetime))
            credentials = {"accessKeyId": f"ASIAFAKE{n}", "secretAccessKey": f"secret{n}-{secrets.token_hex(8)}",
                           "sessionToken": f"token{n}-{secrets.token_hex(16)}", "expiration": expiration}
            entry["credentials"] = credentials
            record(server.log, entry)
            self.send(200, {"credentials": credentials})
        elif kind == "403":
            record(server.log, entry)
            self.send(403, {"message": "Access Denied"})
        elif kind == "404":
            record(server.log, entry)
            self.send(404, {"message": "Role alias does not exist"})
        elif kind == "500":
            record(server.log, entry)
            self.send(500, {"message": "Internal Failure"})
        elif kind == "malformed":
            record(server.log, entry)
            self.send(200, {"Credentials": {"AccessKeyId": "x"}})
        else:
            record(server.log, entry)
            self.send(400, {"message": f"unknown fixture behaviour {behavior}"})

    def date_time_string(self, timestamp=None):
        return email.utils.formatdate(self.server.now() if timestamp is None else timestamp, usegmt=True)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    clock_offset = 0.0

    def now(self):
        return time.time() + self.clock_offset

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, on the request's thread, so a refused client shows in the log.
        request.settimeout(30)
        try:
            connection = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            record(self.log, {"tlsError": str(error), "time": time.time()})
            return
        try:
            super().finish_request(connection, client_address)
        finally:
            try:
                connection.close()
            except OSError:
                pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--script", default="ok")
    parser.add_argument("--clock-offset", type=float, default=0.0)
    args = parser.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(args.ca)
    context.load_cert_chain(args.cert, args.key)

    server = Server(("127.0.0.1", args.port), Handler)
    server.context = context
    server.log = args.log
    server.script = args.script.split(",")
    server.clock_offset = args.clock_offset
    print(f"listening on {args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
