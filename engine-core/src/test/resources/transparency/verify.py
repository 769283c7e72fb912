#!/usr/bin/env python3
"""An independent verifier for Space Duck audit checkpoints and proofs, written from the specs only:
RFC 9162 section 2.1 (Merkle tree hash, inclusion and consistency verification), C2SP signed-note
(Ed25519, key IDs, vkeys), tlog-checkpoint and tlog-cosignature. Uses the `cryptography` package for
Ed25519. TransparencyInteropTest writes cases as JSON on stdin; this prints one JSON object with the
number of checks made and every disagreement (an empty list when all agree).
"""
import base64
import hashlib
import json
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def leaf_hash(data):
    return sha256(b"\x00", data)


def node_hash(left, right):
    return sha256(b"\x01", left, right)


def mth(leaves):
    """RFC 9162 2.1.1 over leaf *data*."""
    n = len(leaves)
    if n == 0:
        return sha256()
    if n == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, path):
    """RFC 9162 2.1.4.2; equal sizes need an empty proof and equal roots, size 0 an empty proof."""
    if first > second:
        return False
    if first == second:
        return not path and first_hash == second_hash
    if first == 0:
        return not path and first_hash == sha256()
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_hash] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


def key_id(name, sig_type, pub):
    return sha256(name.encode("utf-8"), b"\n", bytes([sig_type]), pub)[:4]


def parse_vkey(vkey):
    name, hexid, b64 = vkey.split("+", 2)
    typed = base64.b64decode(b64, validate=True)
    if len(typed) != 33 or key_id(name, typed[0], typed[1:]).hex() != hexid:
        raise ValueError("bad vkey")
    return name, bytes.fromhex(hexid), typed[0], typed[1:]


def open_note(note, vkey):
    """Returns (text, cosignature timestamp or None) if a signature by vkey verifies, else None."""
    name, kid, sig_type, pub = parse_vkey(vkey)
    split = note.rindex("\n\n")
    text = note[: split + 1]
    found = None
    for line in note[split + 2:].splitlines():
        if not line.startswith("\u2014 "):
            return None
        sig_name, b64 = line[2:].split(" ")
        raw = base64.b64decode(b64, validate=True)
        if sig_name != name or raw[:4] != kid:
            continue
        key = Ed25519PublicKey.from_public_bytes(pub)
        try:
            if sig_type == 1:
                key.verify(raw[4:], text.encode("utf-8"))
                found = (text, None)
            elif sig_type == 4:
                (ts,) = struct.unpack(">Q", raw[4:12])
                key.verify(raw[12:], b"cosignature/v1\ntime %d\n" % ts + text.encode("utf-8"))
                found = (text, ts)
        except InvalidSignature:
            return None
    return found


def parse_checkpoint(text):
    lines = text[:-1].split("\n")
    return lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)


def main():
    cases = json.load(sys.stdin)
    checks, wrong = 0, []
    b = lambda s: base64.b64decode(s)

    events = [b(e) for e in cases["events"]]
    for size, root in cases["roots"].items():
        checks += 1
        if mth(events[: int(size)]).hex() != b(root).hex():
            wrong.append("root of size %s" % size)
    for c in cases["inclusion"]:
        checks += 1
        root = mth(events[: c["size"]]) if c.get("true_root", True) else b(c["root"])
        ok = verify_inclusion(c["index"], c["size"], leaf_hash(b(c["event"])), [b(p) for p in c["path"]], root)
        if ok != c["expect"]:
            wrong.append("inclusion %s" % json.dumps(c)[:200])
    for c in cases["consistency"]:
        checks += 1
        ok = verify_consistency(c["m"], c["n"], b(c["old_root"]), b(c["new_root"]), [b(p) for p in c["path"]])
        if ok != c["expect"]:
            wrong.append("consistency %d->%d expect %s" % (c["m"], c["n"], c["expect"]))
    for c in cases["notes"]:
        checks += 1
        try:
            opened = open_note(c["note"], c["vkey"])
        except (ValueError, KeyError, IndexError):
            opened = None
        if (opened is not None) != c["expect"]:
            wrong.append("note %r with %s expect %s" % (c["note"][:60], c["vkey"], c["expect"]))
            continue
        if opened is not None and "size" in c:
            checks += 1
            origin, size, root = parse_checkpoint(opened[0])
            if (origin, size, root.hex()) != (c["origin"], c["size"], mth(events[: c["size"]]).hex()):
                wrong.append("checkpoint body of size %d" % c["size"])
        if opened is not None and "timestamp" in c:
            checks += 1
            if opened[1] != c["timestamp"]:
                wrong.append("cosignature timestamp %s" % opened[1])
    json.dump({"checks": checks, "wrong": wrong}, sys.stdout)


if __name__ == "__main__":
    main()
