/* The hand-written runtime of the dstack Node-API addon (see runtime.h). */
#include "runtime.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per environment (main thread, each worker thread): the JS error factory, the compiled
   object shapes. */
typedef struct {
  napi_ref make_error;
  napi_ref shapes[]; /* dn_shape_count */
} dn_instance;

/* Native handles not yet freed, over all environments (for the package's tests). */
static size_t dn_live;

void dn_wipe(void *p, size_t n) {
  if (!p || !n) return;
  memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory"); /* the stores must happen before free() */
}

/* ------------------------------------------------------------------ errors */

napi_value dn_make_error(napi_env env, uint32_t status, const uint8_t *msg, size_t len) {
  napi_value text, st, err;
  if (napi_create_string_utf8(env, len ? (const char *)msg : "", len, &text) != napi_ok) return NULL;
  if (napi_create_uint32(env, status, &st) != napi_ok) return NULL;
  dn_instance *inst = NULL;
  napi_get_instance_data(env, (void **)&inst);
  if (inst && inst->make_error) {
    napi_value fn, recv, argv[2] = {st, text};
    if (napi_get_reference_value(env, inst->make_error, &fn) != napi_ok || napi_get_undefined(env, &recv) != napi_ok ||
        napi_call_function(env, recv, fn, 2, argv, &err) != napi_ok)
      return NULL;
    return err;
  }
  /* No factory registered (the addon used on its own): an Error with `status`. */
  if (napi_create_error(env, NULL, text, &err) != napi_ok || napi_set_named_property(env, err, "status", st) != napi_ok)
    return NULL;
  return err;
}

napi_value dn_throw(napi_env env, uint32_t status, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof msg) n = sizeof msg - 1;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return NULL;
  napi_value err = dn_make_error(env, status, (const uint8_t *)msg, (size_t)n);
  if (err) napi_throw(env, err);
  return NULL;
}

napi_value dn_throw_status(napi_env env, dstack_status status, struct dstack_error *err) {
  napi_value e = dn_error_value(env, status, err);
  if (e) napi_throw(env, e);
  return NULL;
}

static napi_value oom(napi_env env) {
  napi_throw_error(env, "ERR_MEMORY_ALLOCATION_FAILED", "dstack addon: out of memory");
  return NULL;
}

/* ------------------------------------------------------------------ arguments */

#define INVALID DSTACK_STATUS_INVALID_ARGUMENT

/* What a JS value is, for messages; never its contents. */
static const char *kind(napi_env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  napi_typeof(env, v, &t);
  bool yes = false;
  switch (t) {
  case napi_undefined: return "undefined";
  case napi_null: return "null";
  case napi_boolean: return "a boolean";
  case napi_number: return "a number";
  case napi_string: return "a string";
  case napi_symbol: return "a symbol";
  case napi_function: return "a function";
  case napi_bigint: return "a bigint";
  case napi_external: return "an external";
  default:
    if (napi_is_array(env, v, &yes) == napi_ok && yes) return "an array";
    return "an object";
  }
}

bool dn_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *fn) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
  if (argc > n) {
    dn_throw(env, INVALID, "%s takes at most %zu arguments, got %zu", fn, n, argc);
    return false;
  }
  return true;
}

static bool absent(napi_env env, napi_value v) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && (t == napi_undefined || t == napi_null);
}

bool dn_arg_handle(napi_env env, napi_value v, const dn_type *t, bool nullable, const char *what, dn_box **out) {
  *out = NULL;
  if (absent(env, v)) {
    if (nullable) return true;
  } else {
    bool ok = false;
    if (napi_check_object_type_tag(env, v, &t->tag, &ok) == napi_ok && ok) {
      dn_box *b = NULL;
      if (napi_unwrap(env, v, (void **)&b) != napi_ok || !b) return false;
      if (!b->ptr || b->free_pending) {
        dn_throw(env, INVALID, "%s: the %s was already freed", what, t->name);
        return false;
      }
      *out = b;
      return true;
    }
  }
  dn_throw(env, INVALID, "%s must be a %s handle, got %s", what, t->name, kind(env, v));
  return false;
}

static size_t element_size(napi_typedarray_type t) {
  switch (t) {
  case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: return 1;
  case napi_int16_array: case napi_uint16_array: return 2;
  case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
  default: return 8;
  }
}

bool dn_arg_bytes(napi_env env, napi_value v, bool nullable, const char *what, dn_bytes *out) {
  bool yes = false;
  void *data = NULL;
  size_t len = 0;
  out->ptr = NULL;
  out->len = 0;
  if (napi_is_typedarray(env, v, &yes) == napi_ok && yes) {
    napi_typedarray_type t;
    size_t count;
    if (napi_get_typedarray_info(env, v, &t, &count, &data, NULL, NULL) != napi_ok) return false;
    len = count * element_size(t);
  } else if (napi_is_dataview(env, v, &yes) == napi_ok && yes) {
    if (napi_get_dataview_info(env, v, &len, &data, NULL, NULL) != napi_ok) return false;
  } else if (napi_is_arraybuffer(env, v, &yes) == napi_ok && yes) {
    if (napi_get_arraybuffer_info(env, v, &data, &len) != napi_ok) return false;
  } else if (nullable && absent(env, v)) {
    return true;
  } else {
    dn_throw(env, INVALID, "%s must be a Buffer, Uint8Array or ArrayBuffer, got %s", what, kind(env, v));
    return false;
  }
  out->ptr = len ? data : NULL;
  out->len = len;
  return true;
}

bool dn_arg_fixed(napi_env env, napi_value v, size_t size, const char *what, dn_bytes *out) {
  if (!dn_arg_bytes(env, v, false, what, out)) return false;
  if (out->len == size) return true;
  dn_throw(env, INVALID, "%s must be %zu bytes, got %zu", what, size, out->len);
  return false;
}

bool dn_arg_items(napi_env env, napi_value v, size_t size, const char *what, dn_bytes *out, size_t *count) {
  if (!dn_arg_bytes(env, v, true, what, out)) return false;
  *count = out->len / size;
  if (out->len % size == 0) return true;
  dn_throw(env, INVALID, "%s must be a whole number of %zu-byte items, got %zu bytes", what, size, out->len);
  return false;
}

bool dn_arg_slices(napi_env env, napi_value v, const char *what, struct dstack_slice **out, size_t *count, size_t *total) {
  *out = NULL;
  *count = 0;
  *total = 0;
  if (absent(env, v)) return true;
  bool yes = false;
  uint32_t n = 0;
  if (napi_is_array(env, v, &yes) != napi_ok || !yes) {
    dn_throw(env, INVALID, "%s must be an array of byte strings, got %s", what, kind(env, v));
    return false;
  }
  if (napi_get_array_length(env, v, &n) != napi_ok) return false;
  if (n == 0) return true;
  struct dstack_slice *s = calloc(n, sizeof *s);
  if (!s) return oom(env), false;
  size_t sum = 0;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    dn_bytes b;
    char name[160];
    snprintf(name, sizeof name, "%s[%u]", what, i);
    if (napi_get_element(env, v, i, &item) != napi_ok || !dn_arg_bytes(env, item, false, name, &b)) {
      free(s);
      return false;
    }
    s[i].ptr = b.ptr;
    s[i].len = b.len;
    sum += b.len;
  }
  *out = s;
  *count = n;
  *total = sum;
  return true;
}

/*
 * An integer as sign and magnitude: a Number that is a safe integer (beyond 2^53 - 1 a
 * Number no longer holds every integer, so the intended value may already be lost), or a
 * BigInt of at most 64 bits of magnitude.
 */
static bool integer(napi_env env, napi_value v, const char *what, const char *range, bool *neg, uint64_t *mag) {
  napi_valuetype t = napi_undefined;
  napi_typeof(env, v, &t);
  if (t == napi_number) {
    double d = 0;
    napi_get_value_double(env, v, &d);
    if (isfinite(d) && d == trunc(d) && fabs(d) <= 9007199254740991.0) {
      *neg = d < 0;
      *mag = (uint64_t)fabs(d);
      return true;
    }
    dn_throw(env, INVALID, "%s must be an integer from %s, got %.17g%s", what, range, d,
             isfinite(d) && d == trunc(d) ? " (a number above 2^53 - 1 is not exact: pass a bigint)" : "");
    return false;
  }
  if (t == napi_bigint) {
    int sign = 0;
    size_t words = 2;
    uint64_t w[2] = {0, 0};
    if (napi_get_value_bigint_words(env, v, &sign, &words, w) != napi_ok) return false;
    if (words <= 1) {
      *neg = sign && w[0];
      *mag = w[0];
      return true;
    }
    dn_throw(env, INVALID, "%s must be an integer from %s, got a bigint beyond 64 bits", what, range);
    return false;
  }
  dn_throw(env, INVALID, "%s must be an integer from %s, got %s", what, range, kind(env, v));
  return false;
}

static bool unsigned_arg(napi_env env, napi_value v, const char *what, uint64_t max, const char *range, uint64_t *out) {
  bool neg;
  uint64_t mag;
  if (!integer(env, v, what, range, &neg, &mag)) return false;
  if (!neg && mag <= max) {
    *out = mag;
    return true;
  }
  dn_throw(env, INVALID, "%s must be an integer from %s, got %s%llu", what, range, neg ? "-" : "", (unsigned long long)mag);
  return false;
}

bool dn_arg_u32(napi_env env, napi_value v, const char *what, uint32_t *out) {
  uint64_t x;
  if (!unsigned_arg(env, v, what, UINT32_MAX, "0 to 4294967295 (uint32_t)", &x)) return false;
  *out = (uint32_t)x;
  return true;
}

bool dn_arg_u64(napi_env env, napi_value v, const char *what, uint64_t *out) {
  return unsigned_arg(env, v, what, UINT64_MAX, "0 to 18446744073709551615 (uint64_t)", out);
}

bool dn_arg_size(napi_env env, napi_value v, const char *what, size_t *out) {
  uint64_t x;
  if (!unsigned_arg(env, v, what, SIZE_MAX, "0 to SIZE_MAX (size_t)", &x)) return false;
  *out = (size_t)x;
  return true;
}

bool dn_arg_i64(napi_env env, napi_value v, const char *what, int64_t *out) {
  static const char range[] = "-9223372036854775808 to 9223372036854775807 (int64_t)";
  bool neg;
  uint64_t mag;
  if (!integer(env, v, what, range, &neg, &mag)) return false;
  if (neg ? mag <= (uint64_t)INT64_MAX + 1 : mag <= (uint64_t)INT64_MAX) {
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return true;
  }
  dn_throw(env, INVALID, "%s must be an integer from %s, got %s%llu", what, range, neg ? "-" : "", (unsigned long long)mag);
  return false;
}

bool dn_arg_bool(napi_env env, napi_value v, const char *what, bool *out) {
  if (napi_get_value_bool(env, v, out) == napi_ok) return true;
  dn_throw(env, INVALID, "%s must be a boolean, got %s", what, kind(env, v));
  return false;
}

bool dn_arg_opt_u64(napi_env env, napi_value v, const char *what, uint64_t *out, bool *present) {
  *out = 0;
  *present = !absent(env, v);
  return !*present || dn_arg_u64(env, v, what, out);
}

bool dn_arg_capacity(napi_env env, napi_value v, const char *what, size_t fallback, size_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) == napi_ok && t == napi_undefined) {
    *out = fallback;
    return true;
  }
  return dn_arg_size(env, v, what, out);
}

static bool one_format(napi_env env, napi_value v, int *out) {
  uint32_t f = 0;
  if (absent(env, v)) {
    *out = DN_FMT_BYTES;
    return true;
  }
  if (napi_get_value_uint32(env, v, &f) != napi_ok || f > DN_FMT_HEX) {
    dn_throw(env, INVALID, "format must be 0 (bytes), 1 (utf8) or 2 (hex), got %s", kind(env, v));
    return false;
  }
  *out = (int)f;
  return true;
}

bool dn_arg_format(napi_env env, napi_value v, const char *const *names, size_t n, int *fmts) {
  napi_valuetype t = napi_undefined;
  napi_typeof(env, v, &t);
  if (t != napi_object) {
    int f;
    if (!one_format(env, v, &f)) return false;
    for (size_t i = 0; i < n; i++) fmts[i] = f;
    return true;
  }
  for (size_t i = 0; i < n; i++) {
    napi_value f;
    if (napi_get_named_property(env, v, names[i], &f) != napi_ok || !one_format(env, f, &fmts[i])) return false;
  }
  return true;
}

/* ------------------------------------------------------------------ results */

napi_value dn_bytes_value(napi_env env, const uint8_t *ptr, size_t len, int fmt) {
  napi_value out = NULL;
  if (fmt == DN_FMT_UTF8) {
    if (napi_create_string_utf8(env, len ? (const char *)ptr : "", len, &out) != napi_ok) return NULL;
  } else if (fmt == DN_FMT_HEX) {
    static const char digits[] = "0123456789abcdef";
    char stack[512];
    if (len > SIZE_MAX / 2) return oom(env);
    char *hex = 2 * len <= sizeof stack ? stack : malloc(2 * len);
    if (!hex) return oom(env);
    for (size_t i = 0; i < len; i++) {
      hex[2 * i] = digits[ptr[i] >> 4];
      hex[2 * i + 1] = digits[ptr[i] & 15];
    }
    napi_status s = napi_create_string_latin1(env, len ? hex : "", 2 * len, &out);
    if (hex != stack) free(hex);
    if (s != napi_ok) return NULL;
  } else {
    void *data = NULL;
    napi_value ab;
    if (napi_create_arraybuffer(env, len, &data, &ab) != napi_ok) return NULL;
    if (len) memcpy(data, ptr, len);
    if (napi_create_typedarray(env, napi_uint8_array, len, ab, 0, &out) != napi_ok) return NULL;
  }
  return out;
}

napi_value dn_u32_value(napi_env env, uint32_t v) {
  napi_value out;
  return napi_create_uint32(env, v, &out) == napi_ok ? out : NULL;
}

napi_value dn_u64_value(napi_env env, uint64_t v) {
  napi_value out;
  return napi_create_bigint_uint64(env, v, &out) == napi_ok ? out : NULL;
}

napi_value dn_size_value(napi_env env, size_t v) {
  napi_value out;
  return napi_create_double(env, (double)v, &out) == napi_ok ? out : NULL;
}

napi_value dn_bool_value(napi_env env, bool v) {
  napi_value out;
  return napi_get_boolean(env, v, &out) == napi_ok ? out : NULL;
}

napi_value dn_cstring_value(napi_env env, const char *s) {
  napi_value out;
  if (!s) return napi_get_null(env, &out) == napi_ok ? out : NULL;
  return napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &out) == napi_ok ? out : NULL;
}

napi_value dn_object(napi_env env) {
  napi_value out;
  return napi_create_object(env, &out) == napi_ok ? out : NULL;
}

bool dn_set(napi_env env, napi_value obj, const char *key, napi_value v) {
  return v && napi_set_named_property(env, obj, key, v) == napi_ok;
}

napi_value dn_shape(napi_env env, size_t shape, size_t argc, napi_value *argv) {
  dn_instance *inst = NULL;
  napi_value fn, recv, out;
  for (size_t i = 0; i < argc; i++)
    if (!argv[i]) return NULL;
  if (napi_get_instance_data(env, (void **)&inst) != napi_ok || !inst ||
      napi_get_reference_value(env, inst->shapes[shape], &fn) != napi_ok || napi_get_undefined(env, &recv) != napi_ok ||
      napi_call_function(env, recv, fn, argc, argv, &out) != napi_ok)
    return NULL;
  return out;
}

/* ------------------------------------------------------------------ handles */

static void box_free_now(dn_box *b) {
  void *p = b->ptr;
  b->ptr = NULL;
  b->free_pending = false;
  if (p) {
    b->type->free(p);
    __atomic_fetch_sub(&dn_live, 1, __ATOMIC_RELAXED);
  }
}

static void box_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  dn_box *b = data;
  /* A running job holds a strong reference, so this happens with a call in flight only when
   * the environment is torn down: the handle and box are left to the process. */
  if (b->busy) return;
  box_free_now(b);
  free(b);
}

napi_value dn_handle_value(napi_env env, const dn_type *t, void *ptr) {
  napi_value obj;
  if (!ptr) return napi_get_null(env, &obj) == napi_ok ? obj : NULL;
  __atomic_fetch_add(&dn_live, 1, __ATOMIC_RELAXED);
  dn_box *b = calloc(1, sizeof *b);
  if (b) {
    b->ptr = ptr;
    b->type = t;
    if (napi_create_object(env, &obj) == napi_ok && napi_type_tag_object(env, obj, &t->tag) == napi_ok &&
        napi_wrap(env, obj, b, box_finalize, NULL, NULL) == napi_ok)
      return obj;
    box_free_now(b);
    free(b);
    return NULL;
  }
  t->free(ptr);
  __atomic_fetch_sub(&dn_live, 1, __ATOMIC_RELAXED);
  return oom(env);
}

void dn_box_release(dn_box *b) {
  if (!b || !b->ptr) return;
  if (b->busy) b->free_pending = true;
  else box_free_now(b);
}

bool dn_release(napi_env env, napi_value v, const dn_type *t, const char *what) {
  bool ok = false;
  dn_box *b = NULL;
  if (absent(env, v)) return true;
  if (napi_check_object_type_tag(env, v, &t->tag, &ok) != napi_ok || !ok) {
    dn_throw(env, INVALID, "%s must be a %s handle, got %s", what, t->name, kind(env, v));
    return false;
  }
  if (napi_unwrap(env, v, (void **)&b) != napi_ok) return false;
  dn_box_release(b);
  return true;
}

uint8_t *dn_out_alloc(napi_env env, size_t cap) {
  uint8_t *p = malloc(cap ? cap : 1);
  if (!p) oom(env);
  return p;
}

void dn_out_free(uint8_t *p, size_t cap) {
  if (!p) return;
  dn_wipe(p, cap);
  free(p);
}

/* ------------------------------------------------------------------ async calls */

void *dn_job_new(napi_env env, size_t size, size_t arena) {
  size_t head = (size + 15) & ~(size_t)15;
  if (arena > SIZE_MAX - head) return oom(env);
  dn_job *job = calloc(1, head + arena);
  if (!job) return oom(env);
  job->size = head + arena;
  job->next = (uint8_t *)job + head;
  job->end = (uint8_t *)job + head + arena;
  return job;
}

size_t dn_slices_arena(size_t count, size_t total) {
  return count * sizeof(struct dstack_slice) + _Alignof(struct dstack_slice) + total;
}

dn_bytes dn_job_copy(dn_job *job, dn_bytes b) {
  dn_bytes out = {NULL, 0};
  if (!b.len) return out;
  memcpy(job->next, b.ptr, b.len);
  out.ptr = job->next;
  out.len = b.len;
  job->next += b.len;
  return out;
}

const struct dstack_slice *dn_job_copy_slices(dn_job *job, const struct dstack_slice *s, size_t count) {
  if (!count) return NULL;
  uintptr_t a = _Alignof(struct dstack_slice);
  job->next = (uint8_t *)(((uintptr_t)job->next + a - 1) & ~(a - 1));
  struct dstack_slice *items = (struct dstack_slice *)job->next;
  job->next += count * sizeof *items;
  for (size_t i = 0; i < count; i++) {
    dn_bytes b = dn_job_copy(job, (dn_bytes){s[i].ptr, s[i].len});
    items[i].ptr = b.ptr;
    items[i].len = b.len;
  }
  return items;
}

bool dn_job_pin(napi_env env, dn_job *job, napi_value object, dn_box *box) {
  if (!box) return true;
  if (job->npins == DN_MAX_PINS || napi_create_reference(env, object, 1, &job->pin_refs[job->npins]) != napi_ok) {
    dn_throw(env, INVALID, "dstack addon: cannot pin a handle");
    return false;
  }
  job->pins[job->npins++] = box;
  box->busy++;
  return true;
}

static void unpin(napi_env env, dn_job *job) {
  for (size_t i = 0; i < job->npins; i++) {
    dn_box *b = job->pins[i];
    napi_delete_reference(env, job->pin_refs[i]);
    if (--b->busy == 0 && b->free_pending) box_free_now(b);
  }
  job->npins = 0;
}

static void job_free(napi_env env, dn_job *job) {
  unpin(env, job);
  if (job->work) napi_delete_async_work(env, job->work);
  dn_wipe(job, job->size);
  free(job);
}

void dn_job_discard(napi_env env, dn_job *job) {
  if (job) job_free(env, job);
}

static void job_execute(napi_env env, void *data) {
  (void)env;
  dn_job *job = data;
  job->exec(job);
}

static void job_complete(napi_env env, napi_status status, void *data) {
  dn_job *job = data;
  unpin(env, job);
  napi_value v = NULL;
  bool ok = false;
  if (status != napi_ok) {
    static const char msg[] = "dstack addon: the call was cancelled";
    v = dn_make_error(env, INVALID, (const uint8_t *)msg, sizeof msg - 1);
  } else if (job->status != DSTACK_STATUS_OK) {
    v = dn_error_value(env, job->status, job->error);
    job->error = NULL;
  } else {
    v = job->result(env, job);
    ok = v != NULL;
  }
  if (!v) napi_get_and_clear_last_exception(env, &v);
  if (ok) napi_resolve_deferred(env, job->deferred, v);
  else napi_reject_deferred(env, job->deferred, v);
  job_free(env, job);
}

napi_value dn_job_start(napi_env env, dn_job *job, const char *name) {
  napi_value promise, resource;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource) != napi_ok ||
      napi_create_async_work(env, NULL, resource, job_execute, job_complete, job, &job->work) != napi_ok) {
    job_free(env, job);
    return NULL;
  }
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) {
    job_free(env, job);
    return NULL;
  }
  if (napi_queue_async_work(env, job->work) != napi_ok) {
    napi_value err = dn_make_error(env, INVALID, (const uint8_t *)"cannot queue", 12);
    if (err) napi_reject_deferred(env, job->deferred, err);
    job_free(env, job);
  }
  return promise;
}

/* ------------------------------------------------------------------ module */

static napi_value set_error_factory(napi_env env, napi_callback_info info) {
  napi_value fn;
  napi_valuetype t;
  dn_instance *inst = NULL;
  if (!dn_args(env, info, 1, &fn, "setErrorFactory")) return NULL;
  if (napi_typeof(env, fn, &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "setErrorFactory takes a function (status, message) => Error");
    return NULL;
  }
  if (napi_get_instance_data(env, (void **)&inst) != napi_ok || !inst) return NULL;
  if (inst->make_error) napi_delete_reference(env, inst->make_error);
  inst->make_error = NULL;
  napi_create_reference(env, fn, 1, &inst->make_error);
  return NULL;
}

static napi_value live_handles(napi_env env, napi_callback_info info) {
  (void)info;
  return dn_size_value(env, __atomic_load_n(&dn_live, __ATOMIC_RELAXED));
}

static void instance_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static bool export_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value f;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &f) == napi_ok &&
         napi_set_named_property(env, exports, name, f) == napi_ok;
}

NAPI_MODULE_INIT() {
  dn_instance *inst = calloc(1, sizeof *inst + dn_shape_count * sizeof(napi_ref));
  if (!inst || napi_set_instance_data(env, inst, instance_finalize, NULL) != napi_ok) {
    free(inst);
    return oom(env);
  }
  for (size_t i = 0; i < dn_shape_count; i++) {
    napi_value src, fn;
    if (napi_create_string_utf8(env, dn_shape_sources[i], NAPI_AUTO_LENGTH, &src) != napi_ok ||
        napi_run_script(env, src, &fn) != napi_ok || napi_create_reference(env, fn, 1, &inst->shapes[i]) != napi_ok)
      return NULL;
  }
  for (size_t i = 0; i < dn_export_count; i++)
    if (!export_fn(env, exports, dn_exports[i].name, dn_exports[i].fn)) return NULL;
  napi_value formats = dn_object(env);
  if (!formats || !export_fn(env, exports, "setErrorFactory", set_error_factory) ||
      !export_fn(env, exports, "liveHandles", live_handles) ||
      !dn_set(env, formats, "bytes", dn_u32_value(env, DN_FMT_BYTES)) ||
      !dn_set(env, formats, "utf8", dn_u32_value(env, DN_FMT_UTF8)) ||
      !dn_set(env, formats, "hex", dn_u32_value(env, DN_FMT_HEX)) || !dn_set(env, exports, "format", formats) ||
      !dn_set(env, exports, "abiFingerprint", dn_cstring_value(env, dn_abi_fingerprint)) ||
      !dn_set(env, exports, "headerVersion", dn_cstring_value(env, DSTACK_VERSION)))
    return NULL;
  return exports;
}
