//! App-compose hashing: the compose hash a deployment is measured by (docs/PROTOCOL.md §6.3).

use crate::error::{Error, Result};
use crate::secret::HexBytes;
use dstack_core::compose;

fn scratch(input: &[u8]) -> Result<Vec<u8>> {
    let n = compose::compose_scratch_len(input).map_err(|e| Error::from_core("app compose", e))?;
    Ok(vec![0u8; n])
}

/// SHA-256 of the raw bytes of an `app-compose.json` file: the value the guest measures
/// (Info's `compose_hash`).
///
/// ```
/// let h = libdstack::compose::compose_hash_raw(b"{}");
/// assert_eq!(h.to_string(), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
/// ```
pub fn compose_hash_raw(app_compose_bytes: &[u8]) -> HexBytes {
    compose::compose_hash_raw(app_compose_bytes).into()
}

/// SHA-256 of the canonical JSON of an app-compose document (keys sorted as deployment
/// tools do, compact; see [`compose_canonical_json`]). `normalize` drops the fields the
/// runner ignores (the official SDKs' `normalize=True`). Not JSON: `InvalidArgument`.
pub fn compose_hash(app_compose_json: &[u8], normalize: bool) -> Result<HexBytes> {
    compose::compose_hash(app_compose_json, normalize, &mut scratch(app_compose_json)?)
        .map(HexBytes::from)
        .map_err(|e| Error::from_core("app compose", e))
}

/// The canonical JSON text whose SHA-256 [`compose_hash`] returns.
pub fn compose_canonical_json(app_compose_json: &[u8], normalize: bool) -> Result<String> {
    let mut s = scratch(app_compose_json)?;
    let needed = match compose::compose_canonical_json(app_compose_json, normalize, &mut s, &mut [])
    {
        Ok(n) => n,
        Err(dstack_core::Error::BufferTooSmall { needed }) => needed,
        Err(e) => return Err(Error::from_core("app compose", e)),
    };
    let mut out = vec![0u8; needed];
    let n = compose::compose_canonical_json(app_compose_json, normalize, &mut s, &mut out)
        .map_err(|e| Error::from_core("app compose", e))?;
    out.truncate(n);
    String::from_utf8(out)
        .map_err(|_| Error::invalid("app compose: the canonical JSON is not UTF-8"))
}
