#!/usr/bin/env python3
"""A model of Amazon Kinesis Video Streams' WebRTC signaling, for tests (region us-west-2, account 123456789012).

    kvs_model.py --cert CERT --key KEY --log FILE --credentials FILE --control DIR
                 [--channel NAME ...] [--ice-ttl SECONDS] [--turn-uri URI ...] [--turn-username U]
                 [--turn-password P] [--trust-credential-log FILE] [--idle-seconds S] [--max-connection-seconds S]

Runs with Debian's /usr/bin/python3 (it needs python3-websockets, 10.4 on Debian 12). Both servers bind 127.0.0.1
on a port the kernel picks; once both listen it prints

    listening control-plane=PORT signaling=PORT

Control plane (HTTPS, TLS with CERT/KEY): POST /describeSignalingChannel, /createSignalingChannel,
/getSignalingChannelEndpoint and, on the "HTTPS endpoint" it hands out (the same server), /v1/get-ice-server-config.
Every request must carry a SigV4 `Authorization` header for service `kinesisvideo`, region `us-west-2`, verified here
from AWS's documented algorithm (canonical request, string to sign, signing key), with `host` and `x-amz-date` signed,
the date within 15 minutes, and the session token (`x-amz-security-token`) equal to the one issued with the key.
Errors are AWS-shaped: the `x-amzn-ErrorType` header and a JSON body `{"__type": CODE, "message": …}`:
403 SignatureDoesNotMatch, 403 UnrecognizedClientException (unknown key or wrong token), 403 ExpiredTokenException,
403 InvalidSignatureException (date skew), 404 ResourceNotFoundException, 400 InvalidArgumentException,
400 ResourceInUseException (create of an existing channel).

Signaling (WSS on its own port, on 127.0.0.1 but handed out as `wss://localhost:PORT`: NIOSSL sends no IP address
as SNI and refuses to try): `wss://localhost:PORT/?X-Amz-ChannelARN=…&X-Amz-Algorithm=…` presigned with SigV4
query parameters (signed header `host`, payload hash = SHA-256 of the empty string, X-Amz-Security-Token inside the
canonical query). A connection with `X-Amz-ClientId` is a viewer, without one the master. Refused handshakes get the
HTTP status and the same JSON error body (403 for a bad signature, an expired URL or expired/unknown credentials).
One master per channel and one connection per viewer id: a newer connection replaces the older, which is closed
(code 1000, reason "replaced"). Viewer → master messages are delivered as
`{"senderClientId": VIEWER, "messageType": ACTION, "messagePayload": …}`, master → viewer (`recipientClientId`) as
`{"senderClientId": "", …}`. A connection that sent nothing (not even a ping) for --idle-seconds (600), or is
older than --max-connection-seconds (3600), is closed with code 1001, as KVS ends them. A message for someone not
connected is kept for 60 s (the channel's MessageTtlSeconds) and delivered when they connect. A bad message
(unknown action, payload missing, not base64, over 10240 characters, bad recipient id) is answered with
`{"senderClientId": "", "messageType": "STATUS_RESPONSE", "statusResponse": {"correlationId", "errorType":
"InvalidArgumentException", "statusCode": "400", "description"}}` and not relayed.

Credentials: FILE (--credentials) is a JSON object `{ACCESS_KEY_ID: {"secretAccessKey", "sessionToken" (or null),
"expiration": epoch seconds (or null)}}`, re-read on every request, so the test adds and expires keys by rewriting
it. --trust-credential-log also trusts every key the credential-provider stand-in issued (its JSON-lines log).

Test control: DIR (--control) is polled every 10 ms; each `*.json` file (taken in name order, then deleted) is one
command, logged as `{"kind": "control", "id": NAME, …}` once applied:
    {"command": "goAway", "channel": NAME}              GO_AWAY to the master, closed 1 s later
    {"command": "reconnectICEServer", "channel": NAME}  RECONNECT_ICE_SERVER to the master
    {"command": "setICETtl", "seconds": N}              the Ttl of ICE configs handed out from now on
    {"command": "closeMaster", "channel": NAME}          close the master's connection (code 1011)
    {"command": "sendToMaster", "channel": NAME, "text": RAW}   a raw text frame to the master

Log (--log): one JSON object per line; `kind` is http, connect (status 101 or the refusal), replaced, timeout,
disconnect, message (relayed or buffered, with the decoded payload), refused (a bad message), sent (what the model
itself sent: GO_AWAY, RECONNECT_ICE_SERVER, STATUS_RESPONSE), expired (a buffered message dropped), control; a
refused TLS handshake on the control plane is `{"tlsError": …}`. Secrets are never logged; access key ids are.
"""
import argparse
import asyncio
import base64
import binascii
import hashlib
import hmac
import http
import json
import os
import re
import secrets
import ssl
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from urllib.parse import quote, unquote

import websockets

from credential_provider import Server as TLSServer  # Tests/Fixtures, next to this script

REGION = "us-west-2"
ACCOUNT = "123456789012"
SERVICE = "kinesisvideo"
# The suffix of the ARN of every channel given with --channel (a real one is its creation time in ms).
FIXED_ARN_SUFFIX = "1700000000000"
MAX_PAYLOAD = 10240
MESSAGE_TTL = 60.0
CLOCK_SKEW = 15 * 60
CLIENT_ID = re.compile(r"[a-zA-Z0-9_.-]{1,256}")
CHANNEL_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,256}")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MASTER = None  # the key of the master in a channel's pending messages

log_lock = threading.Lock()
state_lock = threading.Lock()


class Model:
    """What both servers share: channels, the ICE Ttl, the credentials, the log."""

    def __init__(self, args):
        self.args = args
        self.ice_ttl = args.ice_ttl
        self.channels = {}  # name -> Channel
        for name in args.channel:
            arn = f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:channel/{name}/{FIXED_ARN_SUFFIX}"
            self.channels[name] = Channel(name, arn)
        self.control_port = 0
        self.signaling_port = 0
        self.next_connection = 0

    def record(self, entry):
        entry["time"] = time.time()
        with log_lock:
            with open(self.args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def channel_by_arn(self, arn):
        with state_lock:
            return next((c for c in self.channels.values() if c.arn == arn), None)

    def credentials(self, access_key_id):
        """(secret, token, expiration epoch or None) of a known key, or None."""
        try:
            with open(self.args.credentials) as f:
                registry = json.load(f)
        except (OSError, ValueError):
            registry = {}
        entry = registry.get(access_key_id)
        if entry is not None:
            return entry.get("secretAccessKey"), entry.get("sessionToken"), entry.get("expiration")
        if self.args.trust_credential_log:
            try:
                with open(self.args.trust_credential_log) as f:
                    lines = f.read().splitlines()
            except OSError:
                lines = []
            for line in lines:
                try:
                    issued = json.loads(line).get("credentials")
                except ValueError:
                    continue
                if issued and issued.get("accessKeyId") == access_key_id:
                    expiration = datetime.strptime(issued["expiration"], "%Y-%m-%dT%H:%M:%SZ")
                    return (issued["secretAccessKey"], issued.get("sessionToken"),
                            expiration.replace(tzinfo=timezone.utc).timestamp())
        return None


class Channel:
    def __init__(self, name, arn):
        self.name = name
        self.arn = arn
        self.created = time.time()
        self.master = None  # Connection
        self.viewers = {}  # client id -> Connection
        self.pending = {}  # recipient (client id, or MASTER) -> [(deadline, text, log entry)]


class AuthError(Exception):
    def __init__(self, status, code, message, access_key_id=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.access_key_id = access_key_id


# MARK: SigV4, from "Create a signed AWS API request" and "Authenticating requests: using query parameters"

def uri_encode(text):
    """RFC 3986: unreserved characters as they are, every other UTF-8 byte %XX (upper case)."""
    return quote(text, safe="-_.~")


def canonical_uri(raw_path):
    """Every service but S3 encodes each segment of the path as sent once more."""
    return "/".join(uri_encode(segment) for segment in raw_path.split("/")) or "/"


def query_pairs(raw_query):
    """The decoded (name, value) pairs of a query string, in order."""
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def canonical_query(pairs):
    return "&".join(f"{n}={v}" for n, v in sorted((uri_encode(n), uri_encode(v)) for n, v in pairs))


def canonical_headers(get_all, signed):
    lines = []
    for name in signed:
        values = get_all(name) or []
        lines.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}\n")
    return "".join(lines)


def signing_key(secret, date):
    key = ("AWS4" + secret).encode()
    for part in (date, REGION, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def amz_epoch(amz_date):
    try:
        return datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()
    except (TypeError, ValueError):
        return None


def check_signature(model, credential, amz_date, signed_headers, signature, canonical_request, token):
    """Checks the scope, the key, the token and the signature; returns the access key id."""
    parts = credential.split("/")
    if len(parts) != 5:
        raise AuthError(403, "IncompleteSignatureException", f"Credential is malformed: {credential}")
    access_key_id, date, region, service, terminator = parts
    if date != amz_date[:8] or region != REGION or service != SERVICE or terminator != "aws4_request":
        raise AuthError(403, "SignatureDoesNotMatch",
                        f"Credential should be scoped to {amz_date[:8]}/{REGION}/{SERVICE}/aws4_request, "
                        f"not {date}/{region}/{service}/{terminator}", access_key_id)
    if "host" not in signed_headers:
        raise AuthError(403, "SignatureDoesNotMatch", "the host header must be signed", access_key_id)
    known = model.credentials(access_key_id)
    if known is None:
        raise AuthError(403, "UnrecognizedClientException",
                        "The security token included in the request is invalid.", access_key_id)
    secret, issued_token, expiration = known
    if expiration is not None and time.time() >= expiration:
        raise AuthError(403, "ExpiredTokenException",
                        "The security token included in the request is expired", access_key_id)
    if (issued_token or None) != (token or None):
        raise AuthError(403, "UnrecognizedClientException",
                        "The security token included in the request is invalid.", access_key_id)
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, f"{date}/{REGION}/{SERVICE}/aws4_request",
        hashlib.sha256(canonical_request.encode()).hexdigest()])
    expected = hmac.new(signing_key(secret, date), string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise AuthError(403, "SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you provided. Check your "
                        "AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n"
                        f"The Canonical String for this request should have been\n'{canonical_request}'\n\n"
                        f"The String-to-Sign should have been\n'{string_to_sign}'\n", access_key_id)
    return access_key_id


def verify_header_auth(model, method, raw_path, raw_query, get_all, body):
    authorization = (get_all("authorization") or [""])[0]
    match = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)",
                         authorization.strip())
    if not match:
        if not authorization:
            raise AuthError(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        raise AuthError(403, "IncompleteSignatureException", f"Authorization header is malformed: {authorization}")
    credential, signed, signature = match.groups()
    signed_headers = signed.split(";")
    if "x-amz-date" not in signed_headers:
        raise AuthError(403, "SignatureDoesNotMatch", "the x-amz-date header must be signed")
    amz_date = (get_all("x-amz-date") or [""])[0]
    stamp = amz_epoch(amz_date)
    if stamp is None:
        raise AuthError(403, "IncompleteSignatureException", f"X-Amz-Date is malformed: {amz_date!r}")
    if abs(time.time() - stamp) > CLOCK_SKEW:
        raise AuthError(403, "InvalidSignatureException",
                        f"Signature expired: {amz_date} is now earlier or later than 15 min from now")
    canonical_request = "\n".join([
        method, canonical_uri(raw_path), canonical_query(query_pairs(raw_query)),
        canonical_headers(get_all, signed_headers), signed, hashlib.sha256(body).hexdigest()])
    token = (get_all("x-amz-security-token") or [None])[0]
    return check_signature(model, credential, amz_date, signed_headers, signature, canonical_request, token)


def verify_presigned(model, raw_path, raw_query, get_all):
    pairs = query_pairs(raw_query)
    query = dict(pairs)
    missing = [n for n in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                           "X-Amz-SignedHeaders", "X-Amz-Signature") if n not in query]
    if missing:
        raise AuthError(403, "IncompleteSignatureException", f"the presigned URL lacks {', '.join(missing)}")
    if query["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
        raise AuthError(403, "IncompleteSignatureException", f"unsupported algorithm {query['X-Amz-Algorithm']}")
    amz_date = query["X-Amz-Date"]
    stamp = amz_epoch(amz_date)
    if stamp is None:
        raise AuthError(403, "IncompleteSignatureException", f"X-Amz-Date is malformed: {amz_date!r}")
    try:
        expires = int(query["X-Amz-Expires"])
    except ValueError:
        expires = -1
    if not 1 <= expires <= 604800:
        raise AuthError(403, "IncompleteSignatureException", f"X-Amz-Expires must be 1…604800, not {expires}")
    now = time.time()
    if now > stamp + expires:
        raise AuthError(403, "AccessDeniedException",
                        f"Request has expired: signed {amz_date}, valid {expires} s, now "
                        f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(now))}")
    if stamp - now > CLOCK_SKEW:
        raise AuthError(403, "InvalidSignatureException", f"Signature not yet current: {amz_date} is in the future")
    signed = query["X-Amz-SignedHeaders"]
    signed_headers = signed.split(";")
    canonical_request = "\n".join([
        "GET", canonical_uri(raw_path), canonical_query([(n, v) for n, v in pairs if n != "X-Amz-Signature"]),
        canonical_headers(get_all, signed_headers), signed, EMPTY_SHA256])
    return check_signature(model, query["X-Amz-Credential"], amz_date, signed_headers, query["X-Amz-Signature"],
                           canonical_request, query.get("X-Amz-Security-Token"))


# MARK: the control plane

class ControlPlane(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def reply(self, status, body, code=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if code:
            self.send_header("x-amzn-ErrorType", code)
        self.send_header("x-amzn-RequestId", secrets.token_hex(16))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, entry, status, code, message):
        entry.update(status=status, error=code, message=message.splitlines()[0] if message else "")
        self.server.model.record(entry)
        self.reply(status, {"__type": code, "message": message}, code)

    def do_GET(self):
        self.do_POST()

    def do_POST(self):
        model = self.server.model
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        raw_path, _, raw_query = self.path.partition("?")
        operation = {"/describeSignalingChannel": "DescribeSignalingChannel",
                     "/createSignalingChannel": "CreateSignalingChannel",
                     "/getSignalingChannelEndpoint": "GetSignalingChannelEndpoint",
                     "/v1/get-ice-server-config": "GetIceServerConfig"}.get(raw_path)
        entry = {"kind": "http", "method": self.command, "path": self.path, "operation": operation}
        try:
            entry["accessKeyId"] = verify_header_auth(
                model, self.command, raw_path, raw_query, self.headers.get_all, body)
        except AuthError as error:
            entry["accessKeyId"] = error.access_key_id
            return self.fail(entry, error.status, error.code, error.message)
        if operation is None or self.command != "POST":
            return self.fail(entry, 404, "UnknownOperationException", f"no operation {self.command} {raw_path}")
        try:
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError as error:
            return self.fail(entry, 400, "SerializationException", f"the body is not a JSON object: {error}")
        entry["request"] = request
        status, answer = getattr(self, operation)(model, request)
        if status != 200:
            code, message = answer
            return self.fail(entry, status, code, message)
        entry.update(status=200, response=answer)
        model.record(entry)
        self.reply(200, answer)

    def DescribeSignalingChannel(self, model, request):
        name, arn = request.get("ChannelName"), request.get("ChannelARN")
        with state_lock:
            channel = model.channels.get(name) if name else next(
                (c for c in model.channels.values() if c.arn == arn), None)
        if channel is None:
            return 404, ("ResourceNotFoundException", "The requested channel is not found or not active.")
        return 200, {"ChannelInfo": {
            "ChannelARN": channel.arn, "ChannelName": channel.name, "ChannelStatus": "ACTIVE",
            "ChannelType": "SINGLE_MASTER", "CreationTime": channel.created,
            "SingleMasterConfiguration": {"MessageTtlSeconds": int(MESSAGE_TTL)}, "Version": "1"}}

    def CreateSignalingChannel(self, model, request):
        name = request.get("ChannelName")
        if not isinstance(name, str) or not CHANNEL_NAME.fullmatch(name):
            return 400, ("InvalidArgumentException", f"ChannelName must match [a-zA-Z0-9_.-]{{1,256}}: {name!r}")
        if request.get("ChannelType", "SINGLE_MASTER") != "SINGLE_MASTER":
            return 400, ("InvalidArgumentException", "ChannelType must be SINGLE_MASTER")
        with state_lock:
            if name in model.channels:
                return 400, ("ResourceInUseException", f"The signaling channel {name} already exists")
            arn = f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:channel/{name}/{int(time.time() * 1000)}"
            model.channels[name] = Channel(name, arn)
        return 200, {"ChannelARN": arn}

    def GetSignalingChannelEndpoint(self, model, request):
        if model.channel_by_arn(request.get("ChannelARN")) is None:
            return 404, ("ResourceNotFoundException", "The requested channel is not found or not active.")
        configuration = request.get("SingleMasterChannelEndpointConfiguration") or {}
        protocols = configuration.get("Protocols") or ["WSS", "HTTPS"]
        role = configuration.get("Role", "MASTER")
        if role not in ("MASTER", "VIEWER") or not isinstance(protocols, list) or \
                any(p not in ("WSS", "HTTPS") for p in protocols):
            return 400, ("InvalidArgumentException", f"unsupported Protocols {protocols} or Role {role}")
        endpoints = {"WSS": f"wss://localhost:{model.signaling_port}",
                     "HTTPS": f"https://127.0.0.1:{model.control_port}"}
        return 200, {"ResourceEndpointList": [{"Protocol": p, "ResourceEndpoint": endpoints[p]} for p in protocols]}

    def GetIceServerConfig(self, model, request):
        channel = model.channel_by_arn(request.get("ChannelARN"))
        if channel is None:
            return 404, ("ResourceNotFoundException", "The requested channel is not found or not active.")
        if request.get("Service", "TURN") != "TURN":
            return 400, ("InvalidArgumentException", f"Service must be TURN, not {request.get('Service')!r}")
        client_id = request.get("ClientId")
        if client_id is not None and not CLIENT_ID.fullmatch(str(client_id)):
            return 400, ("InvalidArgumentException", f"ClientId must match [a-zA-Z0-9_.-]{{1,256}}: {client_id!r}")
        ttl = model.ice_ttl
        args = model.args
        username = args.turn_username or \
            f"{int(time.time()) + ttl}:{base64.b64encode(channel.arn.encode()).decode()}"
        password = args.turn_password or base64.b64encode(secrets.token_bytes(24)).decode()
        return 200, {"IceServerList": [{"Password": password, "Ttl": ttl, "Uris": args.turn_uri,
                                        "Username": username}]}


class ControlPlaneServer(TLSServer):
    """The credential-provider stand-in's threading HTTPS server: the TLS handshake on the request's thread, a refused
    one logged (`{"tlsError": …}`); no client certificate asked for here."""


# MARK: signaling

class Connection:
    def __init__(self, number, websocket, channel, client_id, access_key_id):
        self.number = number
        self.websocket = websocket
        self.channel = channel
        self.client_id = client_id  # None for the master
        self.access_key_id = access_key_id

    @property
    def role(self):
        return "master" if self.client_id is None else "viewer"


class Protocol(websockets.WebSocketServerProtocol):
    """Notes when the client last sent anything — a ping counts — for the idle timeout."""

    last_seen = 0.0

    async def read_frame(self, max_size):
        frame = await super().read_frame(max_size)
        self.last_seen = time.time()
        return frame


class Signaling:
    def __init__(self, model):
        self.model = model

    def refuse(self, entry, status, code, message):
        entry.update(status=status, error=code, message=message.splitlines()[0])
        self.model.record(entry)
        body = json.dumps({"__type": code, "message": message}).encode()
        return (http.HTTPStatus(status), [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)], body)

    async def process_request(self, path, headers):
        """Checks the presigned URL before the handshake completes (a refusal is an HTTP error, as AWS answers)."""
        raw_path, _, raw_query = path.partition("?")
        query = dict(query_pairs(raw_query))
        client_id = query.get("X-Amz-ClientId")
        entry = {"kind": "connect", "role": "master" if client_id is None else "viewer", "clientId": client_id,
                 "channelARN": query.get("X-Amz-ChannelARN")}
        try:
            entry["accessKeyId"] = verify_presigned(self.model, raw_path, raw_query, headers.get_all)
        except AuthError as error:
            entry["accessKeyId"] = error.access_key_id
            return self.refuse(entry, error.status, error.code, error.message)
        if self.model.channel_by_arn(query.get("X-Amz-ChannelARN")) is None:
            return self.refuse(entry, 404, "ResourceNotFoundException", "The requested channel is not found.")
        if client_id is not None and (not CLIENT_ID.fullmatch(client_id) or client_id.upper().startswith("AWS_")):
            return self.refuse(entry, 400, "InvalidArgumentException",
                               f"X-Amz-ClientId must match [a-zA-Z0-9_.-]{{1,256}} and not start with AWS_: "
                               f"{client_id!r}")
        return None

    async def handle(self, websocket):
        model = self.model
        raw_path, _, raw_query = websocket.path.partition("?")
        query = dict(query_pairs(raw_query))
        channel = model.channel_by_arn(query["X-Amz-ChannelARN"])
        credential = query["X-Amz-Credential"].split("/")[0]
        model.next_connection += 1
        connection = Connection(model.next_connection, websocket, channel, query.get("X-Amz-ClientId"), credential)
        model.record({"kind": "connect", "status": 101, "role": connection.role, "clientId": connection.client_id,
                      "channel": channel.name, "connection": connection.number, "accessKeyId": credential})
        if connection.client_id is None:
            previous, channel.master = channel.master, connection
        else:
            previous = channel.viewers.get(connection.client_id)
            channel.viewers[connection.client_id] = connection
        if previous is not None:
            model.record({"kind": "replaced", "role": previous.role, "clientId": previous.client_id,
                          "connection": previous.number, "by": connection.number})
            asyncio.ensure_future(previous.websocket.close(1000, "replaced"))
        await self.deliver_pending(channel, connection)
        websocket.last_seen = time.time()
        watchdog = asyncio.ensure_future(self.watch(connection))
        code = None
        try:
            async for text in websocket:
                await self.relay(connection, text)
        except websockets.ConnectionClosed:
            pass
        finally:
            watchdog.cancel()
            code = websocket.close_code
            if connection.client_id is None:
                if channel.master is connection:
                    channel.master = None
            elif channel.viewers.get(connection.client_id) is connection:
                del channel.viewers[connection.client_id]
            model.record({"kind": "disconnect", "role": connection.role, "clientId": connection.client_id,
                          "connection": connection.number, "code": code})

    async def watch(self, connection):
        """Closes a connection idle for --idle-seconds (nothing received, not even a ping) or older than
        --max-connection-seconds, as KVS does (10 min, 1 h)."""
        args = self.model.args
        opened = time.time()
        websocket = connection.websocket
        while True:
            await asyncio.sleep(0.1)
            now = time.time()
            if now - websocket.last_seen > args.idle_seconds:
                reason = "idle"
            elif now - opened > args.max_connection_seconds:
                reason = "connection too old"
            else:
                continue
            self.model.record({"kind": "timeout", "reason": reason, "role": connection.role,
                               "clientId": connection.client_id, "connection": connection.number})
            await websocket.close(1001, reason)
            return

    async def relay(self, connection, text):
        model = self.model
        correlation = None
        try:
            if isinstance(text, bytes):
                raise ValueError("binary frames are not messages")
            message = json.loads(text)
            if not isinstance(message, dict):
                raise ValueError("a message is a JSON object")
            correlation = message.get("correlationId")
            action = message.get("action")
            if action not in ("SDP_OFFER", "SDP_ANSWER", "ICE_CANDIDATE"):
                raise ValueError(f"unknown action {action!r}")
            payload = message.get("messagePayload")
            if not isinstance(payload, str) or not payload:
                raise ValueError("messagePayload is missing")
            if len(payload) > MAX_PAYLOAD:
                raise ValueError(f"messagePayload is {len(payload)} characters, over {MAX_PAYLOAD}")
            try:
                decoded = base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("messagePayload is not base64")
            if connection.client_id is None:
                recipient = message.get("recipientClientId")
                if not isinstance(recipient, str) or not CLIENT_ID.fullmatch(recipient):
                    raise ValueError(f"recipientClientId must match [a-zA-Z0-9_.-]{{1,256}}: {recipient!r}")
            else:
                recipient = MASTER  # a viewer only talks to the master; its recipientClientId is ignored
        except ValueError as error:
            model.record({"kind": "refused", "connection": connection.number, "role": connection.role,
                          "clientId": connection.client_id, "reason": str(error), "text": str(text)[:200]})
            status = {"correlationId": correlation or "", "errorType": "InvalidArgumentException",
                      "statusCode": "400", "description": str(error)}
            await self.send(connection, {"senderClientId": "", "messageType": "STATUS_RESPONSE",
                                         "statusResponse": status}, {"kind": "sent", "messageType": "STATUS_RESPONSE"})
            return
        try:
            shown = json.loads(decoded)
        except ValueError:
            shown = decoded.decode(errors="replace")
        event = {"senderClientId": connection.client_id or "", "messageType": action, "messagePayload": payload}
        entry = {"kind": "message", "from": connection.client_id or "master", "to": recipient or "master",
                 "action": action, "connection": connection.number, "payload": shown}
        channel = connection.channel
        target = channel.master if recipient is MASTER else channel.viewers.get(recipient)
        if target is None:
            channel.pending.setdefault(recipient, []).append((time.time() + MESSAGE_TTL, json.dumps(event), entry))
            entry["delivered"] = False
            model.record(entry)
            return
        entry["delivered"] = True
        await self.send(target, event, entry)

    async def send(self, connection, event, entry):
        entry["connection"] = connection.number
        self.model.record(entry)
        try:
            await connection.websocket.send(json.dumps(event))
        except websockets.ConnectionClosed:
            pass

    async def deliver_pending(self, channel, connection):
        queue = channel.pending.pop(connection.client_id, [])
        now = time.time()
        for deadline, text, entry in queue:
            if deadline < now:
                self.model.record({"kind": "expired", "to": entry["to"], "action": entry["action"]})
                continue
            delivered = dict(entry, delivered=True, buffered=True, connection=connection.number)
            self.model.record(delivered)
            try:
                await connection.websocket.send(text)
            except websockets.ConnectionClosed:
                return

    # MARK: test control

    async def poll_control(self):
        folder = self.model.args.control
        while True:
            await asyncio.sleep(0.01)
            try:
                names = sorted(n for n in os.listdir(folder) if n.endswith(".json"))
            except OSError:
                continue
            for name in names:
                path = os.path.join(folder, name)
                try:
                    with open(path) as f:
                        command = json.load(f)
                    os.remove(path)
                except (OSError, ValueError) as error:
                    self.model.record({"kind": "control", "id": name[:-5], "error": str(error)})
                    continue
                result = await self.apply(command)
                self.model.record(dict(command, kind="control", id=name[:-5], result=result))

    async def apply(self, command):
        kind = command.get("command")
        if kind == "setICETtl":
            self.model.ice_ttl = int(command["seconds"])
            return "ok"
        with state_lock:
            channel = self.model.channels.get(command.get("channel"))
        if channel is None:
            return f"no channel {command.get('channel')!r}"
        master = channel.master
        if master is None:
            return "no master connected"
        if kind in ("goAway", "reconnectICEServer"):
            message_type = "GO_AWAY" if kind == "goAway" else "RECONNECT_ICE_SERVER"
            await self.send(master, {"senderClientId": "", "messageType": message_type},
                            {"kind": "sent", "messageType": message_type})
            if kind == "goAway":
                asyncio.get_running_loop().call_later(
                    1.0, lambda: asyncio.ensure_future(master.websocket.close(1000, "going away")))
            return "ok"
        if kind == "closeMaster":
            await master.websocket.close(1011, "closed by the test")
            return "ok"
        if kind == "sendToMaster":
            await master.websocket.send(command["text"])
            return "ok"
        return f"unknown command {kind!r}"


async def serve(model):
    signaling = Signaling(model)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(model.args.cert, model.args.key)

    control = ControlPlaneServer(("127.0.0.1", 0), ControlPlane)
    control.context = context
    control.model = model
    control.log = model.args.log
    model.control_port = control.server_address[1]

    server = await websockets.serve(
        signaling.handle, "127.0.0.1", 0, ssl=context, process_request=signaling.process_request,
        ping_interval=None, max_size=1 << 20, compression=None, create_protocol=Protocol)
    model.signaling_port = server.sockets[0].getsockname()[1]
    threading.Thread(target=control.serve_forever, daemon=True).start()
    print(f"listening control-plane={model.control_port} signaling={model.signaling_port}", flush=True)
    await signaling.poll_control()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--credentials", required=True)
    parser.add_argument("--control", required=True)
    parser.add_argument("--channel", action="append", default=[])
    parser.add_argument("--ice-ttl", type=int, default=300)
    parser.add_argument("--turn-uri", action="append", default=None)
    parser.add_argument("--turn-username")
    parser.add_argument("--turn-password")
    parser.add_argument("--trust-credential-log")
    parser.add_argument("--idle-seconds", type=float, default=600)
    parser.add_argument("--max-connection-seconds", type=float, default=3600)
    args = parser.parse_args()
    if args.turn_uri is None:
        args.turn_uri = ["turn:127.0.0.1:3478?transport=udp"]
    os.makedirs(args.control, exist_ok=True)
    asyncio.run(serve(Model(args)))


if __name__ == "__main__":
    sys.exit(main())
