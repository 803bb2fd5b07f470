#!/usr/bin/env python3
"""Writes seeds for the handshake fuzz targets from the handshake records of RFC 8448.

Run from fuzz/: python3 seeds/make_handshake_seeds.py
Each seed starts a target on a real message, so that the fuzzer mutates from inside the
protocol rather than from nothing.
"""
import os
import re

RFC = os.path.join(os.path.dirname(__file__), "..", "..", "testdata", "rfc8448.txt")


def payloads():
    lines = [l for l in open(RFC).read().splitlines()
             if not (l.startswith("Thomson") or l.startswith("RFC 8448") or l.startswith("\f"))]
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip().endswith("send handshake record:"):
            j = i + 1
            while "payload (" not in lines[j]:
                j += 1
            hexpart = lines[j].split(":", 1)[1]
            j += 1
            while j < len(lines) and re.fullmatch(r"\s+([0-9a-f]{2} ?)+", lines[j] or "x"):
                hexpart += lines[j]
                j += 1
            out.append(bytes.fromhex(hexpart.replace(" ", "")))
            i = j
        else:
            i += 1
    return out


def messages(payload):
    while payload:
        n = 4 + int.from_bytes(payload[1:4], "big")
        yield payload[:n]
        payload = payload[n:]


def write(target, name, data):
    os.makedirs(os.path.join("seeds", target), exist_ok=True)
    with open(os.path.join("seeds", target, name), "wb") as f:
        f.write(data)


for p, payload in enumerate(payloads()):
    write("handshake_framing", f"rfc8448-{p:02}", bytes([7]) + payload)
    for m, msg in enumerate(messages(payload)):
        name, body = f"rfc8448-{p:02}-{m}", msg[4:]
        write("handshake_message", name, b"\x00" + msg)
        if msg[0] == 1:
            write("client_hello", name, body)
        elif msg[0] == 2:
            write("server_hello", name, body)
        elif msg[0] == 11:
            write("certificate", name, b"\x00" + body)
        elif msg[0] == 8:
            write("extensions", name, b"\x04" + body)
        elif msg[0] == 13:
            write("extensions", name, b"\x06" + body[1 + body[0]:])
