/*
 * The small hand-written runtime the generated wrappers (dstack_gen.c) share: argument
 * conversion with range checks, handle objects, byte outputs, errors, and the async-work
 * scaffold. Everything that knows a libdstack function is generated from
 * include/dstack.abi.json by scripts/abi/emit_napi.py; nothing here names one.
 *
 * Threads: every function here runs on the JS thread, except that a job's `exec` runs on a
 * libuv worker and touches only its own job (inputs copied into it, outputs written to it).
 */
#ifndef DSTACK_NAPI_RUNTIME_H
#define DSTACK_NAPI_RUNTIME_H

/* Node-API 8 (Node >= 12.22 / 14.17 / 16): type tags. The package needs Node >= 18. */
#define NAPI_VERSION 8
#include <node_api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dstack.h"

/* How a byte output reaches JS (the trailing `format` argument of a wrapper). */
enum { DN_FMT_BYTES = 0, DN_FMT_UTF8 = 1, DN_FMT_HEX = 2 };

/* A read-only view of caller bytes: JS memory (sync calls) or the job's copy (async). */
typedef struct {
  const uint8_t *ptr;
  size_t len;
} dn_bytes;

/* An opaque libdstack handle type: its name, its Node-API type tag and its `_free`. */
typedef struct {
  const char *name;
  napi_type_tag tag;
  void (*free)(void *ptr);
} dn_type;

/*
 * What a handle object wraps. `ptr` is NULL once freed, so `free` runs exactly once: by
 * the explicit `_free` wrapper, or by the GC finalizer, whichever comes first. While async
 * calls use the handle (`busy`), an explicit free is deferred to the last one's completion.
 */
typedef struct {
  void *ptr;
  const dn_type *type;
  uint32_t busy;
  bool free_pending;
} dn_box;

/* ---- arguments: each returns false with a JS exception pending */

/* argv[0..n): missing arguments are undefined; more than n is an error. */
bool dn_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *fn);
bool dn_arg_handle(napi_env env, napi_value v, const dn_type *t, bool nullable, const char *what, dn_box **out);
/* A byte view (Buffer, TypedArray, DataView, ArrayBuffer); null/undefined is empty if nullable. */
bool dn_arg_bytes(napi_env env, napi_value v, bool nullable, const char *what, dn_bytes *out);
bool dn_arg_fixed(napi_env env, napi_value v, size_t size, const char *what, dn_bytes *out);
/* One byte view of a whole number of `size`-byte items; `*count` items. */
bool dn_arg_items(napi_env env, napi_value v, size_t size, const char *what, dn_bytes *out, size_t *count);
/* An array of byte views as a malloc'd dstack_slice array over JS memory (free() it). */
bool dn_arg_slices(napi_env env, napi_value v, const char *what, struct dstack_slice **out, size_t *count, size_t *total);
bool dn_arg_u32(napi_env env, napi_value v, const char *what, uint32_t *out);
bool dn_arg_u64(napi_env env, napi_value v, const char *what, uint64_t *out);
bool dn_arg_i64(napi_env env, napi_value v, const char *what, int64_t *out);
bool dn_arg_size(napi_env env, napi_value v, const char *what, size_t *out);
bool dn_arg_bool(napi_env env, napi_value v, const char *what, bool *out);
/* An optional uint64: null/undefined gives `*present = false`. */
bool dn_arg_opt_u64(napi_env env, napi_value v, const char *what, uint64_t *out, bool *present);
/* Output capacity hint: undefined gives `fallback`. */
bool dn_arg_capacity(napi_env env, napi_value v, const char *what, size_t fallback, size_t *out);
/* `format`: undefined (bytes), a DN_FMT_* number for every output, or an object naming
 * outputs (`names[i]`); fills fmts[0..n). */
bool dn_arg_format(napi_env env, napi_value v, const char *const *names, size_t n, int *fmts);

/* ---- results: NULL with a JS exception pending on failure */

napi_value dn_bytes_value(napi_env env, const uint8_t *ptr, size_t len, int fmt);
napi_value dn_u32_value(napi_env env, uint32_t v);
napi_value dn_u64_value(napi_env env, uint64_t v); /* a BigInt */
napi_value dn_size_value(napi_env env, size_t v);  /* a Number */
napi_value dn_bool_value(napi_env env, bool v);
napi_value dn_cstring_value(napi_env env, const char *s); /* static NUL-terminated text */
napi_value dn_object(napi_env env);
bool dn_set(napi_env env, napi_value obj, const char *key, napi_value v);
/* A result object of shape `shape` from its `argc` property values (NULL if one is NULL):
   made by that shape's JS function `(a0, a1, …) => ({name0: a0, …})`, which V8 runs several
   times faster than one napi_set_named_property per property. */
napi_value dn_shape(napi_env env, size_t shape, size_t argc, napi_value *argv);
/* A new handle object owning `ptr` (freed here if the object cannot be made). */
napi_value dn_handle_value(napi_env env, const dn_type *t, void *ptr);
/* Explicit free: now, or when the last async call using the handle completes. */
void dn_box_release(dn_box *b);
/* The `_free` wrapper's argument: null/undefined or a handle of type `t`, freed or not. */
bool dn_release(napi_env env, napi_value v, const dn_type *t, const char *what);

/* An output buffer of `cap` bytes (NULL, thrown, if out of memory); dn_out_free wipes it. */
uint8_t *dn_out_alloc(napi_env env, size_t cap);
void dn_out_free(uint8_t *p, size_t cap);

/* ---- errors */

/* Throws the JS error the package's factory makes of (status, message). Returns NULL. */
napi_value dn_throw(napi_env env, uint32_t status, const char *fmt, ...);
napi_value dn_make_error(napi_env env, uint32_t status, const uint8_t *msg, size_t len);
/* Generated: the error value of a failed call; consumes `err`. */
napi_value dn_error_value(napi_env env, dstack_status status, struct dstack_error *err);
/* Throws dn_error_value(...). Returns NULL. */
napi_value dn_throw_status(napi_env env, dstack_status status, struct dstack_error *err);

/* Overwrites memory that held caller inputs or outputs (keys, plaintexts) before it is freed. */
void dn_wipe(void *p, size_t n);

/* ---- async calls */

#define DN_MAX_PINS 2

typedef struct dn_job dn_job;
struct dn_job {
  napi_async_work work;
  napi_deferred deferred;
  void (*exec)(dn_job *job);                      /* on a worker thread: the C call */
  napi_value (*result)(napi_env env, dn_job *job); /* on the JS thread, after success */
  dstack_status status;
  struct dstack_error *error;
  size_t npins;
  dn_box *pins[DN_MAX_PINS];
  napi_ref pin_refs[DN_MAX_PINS];
  size_t size;      /* whole allocation, for the wipe */
  uint8_t *next;    /* arena: copies of the inputs, after the job's own struct */
  uint8_t *end;
};

/* A zeroed job of `size` bytes followed by an arena of `arena` bytes; NULL (thrown) if out of memory. */
void *dn_job_new(napi_env env, size_t size, size_t arena);
/* Arena bytes needed to copy `count` slices holding `total` bytes. */
size_t dn_slices_arena(size_t count, size_t total);
dn_bytes dn_job_copy(dn_job *job, dn_bytes b);
const struct dstack_slice *dn_job_copy_slices(dn_job *job, const struct dstack_slice *s, size_t count);
/* Keeps the handle object alive and its native handle unfreed until the job completes. */
bool dn_job_pin(napi_env env, dn_job *job, napi_value object, dn_box *box);
/* Queues the job on the libuv pool; returns its Promise (or NULL, thrown, job freed). */
napi_value dn_job_start(napi_env env, dn_job *job, const char *name);
/* Frees a job that was not started (an argument failed after dn_job_new). */
void dn_job_discard(napi_env env, dn_job *job);

/* ---- module */

typedef struct {
  const char *name;
  napi_callback fn;
} dn_export;

/* Generated tables. */
extern const dn_export dn_exports[];
extern const size_t dn_export_count;
extern const char *const dn_shape_sources[]; /* JS source of each result object shape */
extern const size_t dn_shape_count;
extern const char dn_abi_fingerprint[];

#endif
