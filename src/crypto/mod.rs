//! The sealing format for files at rest: AES-256-GCM in fixed-size segments (a STREAM
//! construction, Hoang–Reyhanitabar–Rogaway–Vizár 2015), plus wrapping of per-file data keys
//! by a master key.
//!
//! Without I/O or randomness (callers bring keys and nonce prefixes), so the same code compiles
//! for the server and for the browser's WASM — the later end-to-end mode seals files in the
//! browser with it. The AES-256-GCM of segments comes from `ring` on the server (VAES/AVX2
//! assembly, ~9 GB/s here against ~1.3 GB/s) and from the pure-Rust `aes-gcm` in the browser;
//! a unit test proves both produce the same bytes.
//!
//! Layout of a sealed blob:
//! ```text
//! header (16 bytes): "KPS1" | segment size (u32 BE) | nonce prefix (7 bytes) | reserved (1)
//! segment 0 ciphertext + 16-byte tag, segment 1 …, last segment (may be shorter, may be empty)
//! ```
//! Segment i is sealed with nonce = prefix (7) ‖ i (u32 BE) ‖ last-flag (1) and the header as
//! associated data. Flipping a bit, reordering or dropping segments, truncating at a segment
//! boundary (the new last segment was not sealed as last) or appending all fail to open.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce, Tag};

/// AES-256-GCM with detached tags: `ring` on the server.
#[cfg(feature = "ssr")]
mod aead {
    use ring::aead::{Aad, LessSafeKey, Nonce, Tag, UnboundKey, AES_256_GCM};

    pub struct Cipher(LessSafeKey);

    impl Cipher {
        pub fn new(key: &[u8; super::KEY_LEN]) -> Cipher {
            Cipher(LessSafeKey::new(
                UnboundKey::new(&AES_256_GCM, key).expect("32-byte key"),
            ))
        }

        pub fn seal(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8]) -> [u8; 16] {
            let tag = self
                .0
                .seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(aad),
                    buf,
                )
                .expect("segment within AES-GCM limits");
            let mut out = [0u8; 16];
            out.copy_from_slice(tag.as_ref());
            out
        }

        pub fn open(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8], tag: [u8; 16]) -> bool {
            self.0
                .open_in_place_separate_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(aad),
                    Tag::from(tag),
                    buf,
                    0..,
                )
                .is_ok()
        }
    }
}

/// AES-256-GCM with detached tags: pure Rust in the browser.
#[cfg(not(feature = "ssr"))]
mod aead {
    pub use super::portable::Cipher;
}

/// The pure-Rust implementation (the browser's; on the server the reference `ring` is tested
/// against).
#[cfg_attr(all(feature = "ssr", not(test)), allow(dead_code))]
mod portable {
    use super::{AeadInPlace, Aes256Gcm, Key, KeyInit, Nonce, Tag};

    pub struct Cipher(Aes256Gcm);

    impl Cipher {
        pub fn new(key: &[u8; super::KEY_LEN]) -> Cipher {
            Cipher(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)))
        }

        pub fn seal(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8]) -> [u8; 16] {
            self.0
                .encrypt_in_place_detached(Nonce::from_slice(&nonce), aad, buf)
                .expect("segment within AES-GCM limits")
                .into()
        }

        pub fn open(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8], tag: [u8; 16]) -> bool {
            self.0
                .decrypt_in_place_detached(Nonce::from_slice(&nonce), aad, buf, &Tag::from(tag))
                .is_ok()
        }
    }
}

pub const MAGIC: &[u8; 4] = b"KPS1";
pub const HEADER_LEN: usize = 16;
pub const TAG_LEN: usize = 16;
/// Plaintext bytes per segment.
pub const SEGMENT_LEN: usize = 64 * 1024;
pub const KEY_LEN: usize = 32;
pub const PREFIX_LEN: usize = 7;
/// Length of a wrapped data key: nonce (12) ‖ ciphertext (32) ‖ tag (16).
pub const WRAPPED_KEY_LEN: usize = 12 + KEY_LEN + TAG_LEN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoError {
    /// Not a blob of this format (bad magic, version or segment size).
    BadHeader,
    /// A segment does not authenticate: tampered, reordered, truncated, or the wrong key.
    Integrity,
    /// A segment is longer than the segment size allows, or a segment index would overflow.
    BadLength,
}

impl std::fmt::Display for CryptoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CryptoError::BadHeader => "not a sealed file",
            CryptoError::Integrity => "integrity check failed",
            CryptoError::BadLength => "segment length out of range",
        })
    }
}

impl std::error::Error for CryptoError {}

/// The fixed header of a sealed blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub segment_len: u32,
    pub prefix: [u8; PREFIX_LEN],
}

impl Header {
    pub fn new(prefix: [u8; PREFIX_LEN]) -> Header {
        Header {
            segment_len: SEGMENT_LEN as u32,
            prefix,
        }
    }

    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[..4].copy_from_slice(MAGIC);
        h[4..8].copy_from_slice(&self.segment_len.to_be_bytes());
        h[8..15].copy_from_slice(&self.prefix);
        h
    }

    pub fn decode(bytes: &[u8]) -> Result<Header, CryptoError> {
        if bytes.len() < HEADER_LEN || &bytes[..4] != MAGIC || bytes[15] != 0 {
            return Err(CryptoError::BadHeader);
        }
        let segment_len = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        if segment_len == 0 || segment_len > 16 * 1024 * 1024 {
            return Err(CryptoError::BadHeader);
        }
        let mut prefix = [0u8; PREFIX_LEN];
        prefix.copy_from_slice(&bytes[8..15]);
        Ok(Header {
            segment_len,
            prefix,
        })
    }

    /// Sealed size of a segment with `plain` bytes.
    pub fn sealed_segment_len(&self) -> usize {
        self.segment_len as usize + TAG_LEN
    }

    /// Number of segments for a plaintext of `len` bytes (an empty file has one empty segment).
    pub fn segment_count(&self, len: u64) -> u64 {
        len.div_ceil(self.segment_len as u64).max(1)
    }

    /// Size of the whole blob for a plaintext of `len` bytes.
    pub fn blob_len(&self, len: u64) -> u64 {
        HEADER_LEN as u64 + len + self.segment_count(len) * TAG_LEN as u64
    }

    fn nonce(&self, index: u64, last: bool) -> Result<[u8; 12], CryptoError> {
        let index: u32 = index.try_into().map_err(|_| CryptoError::BadLength)?;
        let mut n = [0u8; 12];
        n[..7].copy_from_slice(&self.prefix);
        n[7..11].copy_from_slice(&index.to_be_bytes());
        n[11] = last as u8;
        Ok(n)
    }
}

/// Seals and opens the segments of one blob with its data key.
pub struct SegmentCipher {
    cipher: aead::Cipher,
    header: Header,
    aad: [u8; HEADER_LEN],
}

impl SegmentCipher {
    pub fn new(data_key: &[u8; KEY_LEN], header: Header) -> SegmentCipher {
        SegmentCipher {
            cipher: aead::Cipher::new(data_key),
            aad: header.encode(),
            header,
        }
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Encrypts `buf` (at most one segment of plaintext) in place and appends the tag.
    pub fn seal(&self, index: u64, last: bool, buf: &mut Vec<u8>) -> Result<(), CryptoError> {
        self.seal_from(index, last, buf, 0)
    }

    /// Encrypts `buf[from..]` (at most one segment of plaintext) in place and appends the tag:
    /// a segment sealed at the end of a write batch, without copying it there afterwards.
    pub fn seal_from(
        &self,
        index: u64,
        last: bool,
        buf: &mut Vec<u8>,
        from: usize,
    ) -> Result<(), CryptoError> {
        let len = buf.len().saturating_sub(from);
        if from > buf.len()
            || len > self.header.segment_len as usize
            || (!last && len != self.header.segment_len as usize)
        {
            return Err(CryptoError::BadLength);
        }
        let nonce = self.header.nonce(index, last)?;
        let tag = self.cipher.seal(nonce, &self.aad, &mut buf[from..]);
        buf.extend_from_slice(&tag);
        Ok(())
    }

    /// Authenticates and decrypts one sealed segment in place (the tag is removed).
    pub fn open(&self, index: u64, last: bool, buf: &mut Vec<u8>) -> Result<(), CryptoError> {
        let len = self.open_slice(index, last, buf)?;
        buf.truncate(len);
        Ok(())
    }

    /// Authenticates and decrypts one sealed segment in place; the plaintext is the first
    /// returned number of bytes (the tag's bytes after it are left as they were).
    pub fn open_slice(&self, index: u64, last: bool, buf: &mut [u8]) -> Result<usize, CryptoError> {
        if buf.len() < TAG_LEN || buf.len() > self.header.sealed_segment_len() {
            return Err(CryptoError::Integrity);
        }
        let nonce = self.header.nonce(index, last)?;
        let split = buf.len() - TAG_LEN;
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&buf[split..]);
        if self.cipher.open(nonce, &self.aad, &mut buf[..split], tag) {
            Ok(split)
        } else {
            Err(CryptoError::Integrity)
        }
    }
}

/// Seals a whole plaintext in memory (tests, small derived files).
pub fn seal_all(data_key: &[u8; KEY_LEN], prefix: [u8; PREFIX_LEN], plain: &[u8]) -> Vec<u8> {
    let header = Header::new(prefix);
    let c = SegmentCipher::new(data_key, header);
    let mut out = Vec::with_capacity(header.blob_len(plain.len() as u64) as usize);
    out.extend_from_slice(&header.encode());
    let n = header.segment_count(plain.len() as u64);
    let seg = header.segment_len as usize;
    for i in 0..n {
        let start = (i as usize) * seg;
        let end = (start + seg).min(plain.len());
        let mut buf = plain[start..end].to_vec();
        c.seal(i, i + 1 == n, &mut buf)
            .expect("segment within bounds");
        out.extend_from_slice(&buf);
    }
    out
}

/// Opens a whole blob in memory. Streaming readers follow the same rule: the final chunk of
/// the blob must open as `last`, every other one as not last.
pub fn open_all(data_key: &[u8; KEY_LEN], blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let header = Header::decode(blob)?;
    let c = SegmentCipher::new(data_key, header);
    let body = &blob[HEADER_LEN..];
    let sealed = header.sealed_segment_len();
    let n = body.len().div_ceil(sealed).max(1);
    let mut out = Vec::with_capacity(body.len());
    for i in 0..n {
        let start = i * sealed;
        let end = (start + sealed).min(body.len());
        let mut buf = body[start..end].to_vec();
        c.open(i as u64, i + 1 == n, &mut buf)?;
        out.extend_from_slice(&buf);
    }
    Ok(out)
}

/// Wraps a data key with the master key. `context` (e.g. the file id) is bound as associated
/// data, so a wrapped key copied to another file does not open.
pub fn wrap_key(
    master: &[u8; KEY_LEN],
    data_key: &[u8; KEY_LEN],
    nonce: [u8; 12],
    context: &[u8],
) -> Vec<u8> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(master));
    let mut buf = data_key.to_vec();
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), context, &mut buf)
        .expect("32-byte key encrypts");
    let mut out = Vec::with_capacity(WRAPPED_KEY_LEN);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&buf);
    out.extend_from_slice(&tag);
    out
}

pub fn unwrap_key(
    master: &[u8; KEY_LEN],
    wrapped: &[u8],
    context: &[u8],
) -> Result<[u8; KEY_LEN], CryptoError> {
    if wrapped.len() != WRAPPED_KEY_LEN {
        return Err(CryptoError::Integrity);
    }
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(master));
    let mut buf = wrapped[12..12 + KEY_LEN].to_vec();
    let tag = Tag::clone_from_slice(&wrapped[12 + KEY_LEN..]);
    cipher
        .decrypt_in_place_detached(Nonce::from_slice(&wrapped[..12]), context, &mut buf, &tag)
        .map_err(|_| CryptoError::Integrity)?;
    let mut key = [0u8; KEY_LEN];
    key.copy_from_slice(&buf);
    Ok(key)
}

/// Seals a short text (a chat message) on its own: `nonce ‖ ciphertext ‖ tag`, with `context`
/// (the message id) as associated data, so a sealed body moved to another row does not open.
pub fn seal_text(key: &[u8; KEY_LEN], nonce: [u8; 12], context: &[u8], text: &str) -> Vec<u8> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let mut buf = text.as_bytes().to_vec();
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), context, &mut buf)
        .expect("32-byte key encrypts");
    let mut out = Vec::with_capacity(12 + buf.len() + TAG_LEN);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&buf);
    out.extend_from_slice(&tag);
    out
}

pub fn open_text(
    key: &[u8; KEY_LEN],
    sealed: &[u8],
    context: &[u8],
) -> Result<String, CryptoError> {
    if sealed.len() < 12 + TAG_LEN {
        return Err(CryptoError::Integrity);
    }
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let (nonce, rest) = sealed.split_at(12);
    let (body, tag) = rest.split_at(rest.len() - TAG_LEN);
    let mut buf = body.to_vec();
    cipher
        .decrypt_in_place_detached(
            Nonce::from_slice(nonce),
            context,
            &mut buf,
            Tag::from_slice(tag),
        )
        .map_err(|_| CryptoError::Integrity)?;
    String::from_utf8(buf).map_err(|_| CryptoError::Integrity)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn texts_open_only_with_their_key_and_context() {
        let sealed = seal_text(&KEY, [3; 12], b"msg-1", "Hallo <b>Welt</b>");
        assert!(
            !sealed.windows(5).any(|w| w == b"Hallo"),
            "no plaintext in the sealed body"
        );
        assert_eq!(
            open_text(&KEY, &sealed, b"msg-1").unwrap(),
            "Hallo <b>Welt</b>"
        );
        assert!(open_text(&KEY, &sealed, b"msg-2").is_err());
        assert!(open_text(&[8; 32], &sealed, b"msg-1").is_err());
        let mut flipped = sealed.clone();
        flipped[14] ^= 1;
        assert!(open_text(&KEY, &flipped, b"msg-1").is_err());
        assert!(open_text(&KEY, &sealed[..10], b"msg-1").is_err());
    }
    const PREFIX: [u8; 7] = [1, 2, 3, 4, 5, 6, 7];

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 31 % 251) as u8).collect()
    }

    /// Files sealed in the browser (pure Rust) must open on the server (ring) and vice versa.
    #[test]
    fn server_and_browser_implementations_agree() {
        let fast = aead::Cipher::new(&KEY);
        let portable = portable::Cipher::new(&KEY);
        let nonce = [9u8; 12];
        for len in [0, 1, 15, 16, 17, 4096, SEGMENT_LEN] {
            let plain = data(len);
            let (mut a, mut b) = (plain.clone(), plain.clone());
            let tag_a = fast.seal(nonce, b"aad", &mut a);
            let tag_b = portable.seal(nonce, b"aad", &mut b);
            assert_eq!((&a, tag_a), (&b, tag_b), "{len} bytes");
            assert!(portable.open(nonce, b"aad", &mut a, tag_a));
            assert_eq!(a, plain);
            let mut flipped = tag_b;
            flipped[0] ^= 1;
            assert!(!fast.open(nonce, b"aad", &mut b.clone(), flipped));
            assert!(fast.open(nonce, b"aad", &mut b, tag_b));
            assert_eq!(b, plain);
        }
    }

    #[test]
    fn roundtrip_at_every_boundary() {
        for n in [
            0,
            1,
            SEGMENT_LEN - 1,
            SEGMENT_LEN,
            SEGMENT_LEN + 1,
            3 * SEGMENT_LEN,
            3 * SEGMENT_LEN + 17,
        ] {
            let plain = data(n);
            let blob = seal_all(&KEY, PREFIX, &plain);
            assert_eq!(
                blob.len() as u64,
                Header::new(PREFIX).blob_len(n as u64),
                "{n}"
            );
            assert_eq!(open_all(&KEY, &blob).unwrap(), plain, "{n}");
        }
    }

    #[test]
    fn one_flipped_bit_anywhere_is_detected() {
        let blob = seal_all(&KEY, PREFIX, &data(2 * SEGMENT_LEN + 100));
        for pos in [
            HEADER_LEN,
            HEADER_LEN + 5,
            HEADER_LEN + SEGMENT_LEN + 3,
            blob.len() - 1,
            9,
        ] {
            let mut bad = blob.clone();
            bad[pos] ^= 1;
            assert!(
                open_all(&KEY, &bad).is_err(),
                "flip at {pos} went unnoticed"
            );
        }
    }

    #[test]
    fn truncation_reordering_and_appending_are_detected() {
        let blob = seal_all(&KEY, PREFIX, &data(3 * SEGMENT_LEN));
        let seg = SEGMENT_LEN + TAG_LEN;
        // Cut at a segment boundary: the new final segment was not sealed as last.
        let cut = &blob[..HEADER_LEN + 2 * seg];
        assert_eq!(open_all(&KEY, cut), Err(CryptoError::Integrity));
        // Cut inside a segment.
        assert_eq!(
            open_all(&KEY, &blob[..blob.len() - 5]),
            Err(CryptoError::Integrity)
        );
        // Swap segments 0 and 1.
        let mut swapped = blob[..HEADER_LEN].to_vec();
        swapped.extend_from_slice(&blob[HEADER_LEN + seg..HEADER_LEN + 2 * seg]);
        swapped.extend_from_slice(&blob[HEADER_LEN..HEADER_LEN + seg]);
        swapped.extend_from_slice(&blob[HEADER_LEN + 2 * seg..]);
        assert_eq!(open_all(&KEY, &swapped), Err(CryptoError::Integrity));
        // Append a copy of the last segment.
        let mut longer = blob.clone();
        longer.extend_from_slice(&blob[blob.len() - seg..]);
        assert_eq!(open_all(&KEY, &longer), Err(CryptoError::Integrity));
    }

    #[test]
    fn wrong_key_or_header_fails() {
        let blob = seal_all(&KEY, PREFIX, b"Vollmacht");
        assert_eq!(open_all(&[8; 32], &blob), Err(CryptoError::Integrity));
        assert_eq!(
            open_all(&KEY, b"plain text, not sealed"),
            Err(CryptoError::BadHeader)
        );
    }

    #[test]
    fn key_wrapping_is_bound_to_its_context() {
        let master = [9u8; 32];
        let wrapped = wrap_key(&master, &KEY, [3; 12], b"file-1");
        assert_eq!(wrapped.len(), WRAPPED_KEY_LEN);
        assert_eq!(unwrap_key(&master, &wrapped, b"file-1"), Ok(KEY));
        assert_eq!(
            unwrap_key(&master, &wrapped, b"file-2"),
            Err(CryptoError::Integrity)
        );
        assert_eq!(
            unwrap_key(&[1; 32], &wrapped, b"file-1"),
            Err(CryptoError::Integrity)
        );
    }
}
