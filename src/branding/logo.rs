//! A firm's logo, made safe before it is stored: a PNG is decoded and encoded anew (only its
//! pixels survive — no text chunks, no trailing data); an SVG is parsed without DTD and written
//! anew from an allow-list of drawing elements and attributes (no scripts, event handlers,
//! styles, foreign content or references outside the file). Anything else is refused.

/// Small enough that its base64 fits the 256 KiB body limit of server functions.
pub const MAX_BYTES: usize = super::MAX_LOGO_BYTES;
pub const MAX_SIDE: u32 = 2048;

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// More than [`MAX_BYTES`].
    TooBig,
    /// Wider or taller than [`MAX_SIDE`] pixels.
    TooLarge,
    /// Neither a readable PNG nor an SVG.
    NotAnImage,
}

pub struct Logo {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

pub fn sanitize(input: &[u8]) -> Result<Logo, Problem> {
    if input.len() > MAX_BYTES {
        return Err(Problem::TooBig);
    }
    if input.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(input)
    } else {
        svg(input)
    }
}

fn png(input: &[u8]) -> Result<Logo, Problem> {
    let mut decoder =
        png::Decoder::new_with_limits(std::io::Cursor::new(input), png::Limits { bytes: 64 << 20 });
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|_| Problem::NotAnImage)?;
    let (w, h) = (reader.info().width, reader.info().height);
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(Problem::TooLarge);
    }
    let mut pixels = vec![0; reader.output_buffer_size().ok_or(Problem::NotAnImage)?];
    let frame = reader
        .next_frame(&mut pixels)
        .map_err(|_| Problem::NotAnImage)?;
    let used = frame.line_size * frame.height as usize;
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, frame.width, frame.height);
    encoder.set_color(frame.color_type);
    encoder.set_depth(frame.bit_depth);
    let mut writer = encoder.write_header().map_err(|_| Problem::NotAnImage)?;
    writer
        .write_image_data(&pixels[..used])
        .map_err(|_| Problem::NotAnImage)?;
    writer.finish().map_err(|_| Problem::NotAnImage)?;
    Ok(Logo {
        content_type: "image/png",
        bytes,
    })
}

/// Drawing elements that are kept (with their allowed children); everything else is dropped
/// with its whole subtree.
const ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "defs",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
    "mask",
    "symbol",
    "use",
    "title",
    "desc",
];

/// Elements whose text is kept.
const TEXT_IN: &[&str] = &["text", "tspan", "title", "desc"];

const ATTRIBUTES: &[&str] = &[
    "id",
    "viewBox",
    "width",
    "height",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "fx",
    "fy",
    "d",
    "points",
    "transform",
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-dasharray",
    "stroke-dashoffset",
    "opacity",
    "clip-path",
    "clip-rule",
    "mask",
    "offset",
    "stop-color",
    "stop-opacity",
    "gradientUnits",
    "gradientTransform",
    "spreadMethod",
    "preserveAspectRatio",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "text-anchor",
    "dominant-baseline",
    "letter-spacing",
    "dx",
    "dy",
    "maskUnits",
    "clipPathUnits",
];

fn svg(input: &[u8]) -> Result<Logo, Problem> {
    let text = std::str::from_utf8(input).map_err(|_| Problem::NotAnImage)?;
    // roxmltree refuses a DTD (and with it entity expansion) unless told otherwise.
    let doc = roxmltree::Document::parse(text).map_err(|_| Problem::NotAnImage)?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG_NS) {
        return Err(Problem::NotAnImage);
    }
    let mut out = String::with_capacity(text.len());
    write(root, &mut out, true);
    Ok(Logo {
        content_type: "image/svg+xml",
        bytes: out.into_bytes(),
    })
}

fn write(node: roxmltree::Node, out: &mut String, root: bool) {
    let name = node.tag_name().name();
    if node.tag_name().namespace() != Some(SVG_NS) || !ELEMENTS.contains(&name) {
        return;
    }
    out.push('<');
    out.push_str(name);
    if root {
        out.push_str(" xmlns=\"");
        out.push_str(SVG_NS);
        out.push('"');
    }
    for a in node.attributes() {
        let key = match (a.namespace(), a.name()) {
            (None, "href") | (Some(XLINK_NS), "href") => "href",
            (None, n) if ATTRIBUTES.contains(&n) => n,
            _ => continue,
        };
        if !safe_value(key, a.value()) {
            continue;
        }
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        escape(a.value(), out);
        out.push('"');
    }
    out.push('>');
    for child in node.children() {
        if child.is_element() {
            write(child, out, false);
        } else if child.is_text() && TEXT_IN.contains(&name) {
            escape(child.text().unwrap_or(""), out);
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// References only inside the file (`#id`, `url(#id)`); nothing that could run or load.
fn safe_value(key: &str, value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if key == "href" {
        return value.starts_with('#');
    }
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("url(") {
        rest = rest[at + 4..].trim_start();
        if !rest.starts_with('#') && !rest.starts_with("'#") && !rest.starts_with("\"#") {
            return false;
        }
    }
    !["javascript:", "expression", "@import", "<", "data:"]
        .iter()
        .any(|bad| lower.contains(bad))
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_png(extra_chunk: bool) -> Vec<u8> {
        let mut bytes = Vec::new();
        {
            let mut e = png::Encoder::new(&mut bytes, 2, 1);
            e.set_color(png::ColorType::Rgb);
            e.set_depth(png::BitDepth::Eight);
            if extra_chunk {
                e.add_text_chunk("Comment".into(), "<script>alert(1)</script>".into())
                    .unwrap();
            }
            let mut w = e.write_header().unwrap();
            w.write_image_data(&[255, 0, 0, 0, 0, 255]).unwrap();
        }
        bytes
    }

    #[test]
    fn pngs_keep_their_pixels_and_nothing_else() {
        let mut input = tiny_png(true);
        input.extend_from_slice(b"<html>trailing</html>");
        let logo = sanitize(&input).unwrap();
        assert_eq!(logo.content_type, "image/png");
        let text = String::from_utf8_lossy(&logo.bytes);
        assert!(!text.contains("script") && !text.contains("trailing"));
        let mut r = png::Decoder::new(std::io::Cursor::new(&logo.bytes[..]))
            .read_info()
            .unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        r.next_frame(&mut buf).unwrap();
        assert_eq!(&buf[..6], &[255, 0, 0, 0, 0, 255]);
    }

    #[test]
    fn broken_huge_or_foreign_files_are_refused() {
        let png = tiny_png(false);
        assert_eq!(
            sanitize(&png[..png.len() - 20]).err(),
            Some(Problem::NotAnImage)
        );
        assert_eq!(
            sanitize(&vec![b' '; MAX_BYTES + 1]).err(),
            Some(Problem::TooBig)
        );
        let mut wide = Vec::new();
        {
            let mut e = png::Encoder::new(&mut wide, MAX_SIDE + 1, 1);
            e.set_color(png::ColorType::Grayscale);
            let mut w = e.write_header().unwrap();
            w.write_image_data(&vec![0; MAX_SIDE as usize + 1]).unwrap();
        }
        assert_eq!(sanitize(&wide).err(), Some(Problem::TooLarge));
        for other in [
            &b"GIF89a"[..],
            b"<html><body>hi</body></html>",
            b"<svg>no namespace</svg>",
            b"\xff\xd8\xff\xe0 jpeg",
        ] {
            assert_eq!(sanitize(other).err(), Some(Problem::NotAnImage));
        }
        // A DTD (entity expansion) is refused outright.
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>"#;
        assert_eq!(sanitize(bomb).err(), Some(Problem::NotAnImage));
    }

    #[test]
    fn svgs_keep_drawing_and_lose_everything_active() {
        let input = br##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" onload="alert(1)" style="background:url(https://evil.example/x)">
            <script>alert(1)</script>
            <style>@import url(https://evil.example/a.css);</style>
            <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>
            <rect width="10" height="10" fill="url(#g)" onclick="steal()"/>
            <circle r="2" fill="url(https://evil.example/p)"/>
            <a href="javascript:alert(1)"><path d="M0 0L1 1"/></a>
            <use xlink:href="#g"/><use href="https://evil.example/s.svg#x"/>
            <image href="https://evil.example/track.png"/>
            <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject>
            <text x="1" y="9" font-family="serif">Kanzlei &amp; Co &lt;3</text>
        </svg>"##;
        let logo = sanitize(input).unwrap();
        assert_eq!(logo.content_type, "image/svg+xml");
        let out = String::from_utf8(logo.bytes).unwrap();
        for gone in [
            "script",
            "onload",
            "onclick",
            "style",
            "@import",
            "evil",
            "javascript",
            "<a",
            "image",
            "foreignObject",
            "html",
        ] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        for kept in [
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">"#,
            r##"<rect width="10" height="10" fill="url(#g)"></rect>"##,
            r##"<use href="#g"></use>"##,
            r##"<stop offset="0" stop-color="#fff"></stop>"##,
            "Kanzlei &amp; Co &lt;3",
        ] {
            assert!(out.contains(kept), "{kept} not in {out}");
        }
        // What comes out is itself a valid SVG document.
        assert!(roxmltree::Document::parse(&out).is_ok());
    }
}
