#!/usr/bin/env python3
"""Flattens testdata/vectors/*.json into one line-oriented text file for the C tests.

Usage: flatten_vectors.py VECTORS_DIR OUT_TXT

Each line is "kind field..." with every field hex-encoded (so the C side needs no JSON
parser); "-" is an absent value, "ERR" an expected failure. The expected values follow
the rules of VECTORS_DIR/README.md (which official SDK is the target where they differ).
Standard library only.
"""
import json
import os
import sys


def h(s):
    if s is None:
        return "-"
    if isinstance(s, str):
        s = s.encode("utf-8", "surrogatepass")
    return s.hex() if s else "-"


def load(d, name):
    with open(os.path.join(d, name), encoding="utf-8") as f:
        return json.load(f)["cases"]


def main():
    d, out_path = sys.argv[1], sys.argv[2]
    lines = []

    # compose: the JS result is the target (README); only cases JS could hash.
    for c in load(d, "compose_hash.json"):
        for norm in ("normalize_false", "normalize_true"):
            js = c["js"][norm]
            if js.get("error") or not js.get("hash"):
                continue
            try:
                inp = c["input_json"].encode("utf-8")
            except UnicodeEncodeError:
                continue  # lone surrogates cannot be passed as UTF-8
            lines.append(f"compose {c['id']} {1 if norm == 'normalize_true' else 0} {inp.hex()} "
                         f"{js['hash']} {h(js['canonical_json'])}")

    # KMS signatures: the Python result, except the two documented differences.
    for c in load(d, "kms_sig.json"):
        app = c["app_id"]
        if app.startswith("0X") or " " in app:
            continue
        exp = c["expected"]
        want = exp[2:] if isinstance(exp, str) and exp.startswith("0x") else ("ERR" if exp is None or isinstance(exp, dict) else exp)
        if c["kind"] == "v1":
            lines.append(f"kms_v1 {c['id']} {h(bytes.fromhex(c['public_key_hex']))} {h(bytes.fromhex(c['signature_hex']))} "
                         f"{h(app)} {c['timestamp']} {c['now']} {c['max_age_seconds'] or 0} {want}")
        else:
            lines.append(f"kms_legacy {c['id']} {h(bytes.fromhex(c['public_key_hex']))} "
                         f"{h(bytes.fromhex(c['signature_hex']))} {h(app)} {want}")

    def val(v):
        return "ERR" if v is None or (isinstance(v, dict) and "error" in v) else v

    def hv(v):
        v = val(v)
        return v if v == "ERR" else h(v)

    for c in load(d, "ethereum.json"):
        e = c["expected"]
        if c["source"] == "GetKeyResponse":
            if len(c["key_hex"]) != 64:
                continue  # the C API takes exactly 32 bytes by type
            lines.append(f"eth_key {c['id']} {c['key_hex']} {hv(e['to_account'])}")
        else:
            sec1 = "EC PRIVATE KEY" in c["pem"]
            lines.append(f"eth_tls {c['id']} {h(c['pem'])} "
                         f"{'ERR' if sec1 else hv(e['to_account'])} {'ERR' if sec1 else hv(e['to_account_secure'])}")

    for c in load(d, "solana.json"):
        e = c["expected"]

        def kp(v):
            v = val(v)
            return "ERR ERR" if v == "ERR" else f"{h(v['public_key_b58'])} {v['secret_key_hex']}"
        if c["source"] == "GetKeyResponse":
            if len(c["key_hex"]) != 64:
                continue
            lines.append(f"sol_key {c['id']} {c['key_hex']} {kp(e['to_keypair'])}")
        else:
            sec1 = "EC PRIVATE KEY" in c["pem"]
            a = "ERR ERR" if sec1 else kp(e["to_keypair"])
            b = "ERR ERR" if sec1 else kp(e["to_keypair_secure"])
            lines.append(f"sol_tls {c['id']} {h(c['pem'])} {a} {b}")

    for c in load(d, "tls_key_asuint8.json"):
        sec1 = "EC PRIVATE KEY" in c["pem"]
        for k, v in c["expected"].items():
            n = -1 if k == "full" else int(k)
            want = "ERR" if sec1 or isinstance(v, dict) or v is None else (v if v else "-")
            lines.append(f"tls {c['id']} {h(c['pem'])} {n} {want}")

    for c in load(d, "rtmr_replay.json"):
        log = c["event_log_json"].encode("utf-8")
        e = c["expected"]
        # README: a non-integer imr is a clear error (the SDKs silently skipped it).
        events = json.loads(c["event_log_json"]) if c["event_log_json"].strip().startswith("[") else []
        bad_imr = any(isinstance(ev, dict) and "imr" in ev and (isinstance(ev["imr"], (bool, str)) or
                      (isinstance(ev["imr"], float) and not ev["imr"].is_integer())) for ev in events)
        want = "ERR" if isinstance(e, dict) or bad_imr else "".join(e)
        lines.append(f"replay_sdk {c['id']} {h(log)} {want}")
        if c.get("quote_rtmrs") and c.get("recomputed_replay_matches_quote") and all(c["recomputed_replay_matches_quote"]):
            lines.append(f"replay_sound {c['id']} {h(log)} {''.join(c['quote_rtmrs'])}")

    for c in load(d, "env_encrypt.json"):
        envs = c["envs"]
        try:
            fields = " ".join(f"{e['key'].encode().hex() or '-'} {e['value'].encode().hex() or '-'}" for e in envs)
        except (UnicodeEncodeError, TypeError, AttributeError):
            continue
        err = c["python"].get("error")
        lines.append(f"env {c['id']} {h(c['public_key_hex_argument'])} {c['remote_private_key_hex'] or '-'} "
                     f"{'ERR' if err else 'OK'} {len(envs)} {fields}".rstrip())

    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
