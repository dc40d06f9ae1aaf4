//! Borrowed byte views across the boundary, and the checked conversions from raw C
//! pointers behind the `try_*!` macros of `boundary.rs`, through which every export calls
//! them (public for libdstack_verify, `verify-ffi`, which extends this ABI). Uses only
//! `status` and `error`.

use crate::error::{Failure, Result};
use crate::status::*;

/// A borrowed byte range: `len` bytes at `ptr`. Used both for values libdstack returns
/// (valid until the handle they come from is freed; never free `ptr` yourself) and for
/// arrays of inputs the caller passes (e.g. TLS alt names). Text is UTF-8 and not
/// NUL-terminated. `{NULL, 0}` is the empty value.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dstack_slice {
    /// First byte; may be NULL when `len` is 0.
    pub ptr: *const u8,
    /// Number of bytes.
    pub len: usize,
}

impl dstack_slice {
    pub const EMPTY: dstack_slice = dstack_slice {
        ptr: std::ptr::null(),
        len: 0,
    };
    pub fn of(bytes: &[u8]) -> dstack_slice {
        dstack_slice {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
        }
    }
}

/// A `ptr, len` byte input: NULL with length 0 is the empty value, NULL with a non-zero
/// length is `NULL_ARGUMENT`.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable bytes that outlive `'a`.
pub unsafe fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8]> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Failure::new(
            DSTACK_STATUS_NULL_ARGUMENT,
            format!("{what} is NULL but its length is {len}"),
        ));
    }
    if len > isize::MAX as usize {
        return Err(Failure::invalid(format!(
            "{what}: length {len} is not a valid size"
        )));
    }
    // SAFETY: the caller guarantees `len` readable bytes at non-NULL `ptr`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A `ptr, len` UTF-8 text input.
///
/// # Safety
/// As for [`bytes`].
pub unsafe fn text<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a str> {
    // SAFETY: this function's contract is that of `bytes`, for the same `ptr` and `len`.
    let b = unsafe { bytes(ptr, len, what)? };
    std::str::from_utf8(b).map_err(|e| Failure::invalid(format!("{what} is not valid UTF-8: {e}")))
}

/// A required fixed-size input array of `N` bytes.
///
/// # Safety
/// A non-NULL `ptr` must point to `N` readable bytes that outlive `'a`.
pub unsafe fn array<'a, const N: usize>(ptr: *const u8, what: &str) -> Result<&'a [u8; N]> {
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: the caller guarantees N readable bytes; [u8; N] has alignment 1.
    Ok(unsafe { &*(ptr as *const [u8; N]) })
}

/// `count` inputs of `N` bytes each, back to back (`x[x_count][N]` in a doc): NULL with
/// count 0 is the empty list, NULL with a non-zero count is `NULL_ARGUMENT`.
///
/// # Safety
/// A non-NULL `ptr` must point to `count` x `N` readable bytes that outlive `'a`.
pub unsafe fn arrays<'a, const N: usize>(
    ptr: *const u8,
    count: usize,
    what: &str,
) -> Result<&'a [[u8; N]]> {
    if ptr.is_null() {
        if count == 0 {
            return Ok(&[]);
        }
        return Err(Failure::new(
            DSTACK_STATUS_NULL_ARGUMENT,
            format!("{what} is NULL but its count is {count}"),
        ));
    }
    if count > isize::MAX as usize / N.max(1) {
        return Err(Failure::invalid(format!(
            "{what}: count {count} is not a valid size"
        )));
    }
    // SAFETY: the caller guarantees count x N readable bytes at non-NULL `ptr`, and
    // [u8; N] has alignment 1, so they are `count` arrays.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<[u8; N]>(), count) })
}

/// An array of `count` caller-owned slices (each itself a byte input).
///
/// # Safety
/// A non-NULL `ptr` must point to `count` `dstack_slice`s, each valid as for [`bytes`].
pub unsafe fn slices<'a>(
    ptr: *const dstack_slice,
    count: usize,
    what: &str,
) -> Result<Vec<&'a [u8]>> {
    if ptr.is_null() {
        if count == 0 {
            return Ok(Vec::new());
        }
        return Err(Failure::new(
            DSTACK_STATUS_NULL_ARGUMENT,
            format!("{what} is NULL but its count is {count}"),
        ));
    }
    if count > isize::MAX as usize / std::mem::size_of::<dstack_slice>() {
        return Err(Failure::invalid(format!(
            "{what}: count {count} is not a valid size"
        )));
    }
    // SAFETY: the caller guarantees `count` readable slices at `ptr`.
    let items = unsafe { std::slice::from_raw_parts(ptr, count) };
    let mut out = Vec::with_capacity(count);
    for (i, s) in items.iter().enumerate() {
        // SAFETY: each slice obeys the `bytes` contract per the caller.
        out.push(unsafe { bytes(s.ptr, s.len, &format!("{what}[{i}]"))? });
    }
    Ok(out)
}

/// Like [`slices`], requiring UTF-8 text in each item.
///
/// # Safety
/// As for [`slices`].
pub unsafe fn texts<'a>(
    ptr: *const dstack_slice,
    count: usize,
    what: &str,
) -> Result<Vec<&'a str>> {
    // SAFETY: this function's contract is that of `slices`, for the same `ptr` and `count`.
    let raw = unsafe { slices(ptr, count, what)? };
    raw.into_iter()
        .enumerate()
        .map(|(i, b)| {
            std::str::from_utf8(b)
                .map_err(|e| Failure::invalid(format!("{what}[{i}] is not valid UTF-8: {e}")))
        })
        .collect()
}

/// Checks a required output pointer and returns it as a mutable reference.
///
/// # Safety
/// A non-NULL `ptr` must be valid for writing one `T`.
pub unsafe fn out<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T> {
    // SAFETY: the caller guarantees a non-NULL `ptr` is writable for one `T`; `as_mut`
    // returns None for NULL.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::null(what))
}

/// Copies `value`, which the helper that made it guarantees to be `N` bytes, into a
/// fixed-size output (a different length is a bug here: `DSTACK_STATUS_PANIC`, never a
/// short or overlong write).
pub(crate) fn fill<const N: usize>(out: &mut [u8; N], value: &[u8]) -> Result<()> {
    *out = value.try_into().map_err(|_| {
        Failure::new(
            DSTACK_STATUS_PANIC,
            format!(
                "internal error in libdstack: {} bytes for a {N}-byte output",
                value.len()
            ),
        )
    })?;
    Ok(())
}

/// Checks a required fixed-size output array.
///
/// # Safety
/// A non-NULL `ptr` must be valid for writing `N` bytes.
pub unsafe fn out_array<'a, const N: usize>(ptr: *mut u8, what: &str) -> Result<&'a mut [u8; N]> {
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: the caller guarantees N writable bytes; alignment 1.
    Ok(unsafe { &mut *(ptr as *mut [u8; N]) })
}

/// A caller output buffer `out_x, out_x_cap, out_x_len`, validated before any work is done;
/// `name` is `out_x`, for messages.
pub struct OutBuf {
    ptr: *mut u8,
    cap: usize,
    len: *mut usize,
    name: &'static str,
}

impl OutBuf {
    /// # Safety
    /// A non-NULL `ptr` must be valid for writing `cap` bytes; a non-NULL `len` for one
    /// `usize`; both for the duration of the call.
    pub unsafe fn new(
        ptr: *mut u8,
        cap: usize,
        len: *mut usize,
        name: &'static str,
    ) -> Result<OutBuf> {
        if len.is_null() {
            return Err(Failure::null(&format!("{name}_len")));
        }
        if ptr.is_null() && cap != 0 {
            return Err(Failure::new(
                DSTACK_STATUS_NULL_ARGUMENT,
                format!("{name} is NULL but {name}_cap is {cap}"),
            ));
        }
        Ok(OutBuf {
            ptr,
            cap,
            len,
            name,
        })
    }

    fn too_small(&self, needed: usize) -> Failure {
        Failure::new(
            DSTACK_STATUS_BUFFER_TOO_SMALL,
            format!(
                "output buffer too small: {needed} bytes needed, {}_cap is {}",
                self.name, self.cap
            ),
        )
    }

    /// Reports `BUFFER_TOO_SMALL` if `needed` bytes do not fit (writing `*out_x_len`).
    pub fn check(&self, needed: usize) -> Result<()> {
        if needed > self.cap {
            // SAFETY: `len` was checked non-NULL and valid in `new`.
            unsafe { *self.len = needed };
            return Err(self.too_small(needed));
        }
        Ok(())
    }

    /// Copies `data` out, or reports `BUFFER_TOO_SMALL` with the needed length in `*out_x_len`.
    pub fn write(&self, data: &[u8]) -> Result<()> {
        // SAFETY: `len` was checked non-NULL and valid in `new`.
        unsafe { *self.len = data.len() };
        if data.len() > self.cap {
            return Err(self.too_small(data.len()));
        }
        if !data.is_empty() {
            // SAFETY: `ptr` is valid for `cap >= data.len()` bytes (checked in `new`; a NULL
            // ptr implies cap 0, so data is non-empty only with a non-NULL ptr).
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr, data.len()) };
        }
        Ok(())
    }
}
