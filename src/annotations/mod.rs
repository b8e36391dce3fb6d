//! Visual annotations (Markierungen): staff and client contacts place a pin or draw a
//! rectangle on an image or a PDF page of one file version and attach a comment; others reply
//! in a thread on it; a mark is resolved and reopened. A new version starts clean but shows
//! the previous version's open marks beside it. PDF pages are rendered on the server
//! (`preview`), cached sealed; the original is never touched.
//!
//! Coordinates are millionths of the page (0..[`SCALE`]), so a mark stays on its spot at every
//! screen size and zoom.

pub mod api;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod preview;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;

use serde::{Deserialize, Serialize};

/// The page's width and height in stored units.
pub const SCALE: i64 = 1_000_000;
pub const COMMENT_MAX: usize = 2_000;

/// A point on the page from a position on the shown image (`px`, `py` within a shown size of
/// `width` × `height`), in stored units; clamped to the page. `None` for an empty image.
pub fn normalize(px: f64, py: f64, width: f64, height: f64) -> Option<(i64, i64)> {
    let ok = |v: f64| v.is_finite() && v > 0.0;
    if !ok(width) || !ok(height) || !px.is_finite() || !py.is_finite() {
        return None;
    }
    let unit = |v: f64, size: f64| ((v / size).clamp(0.0, 1.0) * SCALE as f64).round() as i64;
    Some((unit(px, width), unit(py, height)))
}

/// The keyboard cursor moved by an arrow key (`big`: Shift held, a tenth of the page, else a
/// hundredth), kept on the page. `None` for any other key.
pub fn step(at: (i64, i64), key: &str, big: bool) -> Option<(i64, i64)> {
    let d = if big { SCALE / 10 } else { SCALE / 100 };
    let (dx, dy) = match key {
        "ArrowLeft" => (-d, 0),
        "ArrowRight" => (d, 0),
        "ArrowUp" => (0, -d),
        "ArrowDown" => (0, d),
        _ => return None,
    };
    Some(((at.0 + dx).clamp(0, SCALE), (at.1 + dy).clamp(0, SCALE)))
}

/// Where a mark sits on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Spot {
    pub page: i64,
    pub x: i64,
    pub y: i64,
    /// 0 × 0: a pin.
    pub w: i64,
    pub h: i64,
}

impl Spot {
    /// A pin at a point, or the rectangle between two corners (in any order), both kept on the
    /// page; `None` when a value is off the page or the page number is not positive.
    pub fn new(page: i64, a: (i64, i64), b: Option<(i64, i64)>) -> Option<Spot> {
        let on = |v: i64| (0..=SCALE).contains(&v);
        let (x0, y0) = a;
        let (x1, y1) = b.unwrap_or(a);
        if page < 1 || ![x0, y0, x1, y1].into_iter().all(on) {
            return None;
        }
        Some(Spot {
            page,
            x: x0.min(x1),
            y: y0.min(y1),
            w: (x1 - x0).abs(),
            h: (y1 - y0).abs(),
        })
    }

    pub fn is_pin(&self) -> bool {
        self.w == 0 && self.h == 0
    }

    /// Left and top as CSS percentages ("12.5%").
    pub fn css(&self) -> (String, String, String, String) {
        let pct = |v: i64| format!("{:.4}%", v as f64 * 100.0 / SCALE as f64);
        (pct(self.x), pct(self.y), pct(self.w), pct(self.h))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum PinState {
    #[default]
    Open,
    Resolved,
}

impl PinState {
    pub fn as_str(self) -> &'static str {
        match self {
            PinState::Open => "open",
            PinState::Resolved => "resolved",
        }
    }
    pub fn parse(s: &str) -> Option<PinState> {
        [PinState::Open, PinState::Resolved]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// A reply in a mark's thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub id: String,
    pub author_name: String,
    /// Written by the client (else by the firm).
    pub by_client: bool,
    pub text: String,
    pub created_at: i64,
}

/// A mark with its comment and thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pin {
    pub id: String,
    /// The version of the file it was placed on.
    pub version: i64,
    pub spot: Spot,
    pub state: PinState,
    pub author_name: String,
    pub by_client: bool,
    pub text: String,
    pub replies: Vec<Reply>,
    pub created_at: i64,
    pub resolved_by: String,
    pub resolved_at: Option<i64>,
}

/// How a file can be shown for marking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Image,
    Pdf,
}

impl Kind {
    /// By the file's name (its content was checked against its type at upload).
    pub fn of(name: &str) -> Option<Kind> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "png" | "jpg" | "jpeg" | "webp" => Some(Kind::Image),
            "pdf" => Some(Kind::Pdf),
            _ => None,
        }
    }
}

/// A file version ready for marking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub file_id: String,
    pub file_name: String,
    pub version: i64,
    pub kind: Kind,
    /// Pages to show (1 for images); 0 when the preview is not available.
    pub pages: i64,
    pub pins: Vec<Pin>,
    /// The previous version's marks still open ("noch offen aus v2").
    pub carried: Vec<Pin>,
}

/// The marks a new version shows beside it: the previous version's open ones, by page and
/// from top to bottom.
pub fn carried(previous: &[Pin]) -> Vec<Pin> {
    let mut open: Vec<Pin> = previous
        .iter()
        .filter(|p| p.state == PinState::Open)
        .cloned()
        .collect();
    open.sort_by_key(|p| (p.spot.page, p.spot.y, p.spot.x, p.created_at));
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrow_keys_move_the_cursor_in_steps_and_stay_on_the_page() {
        let mid = (SCALE / 2, SCALE / 2);
        assert_eq!(step(mid, "ArrowRight", false), Some((510_000, 500_000)));
        assert_eq!(step(mid, "ArrowUp", true), Some((500_000, 400_000)));
        assert_eq!(step((5_000, 0), "ArrowLeft", false), Some((0, 0)));
        assert_eq!(
            step((SCALE, SCALE), "ArrowDown", true),
            Some((SCALE, SCALE))
        );
        assert_eq!(step(mid, "Enter", false), None);
        // Ten small steps are one big one: what a keyboard places is exact, not drifting.
        let mut at = mid;
        for _ in 0..10 {
            at = step(at, "ArrowRight", false).unwrap();
        }
        assert_eq!(Some(at), step(mid, "ArrowRight", true));
    }

    #[test]
    fn positions_become_page_fractions_at_any_size() {
        // The same spot on a phone (375 px wide) and a desktop (1200 px wide).
        assert_eq!(
            normalize(93.75, 125.0, 375.0, 500.0),
            Some((250_000, 250_000))
        );
        assert_eq!(
            normalize(300.0, 400.0, 1200.0, 1600.0),
            Some((250_000, 250_000))
        );
        // Clamped to the page; nothing for an empty image or garbage.
        assert_eq!(normalize(-5.0, 900.0, 375.0, 500.0), Some((0, SCALE)));
        assert_eq!(normalize(1.0, 1.0, 0.0, 500.0), None);
        assert_eq!(normalize(f64::NAN, 1.0, 375.0, 500.0), None);
        assert_eq!(normalize(1.0, 1.0, 375.0, f64::INFINITY), None);
        // A third rounds to the nearest unit.
        assert_eq!(normalize(1.0, 2.0, 3.0, 3.0), Some((333_333, 666_667)));
    }

    #[test]
    fn pins_and_rectangles_stay_on_the_page() {
        assert_eq!(
            Spot::new(2, (100, 200), None),
            Some(Spot {
                page: 2,
                x: 100,
                y: 200,
                w: 0,
                h: 0
            })
        );
        assert!(Spot::new(2, (100, 200), None).unwrap().is_pin());
        // Corners in any order make the same rectangle.
        let r = Spot::new(1, (600_000, 700_000), Some((100_000, 200_000))).unwrap();
        assert_eq!(
            r,
            Spot {
                page: 1,
                x: 100_000,
                y: 200_000,
                w: 500_000,
                h: 500_000
            }
        );
        assert_eq!(
            r.css(),
            (
                "10.0000%".into(),
                "20.0000%".into(),
                "50.0000%".into(),
                "50.0000%".into()
            )
        );
        assert_eq!(Spot::new(0, (1, 1), None), None);
        assert_eq!(Spot::new(1, (SCALE + 1, 1), None), None);
        assert_eq!(Spot::new(1, (1, 1), Some((-1, 5))), None);
    }

    fn pin(id: &str, page: i64, y: i64, state: PinState) -> Pin {
        Pin {
            id: id.into(),
            version: 2,
            spot: Spot {
                page,
                x: 10,
                y,
                w: 0,
                h: 0,
            },
            state,
            author_name: "Kundin".into(),
            by_client: true,
            text: id.into(),
            replies: Vec::new(),
            created_at: 1,
            resolved_by: String::new(),
            resolved_at: None,
        }
    }

    #[test]
    fn a_new_version_carries_the_open_marks_in_reading_order() {
        let previous = [
            pin("p2-low", 2, 900_000, PinState::Open),
            pin("p1-done", 1, 100_000, PinState::Resolved),
            pin("p2-high", 2, 100_000, PinState::Open),
            pin("p1", 1, 500_000, PinState::Open),
        ];
        let ids: Vec<String> = carried(&previous).into_iter().map(|p| p.id).collect();
        assert_eq!(ids, ["p1", "p2-high", "p2-low"]);
        assert!(carried(&[]).is_empty());
    }

    #[test]
    fn markable_files_by_name() {
        assert_eq!(Kind::of("Entwurf.PDF"), Some(Kind::Pdf));
        assert_eq!(Kind::of("logo.webp"), Some(Kind::Image));
        assert_eq!(Kind::of("foto.JPEG"), Some(Kind::Image));
        assert_eq!(Kind::of("vertrag.docx"), None);
        assert_eq!(Kind::of("ohne-endung"), None);
    }
}
