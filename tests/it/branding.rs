//! Branding: owners set colours (validated), a welcome text and a logo (sanitized); the client
//! portal and the upload page carry them, and the logo is served as an inert image.

use crate::helpers::{Db, TestApp};
use crate::on_both_databases;
use crate::uploads::firm_with_link;
use base64::{engine::general_purpose::STANDARD, Engine};
use reqwest::StatusCode;

fn red_png() -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut e = png::Encoder::new(&mut bytes, 3, 2);
        e.set_color(png::ColorType::Rgba);
        e.set_depth(png::BitDepth::Eight);
        e.add_text_chunk("Comment".into(), "Author: secret".into())
            .unwrap();
        let mut w = e.write_header().unwrap();
        w.write_image_data(&[255, 0, 0, 255].repeat(6)).unwrap();
    }
    bytes
}

async fn owners_brand_the_portal_and_the_upload_page(db: Db) {
    let app = TestApp::spawn(db).await;
    let (owner, _client, token) = firm_with_link(&app, &[]).await;
    let member = app.member(&owner, "m@kanzlei-a.de", "member").await;

    // Colours: checked, normalized; a member may not change them.
    let (s, b) = owner
        .call(
            "save_branding",
            &[("primary", "blau"), ("accent", "#0f766e")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["Invalid"]["field"], "primary");
    let (s, b) = owner.call("save_branding", &[("accent", "#12345g")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["Invalid"]["field"], "accent");
    let (s, _) = member
        .call("save_branding", &[("primary", "#ffd500")])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let welcome = "Willkommen bei Kanzlei A!\nLaden Sie hier Ihre Belege hoch.";
    let (s, b) = owner
        .call(
            "save_branding",
            &[
                ("primary", " #FFD500 "),
                ("accent", "#0F766E"),
                ("welcome", welcome),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Logo: anything but PNG/SVG is refused with a clear message; a PNG is stored anew.
    let (s, b) = owner
        .call("save_logo", &[("data", &STANDARD.encode(b"GIF89a...."))])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("PNG"), "{b}");
    let (s, b) = owner
        .call("save_logo", &[("data", &STANDARD.encode(red_png()))])
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, brand) = owner.call("load_branding", &[]).await;
    assert_eq!(brand["primary"], "#ffd500");
    assert_eq!(brand["accent"], "#0f766e");
    assert_eq!(brand["welcome"], welcome);
    let logo_url = brand["logo_url"].as_str().unwrap().to_string();
    let r = app.anonymous().get(&logo_url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    let bytes = r.bytes().await.unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("secret"));
    let mut png = png::Decoder::new(std::io::Cursor::new(&bytes[..]))
        .read_info()
        .unwrap();
    assert_eq!((png.info().width, png.info().height), (3, 2));
    let mut pixels = vec![0; png.output_buffer_size().unwrap()];
    png.next_frame(&mut pixels).unwrap();
    assert_eq!(&pixels[..4], &[255, 0, 0, 255]);

    // An SVG logo replaces it, without its script; the URL changes with the logo.
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4" onload="alert(1)"><script>alert(2)</script><rect width="4" height="4" fill="#0f766e"/></svg>"##;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (s, b) = owner
        .call("save_logo", &[("data", &STANDARD.encode(svg))])
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, brand) = owner.call("load_branding", &[]).await;
    let svg_url = brand["logo_url"].as_str().unwrap().to_string();
    assert_ne!(svg_url, logo_url);
    let r = app.anonymous().get(&svg_url).await;
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let served = r.text().await.unwrap();
    assert!(
        served.contains("<rect") && !served.contains("alert"),
        "{served}"
    );

    // The upload page and the client's portal carry the brand.
    let (s, link) = app
        .anonymous()
        .call("public_upload_link", &[("token", &token)])
        .await;
    assert_eq!(s, StatusCode::OK, "{link}");
    assert_eq!(link["brand"]["primary"], "#ffd500");
    assert_eq!(link["brand"]["welcome"], welcome);
    assert_eq!(link["brand"]["logo_url"], svg_url.as_str());
    let page = app
        .anonymous()
        .get(&format!("/u/{token}"))
        .await
        .text()
        .await
        .unwrap();
    let theme_url = link["brand"]["theme_url"].as_str().unwrap();
    assert!(page.contains(theme_url), "the page links the firm's theme");
    let r = app.anonymous().get(theme_url).await;
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
    let css = r.text().await.unwrap();
    assert!(css.starts_with(".branded{--brand:#ffd500;"), "{css}");
    assert!(
        css.contains("--brand-contrast:#111827;"),
        "dark text on yellow"
    );
    let phone = crate::portal::portal_browser(&app, "info@schmidt.de").await;
    let mail = crate::helpers::outbox_texts(&app)
        .into_iter()
        .find(|m| m.contains("/portal/m/"))
        .unwrap();
    assert!(mail.contains("background:#ffd500;color:#111827"), "{mail}");
    assert!(mail.contains(&svg_url), "{mail}");
    let (_, state) = phone.call("portal_state", &[]).await;
    assert_eq!(state["In"]["brand"]["accent"], "#0f766e", "{state}");
    assert_eq!(state["In"]["brand"]["logo_url"], svg_url.as_str());

    // Removed: no logo, the old URL is gone; the trail has every change.
    let (s, _) = owner.call("remove_logo", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        app.anonymous().get(&svg_url).await.status(),
        StatusCode::NOT_FOUND
    );
    let actions = crate::helpers::audit_actions(&app, "org.%").await;
    assert_eq!(
        actions,
        vec![
            "org.branding_changed",
            "org.logo_changed",
            "org.logo_changed",
            "org.logo_changed"
        ]
    );
}

on_both_databases!(owners_brand_the_portal_and_the_upload_page);
