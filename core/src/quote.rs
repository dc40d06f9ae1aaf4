//! Zero-copy parsing of Intel TDX quotes, versions 4 and 5 (docs/PROTOCOL.md §7.1).
//!
//! Only the header and the TD report body are interpreted; the authentication data
//! (signature, attestation key, certification data) is bounds-checked and exposed raw.
//! Signature verification against Intel's PCS is a relying-party concern outside this crate.

use crate::error::{Error, Result};

/// Size of the quote header shared by v4 and v5.
pub const HEADER_LEN: usize = 48;
/// Size of a TD report body 1.0 (TDX 1.0, "TD10").
pub const TD10_BODY_LEN: usize = 584;
/// Size of a TD report body 1.5 (TDX 1.5, "TD15"): TD10 + tee_tcb_svn2 + mr_service_td.
pub const TD15_BODY_LEN: usize = 648;
/// `tee_type` of TDX quotes.
pub const TEE_TYPE_TDX: u32 = 0x81;
/// `attestation_key_type` of ECDSA-P256 quotes.
pub const ATTESTATION_KEY_ECDSA_P256: u16 = 2;

/// The kind of TD report body carried by the quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    /// TD report 1.0 (every v4 quote; v5 body type 2).
    Td10,
    /// TD report 1.5 (v5 body type 3), which adds `tee_tcb_svn2` and `mr_service_td`.
    Td15,
}

/// A parsed TDX quote borrowing the caller's bytes.
#[derive(Debug, Clone, Copy)]
pub struct Quote<'a> {
    bytes: &'a [u8],
    version: u16,
    body_type: BodyType,
    body_offset: usize,
    auth_data: &'a [u8],
}

fn u16_at(b: &[u8], off: usize) -> Result<u16> {
    let s = b.get(off..off + 2).ok_or(Error::MalformedResponse)?;
    Ok(u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], off: usize) -> Result<u32> {
    let s = b.get(off..off + 4).ok_or(Error::MalformedResponse)?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

impl<'a> Quote<'a> {
    /// Parses a raw (binary) quote. Every field is bounds-checked: a short, truncated or
    /// unknown quote is `Error::MalformedResponse`; a non-TDX quote (SGX `tee_type`, v5
    /// SGX body) is `Error::InvalidArgument`. Bytes after the authentication data are
    /// tolerated (real agents return quotes zero-padded past it, as dcap-qvl accepts);
    /// see [`Quote::trailing`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        if bytes.len() < HEADER_LEN {
            return Err(Error::MalformedResponse);
        }
        let version = u16_at(bytes, 0)?;
        let tee_type = u32_at(bytes, 4)?;
        let (body_type, body_offset, body_len) = match version {
            4 => (BodyType::Td10, HEADER_LEN, TD10_BODY_LEN),
            5 => {
                let kind = u16_at(bytes, HEADER_LEN)?;
                let size = u32_at(bytes, HEADER_LEN + 2)? as usize;
                let (t, expected) = match kind {
                    2 => (BodyType::Td10, TD10_BODY_LEN),
                    3 => (BodyType::Td15, TD15_BODY_LEN),
                    1 => return Err(Error::InvalidArgument("SGX quote, not TDX")),
                    _ => return Err(Error::MalformedResponse),
                };
                if size != expected {
                    return Err(Error::MalformedResponse);
                }
                (t, HEADER_LEN + 6, expected)
            }
            _ => return Err(Error::MalformedResponse),
        };
        if tee_type != TEE_TYPE_TDX {
            return Err(Error::InvalidArgument("not a TDX quote (tee_type)"));
        }
        let auth_len_off = body_offset + body_len;
        let auth_len = u32_at(bytes, auth_len_off)? as usize;
        let auth_start = auth_len_off + 4;
        let auth_end = auth_start
            .checked_add(auth_len)
            .ok_or(Error::MalformedResponse)?;
        if auth_end > bytes.len() {
            return Err(Error::MalformedResponse);
        }
        Ok(Quote {
            bytes,
            version,
            body_type,
            body_offset,
            auth_data: &bytes[auth_start..auth_end],
        })
    }

    fn body_field<const N: usize>(&self, off_in_body: usize) -> &'a [u8; N] {
        let start = self.body_offset + off_in_body;
        // Parse checked that the whole body lies inside `bytes`.
        match self.bytes[start..start + N].try_into() {
            Ok(a) => a,
            Err(_) => unreachable!("body bounds checked in parse"),
        }
    }

    /// The whole quote.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
    /// Quote format version (4 or 5).
    pub fn version(&self) -> u16 {
        self.version
    }
    /// Attestation key type (2 = ECDSA-P256).
    pub fn attestation_key_type(&self) -> u16 {
        u16::from_le_bytes([self.bytes[2], self.bytes[3]])
    }
    /// TEE type (0x81 for TDX).
    pub fn tee_type(&self) -> u32 {
        u32::from_le_bytes([self.bytes[4], self.bytes[5], self.bytes[6], self.bytes[7]])
    }
    /// QE security version.
    pub fn qe_svn(&self) -> u16 {
        u16::from_le_bytes([self.bytes[8], self.bytes[9]])
    }
    /// PCE security version.
    pub fn pce_svn(&self) -> u16 {
        u16::from_le_bytes([self.bytes[10], self.bytes[11]])
    }
    /// QE vendor id.
    pub fn qe_vendor_id(&self) -> &'a [u8; 16] {
        match self.bytes[12..28].try_into() {
            Ok(a) => a,
            Err(_) => unreachable!("header length checked in parse"),
        }
    }
    /// Header user data.
    pub fn user_data(&self) -> &'a [u8; 20] {
        match self.bytes[28..48].try_into() {
            Ok(a) => a,
            Err(_) => unreachable!("header length checked in parse"),
        }
    }
    /// Body type (always `Td10` for v4).
    pub fn body_type(&self) -> BodyType {
        self.body_type
    }
    /// Offset of the TD report body within the quote (48 for v4, 54 for v5).
    pub fn body_offset(&self) -> usize {
        self.body_offset
    }
    /// TEE TCB SVN.
    pub fn tee_tcb_svn(&self) -> &'a [u8; 16] {
        self.body_field(0)
    }
    /// MRSEAM.
    pub fn mr_seam(&self) -> &'a [u8; 48] {
        self.body_field(16)
    }
    /// MRSIGNERSEAM.
    pub fn mr_signer_seam(&self) -> &'a [u8; 48] {
        self.body_field(64)
    }
    /// SEAM attributes.
    pub fn seam_attributes(&self) -> &'a [u8; 8] {
        self.body_field(112)
    }
    /// TD attributes (bit 0 of byte 0 = debug).
    pub fn td_attributes(&self) -> &'a [u8; 8] {
        self.body_field(120)
    }
    /// XFAM.
    pub fn xfam(&self) -> &'a [u8; 8] {
        self.body_field(128)
    }
    /// MRTD: measurement of the initial TD contents.
    pub fn mrtd(&self) -> &'a [u8; 48] {
        self.body_field(136)
    }
    /// MRCONFIGID.
    pub fn mr_config_id(&self) -> &'a [u8; 48] {
        self.body_field(184)
    }
    /// MROWNER.
    pub fn mr_owner(&self) -> &'a [u8; 48] {
        self.body_field(232)
    }
    /// MROWNERCONFIG.
    pub fn mr_owner_config(&self) -> &'a [u8; 48] {
        self.body_field(280)
    }
    /// RTMR `index` (0..=3), or `None` for another index.
    pub fn rtmr(&self, index: usize) -> Option<&'a [u8; 48]> {
        if index > 3 {
            return None;
        }
        let start = self.body_offset + 328 + 48 * index;
        self.bytes
            .get(start..start + 48)
            .and_then(|s| s.try_into().ok())
    }
    /// RTMR0..RTMR3 copied out.
    pub fn rtmrs(&self) -> [[u8; 48]; 4] {
        [
            *self.body_field(328),
            *self.body_field(376),
            *self.body_field(424),
            *self.body_field(472),
        ]
    }
    /// REPORTDATA (64 bytes).
    pub fn report_data(&self) -> &'a [u8; 64] {
        self.body_field(520)
    }
    /// TEE TCB SVN 2 (TD15 bodies only).
    pub fn tee_tcb_svn2(&self) -> Option<&'a [u8; 16]> {
        match self.body_type {
            BodyType::Td15 => Some(self.body_field(584)),
            BodyType::Td10 => None,
        }
    }
    /// MRSERVICETD (TD15 bodies only).
    pub fn mr_service_td(&self) -> Option<&'a [u8; 48]> {
        match self.body_type {
            BodyType::Td15 => Some(self.body_field(600)),
            BodyType::Td10 => None,
        }
    }
    /// The authentication data (signature, attestation key, certification data), raw.
    pub fn auth_data(&self) -> &'a [u8] {
        self.auth_data
    }
    /// Bytes after the authentication data (zero padding in real quotes).
    pub fn trailing(&self) -> &'a [u8] {
        let auth_end = self.signed_data().len() + 4 + self.auth_data.len();
        &self.bytes[auth_end..]
    }
    /// The signed part of the quote (header and body descriptor/body).
    pub fn signed_data(&self) -> &'a [u8] {
        let body_len = match self.body_type {
            BodyType::Td10 => TD10_BODY_LEN,
            BodyType::Td15 => TD15_BODY_LEN,
        };
        &self.bytes[..self.body_offset + body_len]
    }
}
