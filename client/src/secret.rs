//! Owned byte and text values: [`SecretBytes`] and [`SecretString`] for key material
//! (wiped from memory when dropped, never shown by `Debug`), [`HexBytes`] for public
//! bytes (shown as lowercase hex, as the agent sends them).

use std::fmt;
use std::ops::Deref;
use zeroize::Zeroize;

/// Key material: owned bytes that are wiped from memory when dropped and that `Debug`
/// shows only as their length. Read them through `Deref<Target = [u8]>` (`&key[..]`,
/// `key.len()`) or [`SecretBytes::as_bytes`]. There is deliberately no `Display`.
#[derive(Default)]
pub struct SecretBytes(pub(crate) Vec<u8>);

impl SecretBytes {
    /// Takes ownership of `bytes` (they are wiped when the value is dropped).
    pub fn new(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes(bytes)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lowercase hex of the bytes, itself wiped when dropped.
    pub fn to_hex(&self) -> SecretString {
        let mut s = String::with_capacity(self.0.len() * 2);
        for b in &self.0 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 15)]));
        }
        SecretString(s)
    }

    /// Takes the bytes out **without** wiping them: the caller takes over wiping (the C
    /// library's response handles, which wipe on free).
    #[doc(hidden)]
    pub fn into_unwiped_vec(mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }

    /// The bytes as a fixed-size array (wiped when dropped), or `None` for another length.
    pub fn to_array<const N: usize>(&self) -> Option<zeroize::Zeroizing<[u8; N]>> {
        let a: [u8; N] = self.0.as_slice().try_into().ok()?;
        Some(zeroize::Zeroizing::new(a))
    }
}

impl Deref for SecretBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for SecretBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(v: Vec<u8>) -> SecretBytes {
        SecretBytes(v)
    }
}

impl Clone for SecretBytes {
    fn clone(&self) -> SecretBytes {
        SecretBytes(self.0.clone())
    }
}

/// Compares in time independent of where the values differ.
impl PartialEq for SecretBytes {
    fn eq(&self, other: &SecretBytes) -> bool {
        ct_eq(&self.0, &other.0)
    }
}

impl Eq for SecretBytes {}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} secret bytes>", self.0.len())
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        wipe_vec(&mut self.0);
    }
}

/// [`wipe`] of a vector's bytes and of its spare capacity (bytes a truncation left).
#[doc(hidden)]
pub fn wipe_vec(v: &mut Vec<u8>) {
    if v.capacity() != 0 {
        wipe(v);
        v.spare_capacity_mut().zeroize();
    }
}

/// Overwrites `bytes` with zeros in a way the compiler may not elide (zeroize: one bulk
/// fill, then an optimization barrier). Call it on the bytes that were used only: the
/// transport wipes the part of a connection's buffer a call wrote, not the whole buffer.
#[doc(hidden)]
pub fn wipe(bytes: &mut [u8]) {
    if !bytes.is_empty() {
        bytes.zeroize();
    }
}

/// Secret text (a PEM private key): wiped from memory when dropped, shown by `Debug` only
/// as its length, no `Display`. Read it through `Deref<Target = str>` or
/// [`SecretString::as_str`].
#[derive(Default)]
pub struct SecretString(pub(crate) String);

impl SecretString {
    /// Takes ownership of `text` (wiped when the value is dropped).
    pub fn new(text: String) -> SecretString {
        SecretString(text)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Takes the text out **without** wiping it: the caller takes over wiping (the C
    /// library's response handles, which wipe on free).
    #[doc(hidden)]
    pub fn into_unwiped_string(mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

impl Deref for SecretString {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SecretString {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<[u8]> for SecretString {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> SecretString {
        SecretString(s)
    }
}

impl Clone for SecretString {
    fn clone(&self) -> SecretString {
        SecretString(self.0.clone())
    }
}

/// Compares in time independent of where the values differ.
impl PartialEq for SecretString {
    fn eq(&self, other: &SecretString) -> bool {
        ct_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for SecretString {}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} secret characters>", self.0.len())
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        // SAFETY: zeros are valid UTF-8, so the string stays a valid `String`.
        wipe_vec(unsafe { self.0.as_mut_vec() });
    }
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Public bytes (a quote, an id, a signature, a measurement): owned, read as `[u8]`
/// through `Deref`, and shown by `Display` and `Debug` as lowercase hex, the form the
/// agent sends and the official SDK's fields hold. `len()` counts bytes, not hex digits.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HexBytes(Vec<u8>);

impl HexBytes {
    /// Takes ownership of `bytes`.
    pub fn new(bytes: Vec<u8>) -> HexBytes {
        HexBytes(bytes)
    }

    /// Decodes hex text (optional `0x` prefix).
    pub fn from_hex(text: &str) -> crate::Result<HexBytes> {
        let t = dstack_core::hex::strip_0x(text.as_bytes());
        let n = dstack_core::hex::decoded_len(t).map_err(|e| crate::Error::from_core("hex", e))?;
        let mut v = vec![0u8; n];
        dstack_core::hex::decode(t, &mut v).map_err(|e| crate::Error::from_core("hex", e))?;
        Ok(HexBytes(v))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lowercase hex text of the bytes.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// The bytes, taking them out.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl Deref for HexBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for HexBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for HexBytes {
    fn from(v: Vec<u8>) -> HexBytes {
        HexBytes(v)
    }
}

impl From<&[u8]> for HexBytes {
    fn from(v: &[u8]) -> HexBytes {
        HexBytes(v.to_vec())
    }
}

impl<const N: usize> From<[u8; N]> for HexBytes {
    fn from(v: [u8; N]) -> HexBytes {
        HexBytes(v.to_vec())
    }
}

impl From<HexBytes> for Vec<u8> {
    fn from(v: HexBytes) -> Vec<u8> {
        v.0
    }
}

impl PartialEq<[u8]> for HexBytes {
    fn eq(&self, other: &[u8]) -> bool {
        self.0 == other
    }
}

impl PartialEq<&[u8]> for HexBytes {
    fn eq(&self, other: &&[u8]) -> bool {
        self.0 == *other
    }
}

impl PartialEq<Vec<u8>> for HexBytes {
    fn eq(&self, other: &Vec<u8>) -> bool {
        &self.0 == other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for HexBytes {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.0 == other
    }
}

impl fmt::Display for HexBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(self, f)
    }
}

impl fmt::LowerHex for HexBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 128];
        for chunk in self.0.chunks(64) {
            let text = dstack_core::hex::encode(chunk, &mut buf).map_err(|_| fmt::Error)?;
            f.write_str(text)?;
        }
        Ok(())
    }
}

impl fmt::Debug for HexBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_hex_is_shown() {
        let k = SecretBytes::new(vec![0xab; 32]);
        assert_eq!(format!("{k:?}"), "<32 secret bytes>");
        assert_eq!(&*k.to_hex(), "ab".repeat(32));
        assert_eq!(format!("{:?}", k.to_hex()), "<64 secret characters>");
        assert_eq!(k, k.clone());
        assert_ne!(k, SecretBytes::new(vec![0xab; 31]));
        let h = HexBytes::from(vec![0x01, 0xfe]);
        assert_eq!(h.to_string(), "01fe");
        assert_eq!(format!("{h:?}"), "\"01fe\"");
        assert_eq!(h.len(), 2);
        assert_eq!(HexBytes::from_hex("0x01FE").ok(), Some(h.clone()));
        assert!(HexBytes::from_hex("0x1").is_err());
        let long = HexBytes::from(vec![7u8; 200]);
        assert_eq!(long.to_string(), "07".repeat(200));
        assert_eq!(k.to_array::<32>().map(|a| a[0]), Some(0xab));
        assert!(k.to_array::<33>().is_none());
    }
}
