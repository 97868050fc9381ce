#!/usr/bin/env python3
"""SASL authentications per second against a broker: worker processes each open a connection,
authenticate (SaslHandshake v1, SaslAuthenticate v1), close it and start again, for a given
time. Prints {"logins": n, "seconds": s, "logins_s": n / s} as JSON.

PLAIN is one round trip; SCRAM-SHA-256/512 (RFC 5802) two, with the client's side computed
here: its salted password (PBKDF2, the client's costliest step) is computed once per salt, as a
client that logs in again would keep it, so that the figure is the broker's rate and not this
tool's. With --ca the connection is TLS first (SASL_SSL), a full handshake every time.

usage: sasl_logins.py HOST:PORT MECHANISM USER PASSWORD SECONDS [--workers N] [--ca PEM]
"""
import argparse
import base64
import hashlib
import hmac
import json
import multiprocessing
import os
import socket
import ssl
import struct
import time

SASL_HANDSHAKE, SASL_AUTHENTICATE = 17, 36
HASHES = {"SCRAM-SHA-256": hashlib.sha256, "SCRAM-SHA-512": hashlib.sha512}


class LoginFailed(Exception):
    pass


class Connection:
    def __init__(self, host, port, context):
        sock = socket.create_connection((host, port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Closed with a reset: thousands of closes a second would otherwise fill the loopback's
        # ports with TIME_WAIT sockets, and the broker has answered everything by then.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock = context.wrap_socket(sock, server_hostname=host) if context else sock
        self.correlation = 0

    def request(self, api_key, version, body):
        self.correlation += 1
        header = struct.pack(">hhih", api_key, version, self.correlation, 5) + b"bench"
        frame = header + body
        self.sock.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", self.read(4))[0]
        response = self.read(size)
        if struct.unpack(">i", response[:4])[0] != self.correlation:
            raise LoginFailed("a response to another request")
        return response[4:]

    def read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise LoginFailed("the broker closed the connection")
            data += chunk
        return data

    def handshake(self, mechanism):
        body = self.request(SASL_HANDSHAKE, 1, struct.pack(">h", len(mechanism)) + mechanism.encode())
        error = struct.unpack(">h", body[:2])[0]
        if error:
            raise LoginFailed(f"SaslHandshake error {error}")

    def authenticate(self, token):
        """SaslAuthenticate v1: the server's token, or LoginFailed with its message."""
        body = self.request(SASL_AUTHENTICATE, 1, struct.pack(">i", len(token)) + token)
        error, length = struct.unpack(">hh", body[:4])
        pos = 4 + max(length, 0)
        message = body[4:pos].decode(errors="replace") if length >= 0 else ""
        if error:
            raise LoginFailed(f"SaslAuthenticate error {error}: {message}")
        size = struct.unpack(">i", body[pos:pos + 4])[0]
        return body[pos + 4:pos + 4 + size]

    def close(self):
        self.sock.close()


class ScramClient:
    def __init__(self, mechanism, user, password):
        self.hash = HASHES[mechanism]
        self.user = user.replace("=", "=3D").replace(",", "=2C")
        self.password = password.encode()
        self.salted = {}  # (salt, iterations) -> salted password

    def hmac(self, key, message):
        return hmac.new(key, message, self.hash).digest()

    def login(self, conn):
        nonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = f"n={self.user},r={nonce}"
        server_first = conn.authenticate(("n,," + first_bare).encode()).decode()
        fields = dict(item.split("=", 1) for item in server_first.split(","))
        if not fields["r"].startswith(nonce):
            raise LoginFailed("the server's nonce does not extend the client's")
        salt, iterations = base64.b64decode(fields["s"]), int(fields["i"])
        key = (salt, iterations)
        if key not in self.salted:
            self.salted[key] = hashlib.pbkdf2_hmac(self.hash().name, self.password, salt, iterations)
        salted = self.salted[key]
        final_bare = f"c=biws,r={fields['r']}"
        auth_message = f"{first_bare},{server_first},{final_bare}".encode()
        client_key = self.hmac(salted, b"Client Key")
        signature = self.hmac(self.hash(client_key).digest(), auth_message)
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        server_final = conn.authenticate(f"{final_bare},p={base64.b64encode(proof).decode()}".encode()).decode()
        expected = self.hmac(self.hmac(salted, b"Server Key"), auth_message)
        if server_final != "v=" + base64.b64encode(expected).decode():
            raise LoginFailed("the server's signature does not verify")


class PlainClient:
    def __init__(self, user, password):
        self.token = b"\0" + user.encode() + b"\0" + password.encode()

    def login(self, conn):
        conn.authenticate(self.token)


def client_for(mechanism, user, password):
    if mechanism == "PLAIN":
        return PlainClient(user, password)
    if mechanism in HASHES:
        return ScramClient(mechanism, user, password)
    raise ValueError(f"no client for {mechanism}")


def login_once(host, port, context, mechanism, client):
    conn = Connection(host, port, context)
    try:
        conn.handshake(mechanism)
        client.login(conn)
    finally:
        conn.close()


def worker(args, deadline, counts, index):
    context = tls_context(args.ca)
    client = client_for(args.mechanism, args.user, args.password)
    host, port = args.bootstrap.rsplit(":", 1)
    n = 0
    while time.time() < deadline:
        login_once(host, int(port), context, args.mechanism, client)
        n += 1
    counts[index] = n


def tls_context(ca):
    """A client context trusting `ca` (full handshakes: no session is resumed), or None."""
    return ssl.create_default_context(cafile=ca) if ca else None


def wait_for_login(args, timeout=60):
    """The first login, retried: a broker applies new SCRAM credentials asynchronously
    (Kafka: through its metadata log)."""
    host, port = args.bootstrap.rsplit(":", 1)
    deadline = time.time() + timeout
    while True:
        try:
            login_once(host, int(port), tls_context(args.ca), args.mechanism,
                       client_for(args.mechanism, args.user, args.password))
            return
        except (LoginFailed, OSError):
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bootstrap")
    ap.add_argument("mechanism")
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("seconds", type=float)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--ca", help="the CA to trust: the connections are TLS (SASL_SSL)")
    args = ap.parse_args()
    wait_for_login(args)
    counts = multiprocessing.Array("q", args.workers)
    start = time.time()
    deadline = start + args.seconds
    procs = [multiprocessing.Process(target=worker, args=(args, deadline, counts, i)) for i in range(args.workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    if any(p.exitcode != 0 for p in procs):
        raise SystemExit("a worker failed (its error is above)")
    seconds = time.time() - start
    logins = sum(counts)
    print(json.dumps({"logins": logins, "seconds": seconds, "logins_s": logins / seconds}))


if __name__ == "__main__":
    main()
