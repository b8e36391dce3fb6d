//! Invoices and quotes as PDF (A4): the same texts, numbers and dates as the HTML view — the
//! labels come from the same catalogue, amounts from `money::format_eur`, dates from
//! `ui::format` — set in DejaVu Sans, embedded as subsets with ToUnicode maps, so the text can
//! be searched and extracted. Long descriptions wrap; long documents continue on further pages
//! with the table head repeated and "Seite x von y" at the foot of each.

use super::money::{format_eur, format_quantity};
use super::{DocDetail, DocKind};
use crate::i18n::{fill, Lang};
use crate::ui::format;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::Document;
use skrifa::instance::{LocationRef, Size};
use skrifa::MetadataProvider;
use std::sync::OnceLock;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const LEFT: f32 = 56.0;
const RIGHT: f32 = PAGE_W - 56.0;
/// Below this, a new page begins (room for the foot).
const BOTTOM: f32 = PAGE_H - 70.0;
const TEXT: f32 = 9.5;
const SMALL: f32 = 8.0;
const LEADING: f32 = 1.35;

/// Right edges of the number columns, and where the description column ends.
const COL_QTY: f32 = 330.0;
const COL_PRICE: f32 = 415.0;
const COL_VAT: f32 = 460.0;
const COL_NET: f32 = RIGHT;
const DESC_W: f32 = 220.0;

#[derive(Clone, Copy, PartialEq)]
enum Weight {
    Regular,
    Bold,
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

/// What a page holds, laid out before anything is drawn (so every page knows the count).
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        align: Align,
        grey: bool,
        text: String,
    },
    Rule {
        y: f32,
    },
}

fn font_data(w: Weight) -> &'static [u8] {
    match w {
        Weight::Regular => REGULAR,
        Weight::Bold => BOLD,
    }
}

/// The width of `text` in points.
fn width(text: &str, size: f32, w: Weight) -> f32 {
    let Ok(font) = skrifa::FontRef::new(font_data(w)) else {
        return 0.0;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars()
        .map(|c| {
            charmap
                .map(c)
                .and_then(|g| metrics.advance_width(g))
                .unwrap_or(size * 0.5)
        })
        .sum()
}

/// Breaks `text` into lines no wider than `max` (words longer than a line are cut).
fn wrap(text: &str, size: f32, w: Weight, max: f32) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = match line.is_empty() {
                true => word.to_string(),
                false => format!("{line} {word}"),
            };
            if width(&candidate, size, w) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            // A word wider than the line on its own: cut it by characters.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if width(&piece, size, w) > max && piece.chars().count() > 1 {
                    piece.pop();
                    out.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        out.push(line);
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

/// Lays the document out into pages of operations.
struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: 56.0,
        }
    }

    fn page(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    fn text(&mut self, x: f32, size: f32, weight: Weight, align: Align, text: &str) {
        let y = self.y;
        self.page().push(Op::Text {
            x,
            y,
            size,
            weight,
            align,
            grey: false,
            text: text.to_string(),
        });
    }

    fn grey(&mut self, x: f32, size: f32, text: &str) {
        let y = self.y;
        self.page().push(Op::Text {
            x,
            y,
            size,
            weight: Weight::Regular,
            align: Align::Left,
            grey: true,
            text: text.to_string(),
        });
    }

    fn rule(&mut self) {
        let y = self.y;
        self.page().push(Op::Rule { y });
    }

    fn down(&mut self, size: f32) {
        self.y += size * LEADING;
    }

    /// Starts a new page when `needed` points do not fit; returns whether it did.
    fn room(&mut self, needed: f32) -> bool {
        if self.y + needed <= BOTTOM {
            return false;
        }
        self.pages.push(Vec::new());
        self.y = 56.0;
        true
    }
}

/// The PDF of a document, in `lang`.
pub fn render(d: &DocDetail, lang: Lang) -> Result<Vec<u8>, String> {
    let t = lang.t();
    let s = &d.summary;
    let mut l = Layout::new();

    // The firm (small, grey) and the recipient.
    for line in d.seller.lines() {
        l.grey(LEFT, SMALL, line);
        l.down(SMALL);
    }
    l.y = l.y.max(130.0);
    for line in d.recipient.lines() {
        l.text(LEFT, TEXT + 0.5, Weight::Regular, Align::Left, line);
        l.down(TEXT + 0.5);
    }
    l.y = l.y.max(230.0);

    // Title and dates.
    let kind = match s.kind {
        DocKind::Invoice => t.inv_kind_invoice,
        DocKind::Quote => t.inv_kind_quote,
    };
    let title = match s.number.is_empty() {
        true => format!("{kind} ({})", t.inv_st_draft),
        false => format!("{kind} {}", s.number),
    };
    l.text(LEFT, 16.0, Weight::Bold, Align::Left, &title);
    l.down(16.0);
    l.y += 4.0;
    let due_label = match s.kind {
        DocKind::Invoice => t.inv_due,
        DocKind::Quote => t.inv_valid_until,
    };
    let mut meta = Vec::new();
    if let Some(ms) = s.issued_at {
        meta.push((t.inv_issued, format::date(ms, lang)));
    }
    if let Some(ms) = s.due_at {
        meta.push((due_label, format::date(ms, lang)));
    }
    if let Some(q) = &d.from_quote {
        meta.push((t.inv_kind_quote, q.clone()));
    }
    for (label, value) in meta {
        l.text(LEFT, TEXT, Weight::Bold, Align::Left, label);
        l.text(LEFT + 90.0, TEXT, Weight::Regular, Align::Left, &value);
        l.down(TEXT);
    }
    l.y += 14.0;

    // The lines, with the head repeated on every page.
    let head = |l: &mut Layout| {
        l.text(
            LEFT,
            TEXT,
            Weight::Bold,
            Align::Left,
            t.inv_line_description,
        );
        for (x, label) in [
            (COL_QTY, t.inv_line_quantity),
            (COL_PRICE, t.inv_line_price_short),
            (COL_VAT, t.inv_line_vat),
            (COL_NET, t.inv_line_net),
        ] {
            l.text(x, TEXT, Weight::Bold, Align::Right, label);
        }
        l.y += 4.0;
        l.rule();
        l.y += TEXT * LEADING;
    };
    head(&mut l);
    for line in &d.lines {
        let desc = wrap(&line.description, TEXT, Weight::Regular, DESC_W);
        let height = desc.len() as f32 * TEXT * LEADING + 4.0;
        if l.room(height) {
            head(&mut l);
        }
        let quantity = format!(
            "{} {}",
            format_quantity(line.quantity_milli, lang),
            line.unit
        );
        l.text(
            COL_QTY,
            TEXT,
            Weight::Regular,
            Align::Right,
            quantity.trim(),
        );
        l.text(
            COL_PRICE,
            TEXT,
            Weight::Regular,
            Align::Right,
            &format_eur(line.unit_cents, lang),
        );
        l.text(
            COL_VAT,
            TEXT,
            Weight::Regular,
            Align::Right,
            &format!("{} %", line.vat.percent()),
        );
        l.text(
            COL_NET,
            TEXT,
            Weight::Regular,
            Align::Right,
            &format_eur(line.net_cents, lang),
        );
        for part in desc {
            l.text(LEFT, TEXT, Weight::Regular, Align::Left, &part);
            l.down(TEXT);
        }
        l.y += 4.0;
    }
    l.rule();
    l.y += TEXT * LEADING + 2.0;

    // Totals, right-aligned.
    let mut totals = vec![(
        t.inv_total_net.to_string(),
        format_eur(d.totals.net_cents, lang),
        Weight::Regular,
    )];
    for g in &d.totals.groups {
        totals.push((
            fill(
                t.inv_total_vat,
                &[
                    ("rate", &g.rate.percent().to_string()),
                    ("net", &format_eur(g.net_cents, lang)),
                ],
            ),
            format_eur(g.vat_cents, lang),
            Weight::Regular,
        ));
    }
    totals.push((
        t.inv_total_gross.to_string(),
        format_eur(d.totals.gross_cents, lang),
        Weight::Bold,
    ));
    l.room(totals.len() as f32 * (TEXT + 1.0) * LEADING + 8.0);
    for (label, value, weight) in totals {
        let size = if weight == Weight::Bold {
            TEXT + 1.0
        } else {
            TEXT
        };
        l.text(COL_PRICE + 40.0, size, weight, Align::Right, &label);
        l.text(COL_NET, size, weight, Align::Right, &value);
        l.down(size);
    }
    l.y += 16.0;

    // Notes, the client's comment on a quote, bank and tax details.
    let mut paragraphs: Vec<(Weight, String)> = Vec::new();
    if !d.notes.is_empty() {
        paragraphs.push((Weight::Regular, d.notes.clone()));
    }
    if !d.decision_comment.is_empty() {
        paragraphs.push((
            Weight::Regular,
            format!("{}: {}", t.inv_client_comment, d.decision_comment),
        ));
    }
    for (weight, text) in paragraphs {
        for part in wrap(&text, TEXT, weight, RIGHT - LEFT) {
            l.room(TEXT * LEADING);
            l.text(LEFT, TEXT, weight, Align::Left, &part);
            l.down(TEXT);
        }
        l.y += 6.0;
    }
    let mut foot: Vec<String> = d.bank.lines().map(str::to_string).collect();
    if !d.tax_id.is_empty() {
        foot.push(format!("{}: {}", t.inv_tax_id, d.tax_id));
    }
    if !foot.is_empty() {
        l.room(foot.len() as f32 * SMALL * LEADING + 10.0);
        l.y += 6.0;
        for line in foot {
            l.grey(LEFT, SMALL, &line);
            l.down(SMALL);
        }
    }
    draw(l.pages, &title, lang)
}

fn draw(pages: Vec<Vec<Op>>, title: &str, lang: Lang) -> Result<Vec<u8>, String> {
    static FONTS: OnceLock<Option<(Font, Font)>> = OnceLock::new();
    let (regular, bold) = FONTS
        .get_or_init(|| Some((Font::new(REGULAR.into(), 0)?, Font::new(BOLD.into(), 0)?)))
        .clone()
        .ok_or("the embedded fonts cannot be read")?;
    let t = lang.t();
    let count = pages.len();
    let mut doc = Document::new();
    doc.set_metadata(krilla::metadata::Metadata::new().title(title.to_string()));
    for (n, ops) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("page size")?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        let mut put =
            |x: f32, y: f32, size: f32, w: Weight, align: Align, grey: bool, text: &str| {
                let x = match align {
                    Align::Left => x,
                    Align::Right => x - width(text, size, w),
                };
                let shade = if grey { 90 } else { 20 };
                surface.set_fill(Some(Fill {
                    paint: rgb::Color::new(shade, shade, shade + 10).into(),
                    ..Default::default()
                }));
                let font = match w {
                    Weight::Regular => regular.clone(),
                    Weight::Bold => bold.clone(),
                };
                surface.draw_text(
                    Point::from_xy(x, y),
                    font,
                    size,
                    text,
                    false,
                    TextDirection::Auto,
                );
            };
        let mut rules = Vec::new();
        for op in &ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    weight,
                    align,
                    grey,
                    text,
                } => put(*x, *y, *size, *weight, *align, *grey, text),
                Op::Rule { y } => rules.push(*y),
            }
        }
        let pages_text = fill(
            t.inv_pdf_page,
            &[("n", &(n + 1).to_string()), ("of", &count.to_string())],
        );
        put(
            RIGHT,
            PAGE_H - 36.0,
            SMALL,
            Weight::Regular,
            Align::Right,
            true,
            &pages_text,
        );
        for y in rules {
            let mut path = PathBuilder::new();
            path.move_to(LEFT, y);
            path.line_to(RIGHT, y);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(180, 180, 190).into(),
                    width: 0.6,
                    ..Default::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoices::money::{totals, LineAmount, VatRate};
    use crate::invoices::{DocState, DocSummary, Line};

    fn sample(lines: usize) -> DocDetail {
        let lines: Vec<Line> = (0..lines)
            .map(|n| Line {
                id: n.to_string(),
                description: format!(
                    "Beratung Nr. {n} zur Umsatzsteuer-Voranmeldung mit Rückfragen"
                ),
                quantity_milli: 1500,
                unit: "Std.".into(),
                unit_cents: 12_000,
                vat: if n % 2 == 0 {
                    VatRate::Full
                } else {
                    VatRate::Reduced
                },
                net_cents: 18_000,
            })
            .collect();
        let amounts: Vec<LineAmount> = lines
            .iter()
            .map(|l| LineAmount {
                net_cents: l.net_cents,
                vat: l.vat,
            })
            .collect();
        DocDetail {
            summary: DocSummary {
                id: "x".into(),
                kind: DocKind::Invoice,
                client_id: "c".into(),
                client_name: "Müller & Söhne GmbH".into(),
                number: "2026-0042".into(),
                state: DocState::Sent,
                issued_at: Some(1_780_000_000_000),
                due_at: Some(1_781_200_000_000),
                gross_cents: 0,
                created_at: 0,
            },
            recipient: "Müller & Söhne GmbH\nMarktplatz 3\n20095 Hamburg".into(),
            seller: "Kanzlei A · Hauptstraße 1 · 10115 Berlin".into(),
            tax_id: "DE123456789".into(),
            bank: "IBAN DE02 1203 0000 0000 2020 51".into(),
            notes: "Zahlbar ohne Abzug.".into(),
            totals: totals(&amounts),
            lines,
            decision_comment: String::new(),
            from_quote: None,
        }
    }

    /// Renders a sample (written to `$KP_PDF_SAMPLE` when set, to look at it).
    #[test]
    fn a_sample_invoice_renders_on_as_many_pages_as_it_needs() {
        let one = render(&sample(3), Lang::De).unwrap();
        assert!(one.starts_with(b"%PDF-"));
        let many = render(&sample(40), Lang::De).unwrap();
        if let Ok(path) = std::env::var("KP_PDF_SAMPLE") {
            std::fs::write(&path, &one).unwrap();
            std::fs::write(format!("{path}.long.pdf"), &many).unwrap();
        }
        let pages = |pdf: &[u8]| {
            let text = String::from_utf8_lossy(pdf);
            text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
        };
        assert_eq!(pages(&one), 1);
        assert_eq!(pages(&many), 3);
    }

    #[test]
    fn long_words_and_texts_wrap_within_the_column() {
        let lines = wrap(
            "Beratung zur Umsatzsteuer-Voranmeldung für das erste Quartal einschließlich Rückfragen",
            TEXT,
            Weight::Regular,
            DESC_W,
        );
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines
            .iter()
            .all(|l| width(l, TEXT, Weight::Regular) <= DESC_W));
        let long = "X".repeat(200);
        let lines = wrap(&long, TEXT, Weight::Regular, DESC_W);
        assert_eq!(lines.concat(), long);
        assert!(width("100,00 €", TEXT, Weight::Regular) > 20.0);
        assert_eq!(
            wrap("a\n\nb", TEXT, Weight::Regular, DESC_W),
            ["a", "", "b"]
        );
    }
}
