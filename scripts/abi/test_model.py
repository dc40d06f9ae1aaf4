"""The generator's conventions on small headers: what it accepts, and that it stops, naming
the parameter, on what it must not guess. Run: python3 -m unittest discover -s scripts/abi"""

from __future__ import annotations

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cheader  # noqa: E402
import gen  # noqa: E402
import model  # noqa: E402

BASE = """
#ifndef DSTACK_H
#define DSTACK_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
/** Version. */
#define DSTACK_VERSION "9.9.9"
/** Fields. */
enum dstack_field_e
#ifdef __cplusplus
  : uint32_t
#endif
 {
  /**
   * A key.
   * Kind: bytes.
   */
  DSTACK_FIELD_KEY = 1,
  /**
   * A list.
   * Kind: list of text.
   */
  DSTACK_FIELD_CHAIN = 2,
  /** One. Kind: u64. */
  DSTACK_FIELD_R0 = 3,
  /** Two. Kind: u64. */
  DSTACK_FIELD_R1 = 4,
};
#ifndef __cplusplus
typedef uint32_t dstack_field_e;
#endif
/** Statuses. */
enum dstack_status_e {
  /** Fine. */
  DSTACK_STATUS_OK = 0,
  /** Not fine. */
  DSTACK_STATUS_BAD = 1,
};
/** An error. */
typedef struct dstack_error dstack_error;
/** A response. */
typedef struct dstack_response dstack_response;
/** Status. */
typedef uint32_t dstack_status;
/** Field. */
typedef uint32_t dstack_field;
/** A slice. */
typedef struct dstack_slice {
  /** First byte. */
  const uint8_t *ptr;
  /** Length. */
  size_t len;
} dstack_slice;
#ifdef __cplusplus
extern "C" {
#endif
/** Frees an error. */
void dstack_error_free(struct dstack_error *error);
/** Frees a response. */
void dstack_response_free(struct dstack_response *response);
%s
#ifdef __cplusplus
}
#endif
#endif
"""


def build(decl: str):
    return model.build(cheader.parse(BASE % decl), "9.9.9")


def fn(m, name):
    return next(f for f in m["functions"] if f["name"] == name)


class Accepts(unittest.TestCase):
    def test_roles_from_names_and_doc_sizes(self):
        m = build("""
/** Does it. Writes `out_hash[32]`, which must not be NULL; `key[32]` is the key. */
dstack_status dstack_thing(const uint8_t *data, size_t data_len, const uint8_t *key,
    const struct dstack_slice *names, size_t names_count, const uint64_t *when,
    uint8_t *out_hash, uint8_t *out_text, size_t out_text_cap, size_t *out_text_len,
    struct dstack_error **out_error);
""")
        roles = {p["name"]: p for p in fn(m, "dstack_thing")["params"]}
        self.assertEqual(roles["data"]["role"], "bytes")
        self.assertEqual(roles["data"]["nullable"], "if_empty")
        self.assertEqual(roles["data_len"]["length_of"], "data")
        self.assertEqual((roles["key"]["role"], roles["key"]["size"]), ("fixed_bytes", 32))
        self.assertEqual(roles["names"]["element"], "dstack_slice")
        self.assertEqual((roles["when"]["role"], roles["when"]["nullable"]), ("optional", "yes"))
        self.assertEqual((roles["out_hash"]["role"], roles["out_hash"]["size"]), ("out_fixed_bytes", 32))
        self.assertEqual(roles["out_text"]["capacity_param"], "out_text_cap")
        self.assertEqual(roles["out_text_len"]["role"], "out_length")
        self.assertEqual(roles["out_error"]["freed_by"], "dstack_error_free")

    def test_response_fields_with_a_range_and_a_reference(self):
        m = build("""
/** Gets it. Response fields: `KEY`, `R0`-`R1`. */
dstack_status dstack_get(struct dstack_response **out_response, struct dstack_error **out_error);
/** Gets it again. Response fields as for `dstack_get`. */
dstack_status dstack_again(struct dstack_response **out_response, struct dstack_error **out_error);
""")
        self.assertEqual(fn(m, "dstack_get")["response_fields"], ["KEY", "R0", "R1"])
        self.assertEqual(fn(m, "dstack_again")["response_fields"], ["KEY", "R0", "R1"])
        out = fn(m, "dstack_get")["params"][0]
        self.assertEqual((out["ownership"], out["freed_by"]), ("owned", "dstack_response_free"))
        key = next(v for e in m["enums"] for v in e["values"] if v["name"] == "DSTACK_FIELD_KEY")
        self.assertEqual((key["kind"], key["returned_by"]), ("bytes", ["dstack_get", "dstack_again"]))

    def test_a_doc_marker_overrides_the_convention(self):
        m = build("""
/** Uses `data`, which must not be NULL. */
dstack_status dstack_use(const uint8_t *data, size_t data_len, struct dstack_error **out_error);
""")
        data = fn(m, "dstack_use")["params"][0]
        self.assertEqual((data["nullable"], data.get("nullable_from_doc")), ("no", True))


class Refuses(unittest.TestCase):
    def refuses(self, decl: str, *words: str):
        with self.assertRaises(model.AbiError) as cm:
            build(decl)
        for w in words:
            self.assertIn(w, str(cm.exception))

    def test_bare_len(self):
        self.refuses("""
/** Hashes. Writes `out_hash[32]`. */
dstack_status dstack_h(const uint8_t *json, size_t len, uint8_t *out_hash, struct dstack_error **out_error);
""", "dstack_h(len)", "bare")

    def test_bare_out(self):
        self.refuses("""
/** Writes. */
dstack_status dstack_w(uint8_t *out, size_t out_cap, size_t *out_len, struct dstack_error **out_error);
""", "bare `out`")

    def test_old_style_buffer_names(self):
        self.refuses("""
/** Writes `out_hex`. */
dstack_status dstack_w(uint8_t *out_hex, size_t out_cap, size_t *out_len, struct dstack_error **out_error);
""", "out_hex_cap")

    def test_fixed_pointer_without_a_size(self):
        self.refuses("""
/** Signs with a key. */
dstack_status dstack_s(const uint8_t *secret_key, struct dstack_error **out_error);
""", "secret_key", "size")

    def test_fixed_output_without_a_size(self):
        self.refuses("""
/** Writes a hash. */
dstack_status dstack_s(uint8_t *out_hash, struct dstack_error **out_error);
""", "out_hash", "size")

    def test_size_for_an_unknown_parameter(self):
        self.refuses("""
/** Writes `out_digest[32]`. */
dstack_status dstack_s(uint8_t *out_hash, struct dstack_error **out_error);
""", "out_digest")

    def test_two_sizes_for_one_name(self):
        self.refuses("""
/** Writes `out_hash[32]`, i.e. `out_hash[64]`. */
dstack_status dstack_s(uint8_t *out_hash, struct dstack_error **out_error);
""", "two sizes")

    def test_out_error_not_last(self):
        self.refuses("""
/** Broken. */
dstack_status dstack_b(struct dstack_error **out_error, uint32_t flags);
""", "last")

    def test_status_without_out_error(self):
        self.refuses("""
/** Broken. */
dstack_status dstack_b(uint32_t flags);
""", "out_error")

    def test_void_that_is_not_free(self):
        self.refuses("""
/** Broken. */
void dstack_b(uint32_t flags);
""", "void")

    def test_input_after_output(self):
        self.refuses("""
/** Broken. */
dstack_status dstack_b(bool *out_ok, uint32_t flags, struct dstack_error **out_error);
""", "follows output")

    def test_unpaired_length(self):
        self.refuses("""
/** Broken. */
dstack_status dstack_b(size_t data_len, struct dstack_error **out_error);
""", "data_len")

    def test_response_without_fields(self):
        self.refuses("""
/** Gets something. */
dstack_status dstack_get(struct dstack_response **out_response, struct dstack_error **out_error);
""", "Response fields")

    def test_response_with_an_unknown_field(self):
        self.refuses("""
/** Gets it. Response fields: `KEY`, `NOPE`. */
dstack_status dstack_get(struct dstack_response **out_response, struct dstack_error **out_error);
""", "NOPE")

    def test_stale_out_name_in_the_doc(self):
        self.refuses("""
/** Writes `out_text` and `*out_len`. */
dstack_status dstack_w(uint8_t *out_text, size_t out_text_cap, size_t *out_text_len, struct dstack_error **out_error);
""", "out_len")

    def test_null_marker_naming_no_parameter(self):
        self.refuses("""
/** `client` must not be NULL. */
dstack_status dstack_b(uint32_t flags, struct dstack_error **out_error);
""", "client")

    def test_handle_out_without_free(self):
        with self.assertRaises(model.AbiError) as cm:
            model.build(cheader.parse(BASE.replace(
                "void dstack_response_free(struct dstack_response *response);", "") % ""), "9.9.9")
        self.assertIn("dstack_response_free", str(cm.exception))

    def test_field_without_kind(self):
        with self.assertRaises(model.AbiError) as cm:
            model.build(cheader.parse((BASE % "").replace("Kind: bytes.", "")), "9.9.9")
        self.assertIn("Kind", str(cm.exception))

    def test_unsupported_preprocessor(self):
        with self.assertRaises(cheader.HeaderError):
            cheader.parse("#if 1\nint x;\n#endif\n")

    def test_renumbering_and_reuse(self):
        old = build("")
        new = build("")
        status = next(e for e in new["enums"] if e["name"] == "dstack_status_e")
        status["values"][1]["value"] = 7
        self.assertEqual(gen.renumbered(old, new), ["DSTACK_STATUS_BAD was 1, now 7"])
        status["values"][1].update(name="DSTACK_STATUS_WORSE", value=0)
        self.assertIn("reuses the value of DSTACK_STATUS_OK", gen.renumbered(old, new)[0])


EXTENSION = """
#ifndef DSTACK_VERIFY_H
#define DSTACK_VERIFY_H
#include "dstack.h"
/** Fields of a result. */
enum dstack_verification_field_e
#ifdef __cplusplus
  : uint32_t
#endif
 {
  /** Some bytes. Kind: bytes. */
  DSTACK_VERIFICATION_DATA = 1,
  /** A count. Kind: u64. */
  DSTACK_VERIFICATION_COUNT = 2,
};
#ifndef __cplusplus
typedef uint32_t dstack_verification_field_e;
#endif
/** A result. */
typedef struct dstack_verification dstack_verification;
/** Field. */
typedef uint32_t dstack_verification_field;
#ifdef __cplusplus
extern "C" {
#endif
%s
/** Frees a result. */
void dstack_verification_free(struct dstack_verification *verification);
#ifdef __cplusplus
}
#endif
#endif
"""


def build_extension(decl: str):
    base = cheader.parse(BASE % "")
    return model.build(cheader.parse(EXTENSION % decl), "9.9.9",
                       base=("dstack.h", base, model.build(base, "9.9.9")),
                       header_file="include/dstack_verify.h")


class Extension(unittest.TestCase):
    """A header that includes dstack.h (dstack_verify.h): the base's types are known, only
    its own declarations are in its model."""

    def test_own_declarations_over_the_base_types(self):
        m = build_extension("""
/** Checks it. */
dstack_status dstack_check(const uint8_t *data, size_t data_len,
    struct dstack_verification **out_verification, struct dstack_error **out_error);
/** Reads a field into `*out_value`. */
dstack_status dstack_verification_get(const struct dstack_verification *verification,
    dstack_verification_field field, struct dstack_slice *out_value, struct dstack_error **out_error);
/** The check's name, borrowed from `error`. */
struct dstack_slice dstack_error_check(const struct dstack_error *error);
""")
        self.assertEqual((m["header"], m["extends"]), ("include/dstack_verify.h", "dstack.h"))
        self.assertEqual([f["name"] for f in m["functions"]],
                         ["dstack_check", "dstack_verification_get", "dstack_error_check",
                          "dstack_verification_free"])
        self.assertEqual([t["name"] for t in m["types"]],
                         ["dstack_verification", "dstack_verification_field"])
        out = fn(m, "dstack_check")["params"][2]
        self.assertEqual((out["role"], out["freed_by"]), ("out_handle", "dstack_verification_free"))
        self.assertEqual(fn(m, "dstack_check")["params"][3]["freed_by"], "dstack_error_free")
        value = fn(m, "dstack_verification_get")["params"][2]
        self.assertEqual((value["role"], value["borrowed_from"]), ("out_struct", "verification"))
        self.assertEqual(fn(m, "dstack_error_check")["returns"]["borrowed_from"], "error")
        data = next(v for e in m["enums"] for v in e["values"] if v["short_name"] == "DATA")
        self.assertEqual((data["kind"], data["accessor"]), ("bytes", "dstack_verification_get"))
        self.assertNotIn("returned_by", data)

    def test_refuses_other_includes_and_redeclarations(self):
        with self.assertRaises(model.AbiError) as cm:
            base = cheader.parse(BASE % "")
            model.build(cheader.parse((EXTENSION % "").replace('"dstack.h"', '"other.h"')),
                        "9.9.9", base=("dstack.h", base, model.build(base, "9.9.9")))
        self.assertIn("other.h", str(cm.exception))
        with self.assertRaises(model.AbiError) as cm:
            build_extension("/** Again. */\nvoid dstack_error_free(struct dstack_error *error);")
        self.assertIn("declared again", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
