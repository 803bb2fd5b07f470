#!/usr/bin/env python3
"""Makes independent record-protection vectors from real OpenSSL connections.

For each configuration below it runs `openssl s_server -rev` and `openssl s_client` on
loopback with a small TCP proxy in between that captures every byte, takes the master
secret (TLS 1.2) or traffic secrets (TLS 1.3) from s_client's -keylogfile, derives the
record keys itself (RFC 5246 §5/§6.3 PRF and key block; RFC 8446 §7.1/§7.3
HKDF-Expand-Label) with Python's hmac/hashlib, decrypts every protected record with the
`cryptography` package (an implementation independent of ring), and writes what it
found to <name>.txt beside this script.

Run from this directory:   python3 make_vectors.py
Needs: openssl (tested with OpenSSL 3.0), python3 with `cryptography`.
"""

import hashlib
import hmac
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

HERE = os.path.dirname(os.path.abspath(__file__))

# name, TLS version, OpenSSL cipher (1.2) or ciphersuite (1.3), AEAD name, key len, hash
CONFIGS = [
    ("tls12_aes128gcm", "1.2", "ECDHE-ECDSA-AES128-GCM-SHA256", "Aes128Gcm", 16, hashlib.sha256),
    ("tls12_aes256gcm", "1.2", "ECDHE-ECDSA-AES256-GCM-SHA384", "Aes256Gcm", 32, hashlib.sha384),
    ("tls12_chacha20poly1305", "1.2", "ECDHE-ECDSA-CHACHA20-POLY1305", "Chacha20Poly1305", 32, hashlib.sha256),
    ("tls13_aes256gcm", "1.3", "TLS_AES_256_GCM_SHA384", "Aes256Gcm", 32, hashlib.sha384),
    ("tls13_chacha20poly1305", "1.3", "TLS_CHACHA20_POLY1305_SHA256", "Chacha20Poly1305", 32, hashlib.sha256),
]

MESSAGE = b"hello strata, from openssl s_client\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_listening(port, timeout=10.0):
    """Waits until something holds `port`, without connecting to it (s_server -naccept 1
    would count a probe connection as its one client)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


class Proxy:
    """Accepts one connection, relays it to the server, records both directions."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.c2s = bytearray()
        self.s2c = bytearray()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        client, _ = self.listener.accept()
        server = socket.create_connection(("127.0.0.1", self.upstream))

        def pump(src, dst, log):
            while True:
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    try:
                        dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                log.extend(data)
                dst.sendall(data)

        a = threading.Thread(target=pump, args=(client, server, self.c2s))
        b = threading.Thread(target=pump, args=(server, client, self.s2c))
        a.start()
        b.start()
        a.join()
        b.join()
        client.close()
        server.close()


def records(stream):
    out, i = [], 0
    while i + 5 <= len(stream):
        n = int.from_bytes(stream[i + 3:i + 5], "big")
        out.append(bytes(stream[i:i + 5 + n]))
        i += 5 + n
    assert i == len(stream), "capture ends inside a record"
    return out


def prf(hash_fn, secret, label, seed, n):
    """RFC 5246 §5 P_hash."""
    seed = label + seed
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, hash_fn).digest()
        out += hmac.new(secret, a + seed, hash_fn).digest()
    return out[:n]


def hkdf_expand_label(hash_fn, secret, label, length):
    """RFC 8446 §7.1 with an empty context."""
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + b"\x00"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hash_fn).digest()
        out += t
        i += 1
    return out[:length]


def aead(name, key):
    return ChaCha20Poly1305(key) if name == "Chacha20Poly1305" else AESGCM(key)


def run_openssl(workdir, version, cipher):
    cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
    keylog = os.path.join(workdir, f"keylog-{cipher}.txt")
    if os.path.exists(keylog):
        os.remove(keylog)
    port = free_port()
    vflag = "-tls1_2" if version == "1.2" else "-tls1_3"
    cflag = "-cipher" if version == "1.2" else "-ciphersuites"
    server_cmd = ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", cert,
                  "-key", key, vflag, cflag, cipher, "-rev", "-naccept", "1", "-quiet"]
    server = subprocess.Popen(server_cmd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_listening(port)
    proxy = Proxy(port)
    client_cmd = ["openssl", "s_client", "-connect", f"127.0.0.1:{proxy.port}", vflag,
                  cflag, cipher, "-keylogfile", keylog, "-quiet", "-no_ign_eof"]
    client = subprocess.Popen(client_cmd, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    client.stdin.write(MESSAGE)
    client.stdin.flush()
    reply = client.stdout.readline()
    assert reply.strip() == MESSAGE.strip()[::-1], reply
    client.stdin.close()  # -no_ign_eof: end of input sends close_notify and exits
    client.wait(timeout=10)
    server.wait(timeout=10)
    proxy.thread.join(timeout=10)
    with open(keylog) as f:
        lines = [l.split() for l in f if l.strip() and not l.startswith("#")]
    return server_cmd, client_cmd, proxy.c2s, proxy.s2c, lines


def tls12_streams(aead_name, key_len, hash_fn, c2s, s2c, keylog):
    ch = records(c2s)[0]
    client_random = ch[5 + 4 + 2:5 + 4 + 2 + 32]
    sh = records(s2c)[0]
    assert sh[5] == 2
    server_random = sh[5 + 4 + 2:5 + 4 + 2 + 32]
    master = next(bytes.fromhex(l[2]) for l in keylog
                  if l[0] == "CLIENT_RANDOM" and bytes.fromhex(l[1]) == client_random)
    iv_len = 12 if aead_name == "Chacha20Poly1305" else 4
    block = prf(hash_fn, master, b"key expansion", server_random + client_random,
                2 * key_len + 2 * iv_len)
    ck, sk = block[:key_len], block[key_len:2 * key_len]
    civ, siv = block[2 * key_len:2 * key_len + iv_len], block[2 * key_len + iv_len:]
    out = []
    for name, stream, key, iv in (("client", c2s, ck, civ), ("server", s2c, sk, siv)):
        recs, after_ccs = [], False
        for rec in records(stream):
            if rec[0] == 20:
                after_ccs = True
                continue
            if not after_ccs:
                continue
            seq = len(recs)
            body = rec[5:]
            if iv_len == 4:
                nonce, sealed = iv + body[:8], body[8:]
            else:
                nonce = bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12, "big")))
                sealed = body
            plain_len = len(sealed) - 16
            aad = seq.to_bytes(8, "big") + rec[:3] + plain_len.to_bytes(2, "big")
            plain = aead(aead_name, key).decrypt(nonce, sealed, aad)
            recs.append((rec[0], plain, rec))
        out.append((name, key, iv, recs))
    return out


def tls13_streams(aead_name, key_len, hash_fn, c2s, s2c, keylog):
    secrets = {l[0]: bytes.fromhex(l[2]) for l in keylog}
    out = []
    for name, stream, labels in (
        ("client", c2s, ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"]),
        ("server", s2c, ["SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"]),
    ):
        protected = [r for r in records(stream) if r[0] == 23]
        for label in labels:
            secret = secrets[label]
            key = hkdf_expand_label(hash_fn, secret, b"key", key_len)
            iv = hkdf_expand_label(hash_fn, secret, b"iv", 12)
            recs = []
            while protected:
                rec = protected[0]
                seq = len(recs)
                nonce = bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12, "big")))
                try:
                    inner = aead(aead_name, key).decrypt(nonce, rec[5:], rec[:5])
                except Exception:
                    break  # the next key takes over
                protected.pop(0)
                stripped = inner.rstrip(b"\x00")
                recs.append((stripped[-1], stripped[:-1], rec))
            out.append((f"{name} {label}", key, iv, recs))
        assert not protected, "records left that no key opens"
    return out


def main():
    with tempfile.TemporaryDirectory() as workdir:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                        "/CN=localhost", "-keyout", os.path.join(workdir, "key.pem"),
                        "-out", os.path.join(workdir, "cert.pem")],
                       check=True, capture_output=True)
        version_text = subprocess.run(["openssl", "version"], capture_output=True,
                                      text=True).stdout.strip()
        for name, version, cipher, aead_name, key_len, hash_fn in CONFIGS:
            server_cmd, client_cmd, c2s, s2c, keylog = run_openssl(workdir, version, cipher)
            if version == "1.2":
                streams = tls12_streams(aead_name, key_len, hash_fn, c2s, s2c, keylog)
            else:
                streams = tls13_streams(aead_name, key_len, hash_fn, c2s, s2c, keylog)
            path = os.path.join(HERE, name + ".txt")
            with open(path, "w") as f:
                f.write(f"# Made by make_vectors.py with {version_text}:\n")
                for cmd in (server_cmd, client_cmd):
                    shown = [os.path.basename(a) if a.startswith(workdir) else a for a in cmd]
                    f.write("#   " + " ".join(shown) + "\n")
                f.write("# Keys derived by the script from the key log; plaintext decrypted by\n")
                f.write("# python `cryptography`. One stream per key; seq = position from 0.\n")
                f.write("# record <content type> <plaintext hex> <record hex>\n")
                f.write(f"version {version}\naead {aead_name}\n")
                for sname, key, iv, recs in streams:
                    f.write(f"stream {sname.split()[0]}\nkey {key.hex()}\niv {iv.hex()}\n")
                    for ct, plain, rec in recs:
                        f.write(f"record {ct} {plain.hex() or '-'} {rec.hex()}\n")
            print(f"{name}: " + ", ".join(f"{s[0]}: {len(s[3])} records" for s in streams))


if __name__ == "__main__":
    sys.exit(main())
