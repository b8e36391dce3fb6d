//! A firm's colours: parsing, WCAG 2 contrast, and the CSS custom properties the portal and the
//! upload page use. The properties are written from parsed numbers only, never from the text a
//! firm typed, so nothing but a colour can reach a style.

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

pub const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
pub const BLACK: Rgb = Rgb(0, 0, 0);
/// Near-black text, a shade darker than the app's `--text`.
pub const DARK: Rgb = Rgb(0x11, 0x18, 0x27);

/// WCAG AA for normal text.
pub const MIN_CONTRAST: f64 = 4.5;

/// `#rgb` or `#rrggbb` (any case, surrounding spaces ignored).
pub fn parse(s: &str) -> Option<Rgb> {
    let hex = s.trim().strip_prefix('#')?;
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let digit = |i: usize, len: usize| u8::from_str_radix(&hex[i..i + len], 16).ok();
    match hex.len() {
        3 => Some(Rgb(digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17)),
        6 => Some(Rgb(digit(0, 2)?, digit(2, 2)?, digit(4, 2)?)),
        _ => None,
    }
}

impl Rgb {
    /// `#rrggbb`, lower case.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Relative luminance (WCAG 2).
    pub fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = c as f64 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }

    /// Mixed with black: `amount` 0.0 (unchanged) to 1.0 (black).
    pub fn darker(self, amount: f64) -> Rgb {
        let f = |c: u8| (c as f64 * (1.0 - amount)).round().clamp(0.0, 255.0) as u8;
        Rgb(f(self.0), f(self.1), f(self.2))
    }
}

/// Contrast ratio of two colours, 1.0 to 21.0.
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// The text colour for a background: white or the app's dark text, whichever reads better —
/// or black for the mid-tones where neither reaches [`MIN_CONTRAST`] (white or black always
/// does: the better of the two is at least 4.58:1).
pub fn text_on(background: Rgb) -> Rgb {
    let better = |a: Rgb, b: Rgb| {
        if contrast(background, a) >= contrast(background, b) {
            a
        } else {
            b
        }
    };
    let text = better(WHITE, DARK);
    if contrast(background, text) >= MIN_CONTRAST {
        text
    } else {
        better(WHITE, BLACK)
    }
}

/// The colour itself if it reads on white, else the nearest darker shade that does (links and
/// headings in the brand colour on the white page).
pub fn readable_on_white(c: Rgb) -> Rgb {
    let mut shade = c;
    let mut step = 0.0;
    while contrast(shade, WHITE) < MIN_CONTRAST && step < 1.0 {
        step += 0.05;
        shade = c.darker(step);
    }
    shade
}

/// The custom properties of a branded page (empty colours keep the app's defaults). `--brand`
/// paints buttons, `--brand-contrast` their text, `--brand-text` brand-coloured text on white.
pub fn css_vars(primary: &str, accent: &str) -> String {
    let mut out = String::new();
    if let Some(p) = parse(primary) {
        out.push_str(&format!(
            "--brand:{};--brand-hover:{};--brand-contrast:{};--brand-text:{};",
            p.hex(),
            p.darker(0.15).hex(),
            text_on(p).hex(),
            readable_on_white(p).hex()
        ));
    }
    if let Some(a) = parse(accent) {
        out.push_str(&format!(
            "--accent:{};--accent-text:{};",
            a.hex(),
            readable_on_white(a).hex()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_in_both_forms_and_nothing_else() {
        assert_eq!(parse("#1D4ED8"), Some(Rgb(0x1d, 0x4e, 0xd8)));
        assert_eq!(parse(" #fff "), Some(WHITE));
        for bad in [
            "",
            "1d4ed8",
            "#12345",
            "#ggg",
            "red",
            "#fff;}body{x:y",
            "#ffff",
            "#ÿÿÿ",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn contrast_matches_wcag() {
        assert!((contrast(WHITE, Rgb(0, 0, 0)) - 21.0).abs() < 1e-9);
        assert!((contrast(WHITE, WHITE) - 1.0).abs() < 1e-9);
        // #767676 is the lightest grey that passes AA on white; #777777 fails.
        assert!(contrast(parse("#767676").unwrap(), WHITE) >= MIN_CONTRAST);
        assert!(contrast(parse("#777777").unwrap(), WHITE) < MIN_CONTRAST);
    }

    #[test]
    fn text_on_a_brand_colour_stays_readable() {
        // Light colours get dark text, dark ones white — always at least AA.
        assert_eq!(text_on(parse("#ffd500").unwrap()), DARK);
        assert_eq!(text_on(parse("#1d4ed8").unwrap()), WHITE);
        for step in (0..=255).step_by(15) {
            for c in [
                Rgb(step, 0, 0),
                Rgb(0, step, step),
                Rgb(step, step, 0),
                Rgb(step, step, step),
            ] {
                assert!(contrast(c, text_on(c)) >= MIN_CONTRAST, "{c:?}");
                let on_white = readable_on_white(c);
                assert!(contrast(on_white, WHITE) >= MIN_CONTRAST, "{c:?}");
            }
        }
        // A colour that already reads on white stays as chosen.
        let dark = parse("#0f766e").unwrap();
        assert_eq!(readable_on_white(dark), dark);
    }

    #[test]
    fn css_holds_only_parsed_colours() {
        assert_eq!(css_vars("", ""), "");
        assert_eq!(css_vars("red;} body {display:none", "#12"), "");
        let css = css_vars("#FFD500", "#0f766e");
        assert!(css.starts_with("--brand:#ffd500;--brand-hover:"), "{css}");
        assert!(css.contains("--brand-contrast:#111827;"), "{css}");
        assert!(
            css.contains("--accent:#0f766e;--accent-text:#0f766e;"),
            "{css}"
        );
        assert!(css
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-:#;".contains(c)));
    }
}
