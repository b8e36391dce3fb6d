//! Pure rules of the upload zone: link states, file names, tus header parsing, the offset a
//! sealed blob can durably hold, and the built-in content checks.

use super::LinkState;
use crate::crypto::{Header, HEADER_LEN, TAG_LEN};

/// Whether a link can take uploads at `now`. Revocation wins over expiry, expiry over use.
pub fn link_state(
    revoked_at: Option<i64>,
    expires_at: Option<i64>,
    max_files: Option<i64>,
    received: i64,
    now: i64,
) -> LinkState {
    if revoked_at.is_some() {
        LinkState::Revoked
    } else if expires_at.is_some_and(|e| now >= e) {
        LinkState::Expired
    } else if max_files.is_some_and(|m| received >= m) {
        LinkState::UsedUp
    } else {
        LinkState::Active
    }
}

/// The last millisecond of a calendar day ("2026-12-31") in German time, as unix ms.
pub fn end_of_day_berlin(date: &str) -> Option<i64> {
    let mut it = date.trim().splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.parse().ok()?;
    let day = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
    let next = day.next_day()?.midnight();
    // The offset at the end of the day (the summer-time switch happens at 01:00 UTC).
    let guess = next.assume_utc();
    let offset = crate::ui::format::berlin_offset(guess);
    Some(((next.assume_offset(offset).unix_timestamp_nanos() / 1_000_000) as i64) - 1)
}

pub const FILENAME_MAX: usize = 200;

/// A file name safe to store, show and send in `Content-Disposition`: no directories, no
/// control or bidi characters, no leading dots, not empty, at most 200 characters (the
/// extension is kept when shortening).
pub fn sanitize_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{FEFF}')
        })
        .map(|c| if matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let name = if trimmed.is_empty() {
        "datei".to_string()
    } else {
        trimmed.to_string()
    };
    if name.chars().count() <= FILENAME_MAX {
        return name;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.chars().count() <= 10 => {
            (s.to_string(), format!(".{e}"))
        }
        _ => (name.clone(), String::new()),
    };
    let keep = FILENAME_MAX - ext.chars().count();
    format!("{}{ext}", stem.chars().take(keep).collect::<String>())
}

/// Parses tus `Upload-Metadata`: comma-separated `key base64value` pairs (value optional).
/// Returns `None` for malformed input (bad base64, non-UTF-8, duplicate or empty keys).
pub fn parse_metadata(header: &str) -> Option<Vec<(String, String)>> {
    use base64::{engine::general_purpose::STANDARD, Engine};
    let mut out: Vec<(String, String)> = Vec::new();
    if header.trim().is_empty() {
        return Some(out);
    }
    for pair in header.split(',') {
        let mut it = pair.trim().splitn(2, ' ');
        let key = it.next()?.trim();
        if key.is_empty() || key.contains(' ') || out.iter().any(|(k, _)| k == key) {
            return None;
        }
        let value = match it.next() {
            Some(v) => String::from_utf8(STANDARD.decode(v.trim()).ok()?).ok()?,
            None => String::new(),
        };
        out.push((key.to_string(), value));
    }
    Some(out)
}

/// Parses `Upload-Offset` / `Upload-Length`: plain decimal digits only (no sign, no spaces),
/// at most `i64::MAX`.
pub fn parse_offset(header: &str) -> Option<u64> {
    if header.is_empty() || header.len() > 19 || !header.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    header.parse::<u64>().ok().filter(|v| *v <= i64::MAX as u64)
}

/// Parses `Upload-Checksum: sha256 <base64>`; `Err(())` for an unsupported algorithm.
pub fn parse_checksum(header: &str) -> Result<[u8; 32], ChecksumError> {
    use base64::{engine::general_purpose::STANDARD, Engine};
    let (algo, value) = header
        .trim()
        .split_once(' ')
        .ok_or(ChecksumError::Malformed)?;
    if !algo.eq_ignore_ascii_case("sha256") {
        return Err(ChecksumError::Unsupported);
    }
    let bytes = STANDARD
        .decode(value.trim())
        .map_err(|_| ChecksumError::Malformed)?;
    bytes.try_into().map_err(|_| ChecksumError::Malformed)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumError {
    Unsupported,
    Malformed,
}

/// Bytes of the sealed blob that hold the first `committed` plaintext bytes of an upload of
/// `length` bytes. `committed` is always a multiple of the segment size, or `length`.
pub fn blob_len_for(header: &Header, committed: u64, length: u64) -> u64 {
    let seg = header.segment_len as u64;
    if committed >= length {
        return header.blob_len(length);
    }
    HEADER_LEN as u64 + (committed / seg) * (seg + TAG_LEN as u64)
}

/// How far an upload can durably advance: whole segments only, except the very end.
pub fn durable_offset(segment_len: u64, received_to: u64, length: u64) -> u64 {
    if received_to >= length {
        length
    } else {
        received_to - received_to % segment_len
    }
}

/// Result of the built-in checks on a finished file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanVerdict {
    Clean,
    Quarantined(QuarantineReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuarantineReason {
    Empty,
    Eicar,
    TypeMismatch,
    TypeNotAllowed,
    ArchiveBomb,
    /// Found by the virus scanner; the stored code carries the signature (`malware:<name>`).
    Malware,
    /// The virus scanner could not be asked.
    ScanFailed,
}

impl QuarantineReason {
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Eicar => "eicar",
            Self::TypeMismatch => "type_mismatch",
            Self::TypeNotAllowed => "type_not_allowed",
            Self::ArchiveBomb => "archive_bomb",
            Self::Malware => "malware",
            Self::ScanFailed => "scan_failed",
        }
    }
}

/// The EICAR anti-virus test string (68 bytes; scanners accept trailing whitespace).
pub const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// What the first bytes of a file say it is.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    const SIGS: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"PK\x03\x04", "application/zip"),
        (b"PK\x05\x06", "application/zip"),
        (b"II*\x00", "image/tiff"),
        (b"MM\x00*", "image/tiff"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "application/x-ole-storage",
        ),
        (b"MZ", "application/x-msdownload"),
        (b"\x7fELF", "application/x-executable"),
    ];
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        let brand = &head[8..12];
        return Some(
            if brand == b"heic" || brand == b"heix" || brand == b"mif1" {
                "image/heic"
            } else {
                "video/mp4"
            },
        );
    }
    SIGS.iter()
        .find(|(sig, _)| head.starts_with(sig))
        .map(|(_, m)| *m)
}

/// The type family a file name's extension claims, as the sniffed type would name it.
/// Office formats are ZIP (docx, xlsx, pptx) or OLE (doc, xls) containers.
pub fn expected_sniff(ext: &str) -> Option<&'static [&'static str]> {
    Some(match ext.to_ascii_lowercase().as_str() {
        "pdf" => &["application/pdf"],
        "png" => &["image/png"],
        "jpg" | "jpeg" => &["image/jpeg"],
        "gif" => &["image/gif"],
        "webp" => &["image/webp"],
        "tif" | "tiff" => &["image/tiff"],
        "heic" | "heif" => &["image/heic"],
        "zip" | "docx" | "xlsx" | "pptx" | "odt" | "ods" => &["application/zip"],
        "doc" | "xls" | "ppt" | "msg" => &["application/x-ole-storage"],
        _ => return None,
    })
}

/// Whether the content matches what its name claims. Formats without a signature (txt, csv,
/// xml) pass when they do not look like an executable.
pub fn type_matches(filename: &str, head: &[u8]) -> bool {
    let sniffed = sniff(head);
    if matches!(
        sniffed,
        Some("application/x-msdownload" | "application/x-executable")
    ) {
        return filename.rsplit_once('.').is_some_and(|(_, e)| {
            matches!(e.to_ascii_lowercase().as_str(), "exe" | "dll" | "bin")
        });
    }
    match filename
        .rsplit_once('.')
        .and_then(|(_, e)| expected_sniff(e))
    {
        Some(expected) => sniffed.is_some_and(|s| expected.contains(&s)),
        None => true,
    }
}

/// Whether `filename`'s extension is on the firm's allow-list (empty list: everything allowed).
pub fn extension_allowed(filename: &str, allow: &[String]) -> bool {
    if allow.is_empty() {
        return true;
    }
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    allow
        .iter()
        .any(|a| a.trim_start_matches('.').eq_ignore_ascii_case(&ext))
}

/// Why an allow-list as typed by staff is unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowListError {
    /// This entry is not a file extension.
    NotAnExtension(String),
    TooMany,
}

/// Parses an allow-list as staff type it ("pdf, .JPG png;docx"): lower-case extensions without
/// dots, in the order given, without repeats. Empty input: everything allowed.
pub fn parse_allow_list(input: &str) -> Result<Vec<String>, AllowListError> {
    let mut out: Vec<String> = Vec::new();
    for raw in input.split([',', ';', ' ', '\n', '\t']) {
        let entry = raw.trim().trim_start_matches('.').to_ascii_lowercase();
        if raw.trim().is_empty() {
            continue;
        }
        if entry.is_empty() || entry.len() > 10 || !entry.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(AllowListError::NotAnExtension(raw.trim().to_string()));
        }
        if !out.contains(&entry) {
            out.push(entry);
        }
    }
    if out.len() > 50 {
        return Err(AllowListError::TooMany);
    }
    Ok(out)
}

/// The extension a refusal names: lower case, or `None` for a name without one.
pub fn extension_of(filename: &str) -> Option<String> {
    filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| !e.is_empty())
}

/// A ZIP whose entries declare far more uncompressed than compressed bytes is treated as a
/// decompression bomb: ratio above 100 : 1 and more than 100 MiB unpacked.
pub fn is_archive_bomb(compressed: u64, uncompressed: u64) -> bool {
    uncompressed > 100 * 1024 * 1024 && uncompressed > compressed.saturating_mul(100)
}

/// Where a ZIP's central directory is, from the end of the archive: (offset, size), or where
/// the ZIP64 end record is (`Zip64At`) when the classic record points there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipEnd {
    Directory { offset: u64, size: u64 },
    Zip64At(u64),
}

fn le16(b: &[u8], at: usize) -> Option<u64> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as u64)
}
fn le32(b: &[u8], at: usize) -> Option<u64> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as u64)
}
fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Finds the end-of-central-directory record in the last bytes of a ZIP (`tail`).
pub fn zip_end(tail: &[u8]) -> Option<ZipEnd> {
    let pos = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..].starts_with(b"PK\x05\x06"))?;
    let size = le32(tail, pos + 12)?;
    let offset = le32(tail, pos + 16)?;
    if (size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF)
        && pos >= 20
        && tail[pos - 20..].starts_with(b"PK\x06\x07")
    {
        return Some(ZipEnd::Zip64At(le64(tail, pos - 20 + 8)?));
    }
    Some(ZipEnd::Directory { offset, size })
}

/// Reads a ZIP64 end-of-central-directory record.
pub fn zip64_directory(record: &[u8]) -> Option<ZipEnd> {
    if !record.starts_with(b"PK\x06\x06") {
        return None;
    }
    Some(ZipEnd::Directory {
        size: le64(record, 40)?,
        offset: le64(record, 48)?,
    })
}

/// The total uncompressed size the central directory declares (ZIP64 sizes included).
pub fn zip_declared_size(cd: &[u8]) -> Option<u64> {
    let mut at = 0;
    let mut total: u64 = 0;
    while at + 46 <= cd.len() {
        if !cd[at..].starts_with(b"PK\x01\x02") {
            return None;
        }
        let mut uncompressed = le32(cd, at + 24)?;
        let (name, extra, comment) = (le16(cd, at + 28)?, le16(cd, at + 30)?, le16(cd, at + 32)?);
        let extra_at = at + 46 + name as usize;
        if uncompressed == 0xFFFF_FFFF {
            let mut e = extra_at;
            while e + 4 <= extra_at + extra as usize {
                let (id, len) = (le16(cd, e)?, le16(cd, e + 2)? as usize);
                if id == 1 {
                    uncompressed = le64(cd, e + 4)?;
                    break;
                }
                e += 4 + len;
            }
        }
        total = total.saturating_add(uncompressed);
        at = extra_at + extra as usize + comment as usize;
    }
    Some(total)
}

/// Test material shared by unit and integration tests (the integration tests cannot reach
/// `#[cfg(test)]` items).
#[doc(hidden)]
pub mod zip_fixture {
    /// A minimal ZIP with one stored entry whose central directory declares `declared` bytes.
    pub fn zip_declaring(data: &[u8], declared: u32) -> Vec<u8> {
        let mut z = Vec::new();
        let name = b"a.txt";
        z.extend_from_slice(b"PK\x03\x04");
        z.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        z.extend_from_slice(&0u32.to_le_bytes());
        z.extend_from_slice(&(data.len() as u32).to_le_bytes());
        z.extend_from_slice(&declared.to_le_bytes());
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        z.extend_from_slice(name);
        z.extend_from_slice(data);
        let cd_at = z.len() as u32;
        z.extend_from_slice(b"PK\x01\x02");
        z.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        z.extend_from_slice(&0u32.to_le_bytes());
        z.extend_from_slice(&(data.len() as u32).to_le_bytes());
        z.extend_from_slice(&declared.to_le_bytes());
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        z.extend_from_slice(&0u32.to_le_bytes());
        z.extend_from_slice(name);
        let cd_size = z.len() as u32 - cd_at;
        z.extend_from_slice(b"PK\x05\x06");
        z.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
        z.extend_from_slice(&cd_size.to_le_bytes());
        z.extend_from_slice(&cd_at.to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        z
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_central_directory_sizes() {
        let z = zip_fixture::zip_declaring(b"hello", 300 * 1024 * 1024);
        let Some(ZipEnd::Directory { offset, size }) = zip_end(&z) else {
            panic!("no end record")
        };
        let cd = &z[offset as usize..(offset + size) as usize];
        assert_eq!(zip_declared_size(cd), Some(300 * 1024 * 1024));
        assert!(is_archive_bomb(z.len() as u64, 300 * 1024 * 1024));
        assert_eq!(zip_end(b"not a zip at all, just text"), None);
        assert_eq!(zip_declared_size(b"PK\x01\x02 too short"), Some(0));
        assert_eq!(zip_declared_size(&[b'X'; 60]), None);
    }

    #[test]
    fn link_states() {
        assert_eq!(link_state(None, None, None, 100, 5), LinkState::Active);
        assert_eq!(
            link_state(Some(1), Some(10), None, 0, 5),
            LinkState::Revoked
        );
        assert_eq!(link_state(None, Some(10), None, 0, 10), LinkState::Expired);
        assert_eq!(link_state(None, Some(10), None, 0, 9), LinkState::Active);
        assert_eq!(link_state(None, None, Some(3), 3, 0), LinkState::UsedUp);
        assert_eq!(
            link_state(None, Some(10), Some(3), 3, 11),
            LinkState::Expired
        );
    }

    #[test]
    fn expiry_dates_end_at_midnight_german_time() {
        // 2026-01-15 24:00 CET = 23:00 UTC
        assert_eq!(end_of_day_berlin("2026-01-15"), Some(1_768_518_000_000 - 1));
        // 2026-07-15 24:00 CEST = 22:00 UTC
        assert_eq!(end_of_day_berlin("2026-07-15"), Some(1_784_152_800_000 - 1));
        assert_eq!(end_of_day_berlin("2026-02-30"), None);
        assert_eq!(end_of_day_berlin("morgen"), None);
    }

    #[test]
    fn filenames_are_made_safe() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(
            sanitize_filename("C:\\Users\\max\\Jahresabschluss 2025.pdf"),
            "Jahresabschluss 2025.pdf"
        );
        assert_eq!(
            sanitize_filename("rechnung\u{202E}fdp.exe"),
            "rechnungfdp.exe"
        );
        assert_eq!(sanitize_filename("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(sanitize_filename(".htaccess"), "htaccess");
        assert_eq!(sanitize_filename("   "), "datei");
        assert_eq!(sanitize_filename("x\"y<z>.pdf"), "x_y_z_.pdf");
        let long = format!("{}.pdf", "ä".repeat(300));
        let s = sanitize_filename(&long);
        assert_eq!(s.chars().count(), FILENAME_MAX);
        assert!(s.ends_with(".pdf"));
        assert_eq!(
            sanitize_filename("Müller – Vollmacht (unterschrieben).docx"),
            "Müller – Vollmacht (unterschrieben).docx"
        );
    }

    #[test]
    fn tus_metadata() {
        let m = parse_metadata(
            "filename SmFocmVzYWJzY2hsdXNzLnBkZg==,filetype YXBwbGljYXRpb24vcGRm,empty",
        )
        .unwrap();
        assert_eq!(m[0], ("filename".into(), "Jahresabschluss.pdf".into()));
        assert_eq!(m[1], ("filetype".into(), "application/pdf".into()));
        assert_eq!(m[2], ("empty".into(), String::new()));
        assert_eq!(parse_metadata("").unwrap(), vec![]);
        assert!(parse_metadata("filename !!!").is_none());
        assert!(parse_metadata("a YQ==,a YQ==").is_none());
        assert!(parse_metadata("filename //79").is_none(), "not UTF-8");
    }

    #[test]
    fn checksums() {
        let h = "sha256 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        assert_eq!(parse_checksum(h).unwrap()[0], 0xe3);
        assert_eq!(parse_checksum("md5 abc="), Err(ChecksumError::Unsupported));
        assert_eq!(parse_checksum("sha256 kurz"), Err(ChecksumError::Malformed));
    }

    #[test]
    fn offsets_advance_by_whole_segments_only() {
        let seg = 65_536u64;
        assert_eq!(durable_offset(seg, 100_000, 1_000_000), 65_536);
        assert_eq!(durable_offset(seg, 65_535, 1_000_000), 0);
        assert_eq!(durable_offset(seg, 1_000_000, 1_000_000), 1_000_000);
        let h = Header::new([0; 7]);
        assert_eq!(blob_len_for(&h, 0, 10), HEADER_LEN as u64);
        assert_eq!(
            blob_len_for(&h, seg, 3 * seg),
            HEADER_LEN as u64 + seg + TAG_LEN as u64
        );
        assert_eq!(blob_len_for(&h, 10, 10), h.blob_len(10));
    }

    #[test]
    fn content_checks() {
        assert!(type_matches("a.pdf", b"%PDF-1.7 ..."));
        assert!(!type_matches("a.pdf", b"MZ\x90\x00 this is an exe"));
        assert!(!type_matches("rechnung.pdf", b"PK\x03\x04"));
        assert!(type_matches("vertrag.docx", b"PK\x03\x04...."));
        assert!(type_matches("notizen.txt", b"Hallo"));
        assert!(!type_matches("notizen.txt", b"MZ\x90\x00"));
        assert!(type_matches("foto.JPG", b"\xff\xd8\xff\xe0"));
        assert!(extension_allowed("a.PDF", &["pdf".into(), ".jpg".into()]));
        assert!(!extension_allowed("a.exe", &["pdf".into()]));
        assert!(extension_allowed("a.exe", &[]));
        assert!(!extension_allowed("README", &["pdf".into()]));
        assert_eq!(
            parse_allow_list(" pdf, .JPG png;docx pdf\n"),
            Ok(vec![
                "pdf".into(),
                "jpg".into(),
                "png".into(),
                "docx".into()
            ])
        );
        assert_eq!(parse_allow_list("  "), Ok(vec![]));
        assert_eq!(
            parse_allow_list("pdf, *.exe"),
            Err(AllowListError::NotAnExtension("*.exe".into()))
        );
        assert_eq!(
            parse_allow_list("."),
            Err(AllowListError::NotAnExtension(".".into()))
        );
        let many: Vec<String> = (0..51).map(|i| format!("x{i}")).collect();
        assert_eq!(
            parse_allow_list(&many.join(",")),
            Err(AllowListError::TooMany)
        );
        assert_eq!(extension_of("Scan.PDF"), Some("pdf".into()));
        assert_eq!(extension_of("README"), None);
        assert!(is_archive_bomb(1024 * 1024, 1024 * 1024 * 1024));
        assert!(!is_archive_bomb(500 * 1024 * 1024, 1024 * 1024 * 1024));
        assert!(!is_archive_bomb(10, 10_000));
    }

    mod properties {
        use super::super::*;
        use base64::{engine::general_purpose::STANDARD, Engine};
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            /// Whatever a client calls its file, what is stored is one plain name: no
            /// directories, no control or direction characters, no leading dot, not empty,
            /// at most 200 characters — and cleaning it again changes nothing.
            #[test]
            fn filenames_are_always_safe(raw in "\\PC{0,300}|[./\\\\\u{0}\u{202e}\u{200f}a-z:*?<>|\"]{0,40}") {
                let name = sanitize_filename(&raw);
                prop_assert!(!name.is_empty());
                prop_assert!(name.chars().count() <= FILENAME_MAX);
                prop_assert!(!name.contains('/') && !name.contains('\\'));
                prop_assert!(!name.starts_with('.'));
                let hidden = |c: char| c.is_control()
                    || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{FEFF}');
                prop_assert!(!name.chars().any(hidden), "hidden characters left in {:?}", name);
                prop_assert_eq!(sanitize_filename(&name), name);
            }

            /// Path tricks end as their last part.
            #[test]
            fn traversal_keeps_only_the_last_part(dirs in proptest::collection::vec("(\\.\\.|[a-z]{1,5}|\\.)", 0..6), sep in "[/\\\\]", file in "[a-z]{1,8}\\.pdf") {
                let raw = format!("{}{sep}{file}", dirs.join(&sep));
                prop_assert_eq!(sanitize_filename(&raw), file);
            }

            /// `Upload-Metadata`: arbitrary text never panics; what a client encodes comes back.
            #[test]
            fn metadata_round_trips(pairs in proptest::collection::btree_map("[a-z_]{1,12}", "\\PC{0,60}", 0..6), noise in "\\PC{0,200}") {
                let _ = parse_metadata(&noise);
                let header = pairs
                    .iter()
                    .map(|(k, v)| if v.is_empty() { k.clone() } else { format!("{k} {}", STANDARD.encode(v)) })
                    .collect::<Vec<_>>()
                    .join(",");
                let parsed = parse_metadata(&header).expect("well-formed metadata");
                let expected: Vec<(String, String)> = pairs.into_iter().collect();
                prop_assert_eq!(parsed, expected);
            }

            /// `Upload-Checksum`: arbitrary text never panics; a sha256 digest comes back.
            #[test]
            fn checksums_round_trip(digest in proptest::array::uniform32(any::<u8>()), noise in "\\PC{0,120}") {
                let _ = parse_checksum(&noise);
                prop_assert_eq!(parse_checksum(&format!("sha256 {}", STANDARD.encode(digest))), Ok(digest));
                prop_assert_eq!(parse_checksum(&format!("md5 {}", STANDARD.encode(digest))), Err(ChecksumError::Unsupported));
            }

            /// Offsets and lengths: exactly the decimal numbers up to i64::MAX.
            #[test]
            fn offsets_are_plain_decimal_numbers(n in 0..=i64::MAX as u64, noise in "\\PC{0,25}") {
                prop_assert_eq!(parse_offset(&n.to_string()), Some(n));
                prop_assert_eq!(parse_offset(&format!("+{n}")), None);
                prop_assert_eq!(parse_offset(&format!(" {n}")), None);
                prop_assert_eq!(parse_offset(&format!("-{n}")), None);
                if let Some(v) = parse_offset(&noise) {
                    let digits = v.to_string();
                    prop_assert_eq!(digits.trim_start_matches('0'), noise.trim_start_matches('0'));
                }
            }
        }

        #[test]
        fn offsets_beyond_i64_are_refused() {
            assert_eq!(parse_offset("9223372036854775807"), Some(i64::MAX as u64));
            assert_eq!(parse_offset("9223372036854775808"), None);
            assert_eq!(parse_offset("99999999999999999999"), None);
            assert_eq!(parse_offset(""), None);
        }
    }
}

/// Pure rules of the upload widget (browser side).
pub mod widget {
    /// Bytes per PATCH request from the browser: big enough for throughput, small enough that
    /// progress moves and a retry repeats little on a phone connection.
    pub const CHUNK: u64 = 4 * 1024 * 1024;

    /// Wait before retry `attempt` (0-based) after a network error or a 5xx: 1, 2, 4, 8, 16,
    /// then 30 s; `None` once the widget should stop and say the connection is gone.
    pub fn backoff_ms(attempt: u32) -> Option<u32> {
        match attempt {
            0..=4 => Some(1000 << attempt),
            5..=11 => Some(30_000),
            _ => None,
        }
    }

    /// Whether a failed request is worth retrying (network trouble, server busy or broken).
    pub fn retryable(status: Option<u16>) -> bool {
        match status {
            None => true,
            Some(s) => s == 408 || s == 409 || s == 423 || s == 429 || s >= 500,
        }
    }

    /// The key under which the browser remembers an upload's URL, so a reloaded page resumes
    /// the same file: per link (or staff context), file name, size and modification time.
    pub fn resume_key(scope: &str, name: &str, size: u64, modified_ms: u64) -> String {
        format!("kp-upload:{scope}:{size}:{modified_ms}:{name}")
    }

    /// Bytes per second over a sliding measurement and the seconds left, for the progress line.
    pub fn rate_and_eta(done_bytes: u64, elapsed_ms: u64, remaining: u64) -> (u64, Option<u64>) {
        if elapsed_ms < 500 || done_bytes == 0 {
            return (0, None);
        }
        let rate = done_bytes * 1000 / elapsed_ms;
        (rate, (rate > 0).then(|| remaining.div_ceil(rate)))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn backoff_grows_then_gives_up() {
            let delays: Vec<_> = (0..14).map(backoff_ms).collect();
            assert_eq!(
                &delays[..6],
                &[
                    Some(1000),
                    Some(2000),
                    Some(4000),
                    Some(8000),
                    Some(16000),
                    Some(30000)
                ]
            );
            assert_eq!(delays[11], Some(30000));
            assert_eq!(delays[12], None);
        }

        #[test]
        fn what_is_retried() {
            assert!(retryable(None));
            assert!(retryable(Some(503)));
            assert!(
                retryable(Some(409)),
                "offset mismatch: ask the server again"
            );
            assert!(!retryable(Some(413)));
            assert!(!retryable(Some(410)));
            assert!(!retryable(Some(404)));
        }

        #[test]
        fn eta() {
            assert_eq!(rate_and_eta(0, 1000, 100), (0, None));
            assert_eq!(
                rate_and_eta(10_000_000, 2_000, 20_000_000),
                (5_000_000, Some(4))
            );
            assert_eq!(resume_key("abc", "a.pdf", 3, 7), "kp-upload:abc:3:7:a.pdf");
        }
    }
}
