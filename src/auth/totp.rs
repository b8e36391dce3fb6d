//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP with HMAC-SHA-1, 30-second
//! steps, 6 digits — what every authenticator app speaks), recovery codes and the otpauth URI.
//! Pure functions; storage and sign-in are in `auth::api`.

use data_encoding::BASE32_NOPAD;

pub const STEP_SECS: i64 = 30;
pub const DIGITS: u32 = 6;
/// Bytes of a secret (160 bits, RFC 4226's recommendation).
pub const SECRET_LEN: usize = 20;
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// HOTP value of `secret` at counter `step`, with `digits` digits.
pub fn hotp(secret: &[u8], step: u64, digits: u32) -> u32 {
    use ring::hmac;
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let mac = hmac::sign(&key, &step.to_be_bytes());
    let h = mac.as_ref();
    let at = (h[h.len() - 1] & 0x0f) as usize;
    let bin = u32::from_be_bytes([h[at] & 0x7f, h[at + 1], h[at + 2], h[at + 3]]);
    bin % 10u32.pow(digits)
}

/// The step of a unix time in seconds.
pub fn step_of(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// Checks a typed code (spaces allowed) against the steps around `now_step` (one either side
/// for clock drift), never accepting a step at or before `last_step` (a code is used once).
/// Returns the matching step.
pub fn verify(secret: &[u8], code: &str, now_step: i64, last_step: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let want: u32 = code.parse().ok()?;
    (now_step - 1..=now_step + 1)
        .filter(|s| *s > last_step && *s >= 0)
        .find(|s| hotp(secret, *s as u64, DIGITS) == want)
}

/// The secret as authenticator apps want it typed: base32, in groups of four.
pub fn secret_text(secret: &[u8]) -> String {
    let b = BASE32_NOPAD.encode(secret);
    b.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `otpauth://totp/Firm:email?secret=…&issuer=Firm` (the QR code's content).
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let enc = crate::ui::urlencode;
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        enc(issuer),
        enc(account),
        BASE32_NOPAD.encode(secret),
        enc(issuer)
    )
}

/// A recovery code from 10 random bytes: "abcd-efgh-ijkl-mnop" (base32, lower case).
pub fn recovery_code(random: &[u8; 10]) -> String {
    let b = BASE32_NOPAD.encode(random).to_lowercase();
    b.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A typed recovery code in its stored form (case, spaces and dashes do not matter).
pub fn normalize_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_6238_test_vectors() {
        // Appendix B, SHA-1, 8 digits.
        for (time, want) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(hotp(RFC_SECRET, step_of(time) as u64, 8), want, "{time}");
        }
        // RFC 4226 Appendix D, 6 digits.
        assert_eq!(hotp(RFC_SECRET, 0, 6), 755224);
        assert_eq!(hotp(RFC_SECRET, 9, 6), 520489);
    }

    #[test]
    fn codes_are_accepted_once_and_with_one_step_of_drift() {
        let now = step_of(1_700_000_000);
        let code = |s: i64| format!("{:06}", hotp(RFC_SECRET, s as u64, 6));
        assert_eq!(verify(RFC_SECRET, &code(now), now, 0), Some(now));
        assert_eq!(verify(RFC_SECRET, &code(now - 1), now, 0), Some(now - 1));
        assert_eq!(verify(RFC_SECRET, &code(now + 1), now, 0), Some(now + 1));
        assert_eq!(verify(RFC_SECRET, &code(now - 2), now, 0), None);
        // Used once: the same step again is refused.
        assert_eq!(verify(RFC_SECRET, &code(now), now, now), None);
        let spaced = format!("{} {}", &code(now)[..3], &code(now)[3..]);
        assert_eq!(verify(RFC_SECRET, &spaced, now, 0), Some(now));
        for bad in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(verify(RFC_SECRET, bad, now, 0), None, "{bad}");
        }
    }

    #[test]
    fn secrets_uris_and_recovery_codes_read_well() {
        assert_eq!(
            secret_text(RFC_SECRET),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        let uri = otpauth_uri(RFC_SECRET, "Kanzlei A & B", "a@b.de");
        assert!(uri.starts_with("otpauth://totp/Kanzlei%20A%20%26%20B:a%40b.de?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Kanzlei%20A%20%26%20B"), "{uri}");
        let code = recovery_code(&[0u8; 10]);
        assert_eq!(code, "aaaa-aaaa-aaaa-aaaa");
        assert_eq!(
            normalize_recovery(" AAAA-aaaa aaaa-AAAA "),
            "aaaaaaaaaaaaaaaa"
        );
    }
}
