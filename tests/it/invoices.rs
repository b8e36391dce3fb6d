//! Invoices and quotes, staff side: drafting with exact amounts, issuing with a gapless number
//! (also when many are issued at once), the client's mail, paid / cancelled / overdue, quotes
//! turned into invoices, and isolation between firms and from members who do not see the client.

use crate::helpers::{audit_actions, error_kind, outbox_texts, Caller, Db, TestApp};
use crate::on_both_databases;
use kundenportal::server::{db::now_ms, jobs};
use reqwest::StatusCode;
use serde_json::Value;

async fn ok(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let (s, v) = c.call(endpoint, form).await;
    assert_eq!(s, StatusCode::OK, "{endpoint}: {v}");
    v
}

/// A field error of a refused call: (status, field).
async fn refused(c: &Caller, endpoint: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let (s, v) = c.call(endpoint, form).await;
    let field = v["Invalid"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (
        s,
        if field.is_empty() {
            error_kind(&v)
        } else {
            field
        },
    )
}

/// A new draft of `kind` for `client` with the given lines (description, quantity, price, vat).
async fn draft(c: &Caller, client: &str, kind: &str, lines: &[(&str, &str, &str, &str)]) -> String {
    let id = ok(
        c,
        "create_invoice",
        &[("client_id", client), ("kind", kind)],
    )
    .await;
    let id = id.as_str().unwrap().to_string();
    for (description, quantity, price, vat) in lines {
        ok(
            c,
            "add_invoice_line",
            &[
                ("id", &id),
                ("description", description),
                ("quantity", quantity),
                ("unit", "Std."),
                ("unit_price", price),
                ("vat", vat),
            ],
        )
        .await;
    }
    id
}

fn year() -> i32 {
    time::OffsetDateTime::now_utc().year()
}

async fn invoices_are_drafted_issued_paid_cancelled_and_overdue(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let client = owner.create_client("Schmidt AG", "info@schmidt.de").await;
    let silent = owner.create_client("Ohne Mail KG", "").await;

    // The firm's billing details, checked.
    assert_eq!(
        refused(&owner, "save_billing", &[("terms_days", "0")]).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "terms_days".into())
    );
    ok(
        &owner,
        "save_billing",
        &[
            ("address", "Kanzlei A\nHauptstraße 1\n10115 Berlin"),
            ("tax_id", "DE123456789"),
            ("bank", "IBAN DE02 1203 0000 0000 2020 51"),
            ("terms_days", "14"),
            ("mail_text", "Guten Tag, Ihre Rechnung: {{ portal_url }}"),
        ],
    )
    .await;

    // A draft, its lines checked field by field, its amounts exact.
    let id = draft(&owner, &client, "invoice", &[]).await;
    let d = ok(&owner, "get_invoice", &[("id", &id)]).await;
    assert_eq!(d["summary"]["state"], "Draft");
    assert_eq!(d["summary"]["number"], "");
    assert_eq!(d["recipient"], "Schmidt AG");
    for (field, value, want) in [
        ("unit_price", "abc", "unit_price"),
        ("unit_price", "12,345", "unit_price"),
        ("unit_price", "-5", "unit_price"),
        ("quantity", "1,2345", "quantity"),
        ("quantity", "0", "quantity"),
        ("vat", "16", "vat"),
        ("description", "", "description"),
    ] {
        let mut form = vec![
            ("id", id.as_str()),
            ("description", "Beratung"),
            ("unit_price", "10"),
        ];
        form.retain(|(k, _)| *k != field);
        form.push((field, value));
        assert_eq!(
            refused(&owner, "add_invoice_line", &form).await,
            (StatusCode::UNPROCESSABLE_ENTITY, want.to_string()),
            "{field} = {value:?}"
        );
    }
    assert_eq!(
        refused(&owner, "send_invoice", &[("id", &id)]).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "description".into())
    );
    for (d, q, p, v) in [
        ("Beratung", "1,5", "120,00", "19"),
        ("Fahrtkosten", "1", "33,33", "7"),
        ("Versehen", "1", "5", "0"),
    ] {
        ok(
            &owner,
            "add_invoice_line",
            &[
                ("id", &id),
                ("description", d),
                ("quantity", q),
                ("unit_price", p),
                ("vat", v),
            ],
        )
        .await;
    }
    let d = ok(&owner, "get_invoice", &[("id", &id)]).await;
    let wrong = d["lines"][2]["id"].as_str().unwrap().to_string();
    ok(&owner, "remove_invoice_line", &[("line_id", &wrong)]).await;
    let d = ok(&owner, "get_invoice", &[("id", &id)]).await;
    // 1,5 × 120,00 = 180,00 (19 %: 34,20); 33,33 (7 %: 2,3331 → 2,33).
    assert_eq!(d["lines"].as_array().unwrap().len(), 2, "{d}");
    assert_eq!(d["totals"]["net_cents"], 21_333);
    assert_eq!(d["totals"]["vat_cents"], 3_420 + 233);
    assert_eq!(d["totals"]["gross_cents"], 24_986);
    assert_eq!(d["summary"]["gross_cents"], 24_986);
    ok(
        &owner,
        "save_invoice",
        &[
            ("id", &id),
            ("recipient", "Schmidt AG\nMarktplatz 3\n20095 Hamburg"),
            ("notes", "Zahlbar ohne Abzug."),
        ],
    )
    .await;
    assert_eq!(
        refused(&owner, "save_invoice", &[("id", &id), ("recipient", "")]).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "recipient".into())
    );

    // Issued: number, the firm's details, due in 14 days; the client is mailed once.
    let number = ok(&owner, "send_invoice", &[("id", &id)]).await;
    assert_eq!(number, format!("{}-0001", year()));
    let number = number.as_str().unwrap();
    let d = ok(&owner, "get_invoice", &[("id", &id)]).await;
    assert_eq!(d["summary"]["state"], "Sent");
    assert_eq!(d["seller"], "Kanzlei A\nHauptstraße 1\n10115 Berlin");
    assert_eq!(d["tax_id"], "DE123456789");
    let due = d["summary"]["due_at"].as_i64().unwrap();
    let days = (due - now_ms()) as f64 / 86_400_000.0;
    assert!((13.0..15.1).contains(&days), "{days}");
    jobs::run_due(&app.state, now_ms()).await.unwrap();
    jobs::run_due(&app.state, now_ms() + 3_600_000)
        .await
        .unwrap();
    let mails: Vec<String> = outbox_texts(&app)
        .into_iter()
        .filter(|m| m.contains(&format!("Rechnung {number}")))
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].contains("To: info@schmidt.de"), "{}", mails[0]);
    assert!(
        mails[0].contains(&format!("Guten Tag, Ihre Rechnung: {}/portal", app.url)),
        "{}",
        mails[0]
    );

    // What a client received stays as it was.
    for (f, form) in [
        (
            "save_invoice",
            vec![("id", id.as_str()), ("recipient", "X")],
        ),
        (
            "add_invoice_line",
            vec![
                ("id", id.as_str()),
                ("description", "X"),
                ("unit_price", "1"),
            ],
        ),
        ("delete_invoice", vec![("id", id.as_str())]),
        ("send_invoice", vec![("id", id.as_str())]),
    ] {
        assert_eq!(
            refused(&owner, f, &form).await,
            (StatusCode::CONFLICT, "Conflict".into()),
            "{f}"
        );
    }

    // Paid by transfer; nothing further happens to it.
    ok(
        &owner,
        "change_invoice_state",
        &[("id", &id), ("to", "paid")],
    )
    .await;
    for to in ["paid", "cancel"] {
        assert_eq!(
            refused(&owner, "change_invoice_state", &[("id", &id), ("to", to)]).await,
            (StatusCode::CONFLICT, "Conflict".into())
        );
    }

    // Another one is cancelled; a third becomes overdue when its due date passes.
    let line = [("Beratung", "1", "100", "19")];
    let cancelled = draft(&owner, &client, "invoice", &line).await;
    assert_eq!(
        ok(&owner, "send_invoice", &[("id", &cancelled)]).await,
        format!("{}-0002", year())
    );
    ok(
        &owner,
        "change_invoice_state",
        &[("id", &cancelled), ("to", "cancel")],
    )
    .await;
    let late = draft(&owner, &client, "invoice", &line).await;
    ok(&owner, "send_invoice", &[("id", &late)]).await;
    assert_eq!(
        kundenportal::invoices::overdue_scan(&app.state, now_ms())
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        kundenportal::invoices::overdue_scan(&app.state, now_ms() + 15 * 86_400_000)
            .await
            .unwrap(),
        1
    );
    let list = ok(&owner, "list_invoices", &[("state", "overdue")]).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["id"], late.as_str());
    assert_eq!(audit_actions(&app, "invoice.overdue").await.len(), 1);
    ok(
        &owner,
        "change_invoice_state",
        &[("id", &late), ("to", "paid")],
    )
    .await;
    let list = ok(&owner, "list_invoices", &[("client_id", &client)]).await;
    let states: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["Paid", "Cancelled", "Paid"]);

    // A draft can be deleted; a client without an address cannot be sent anything.
    let gone = draft(&owner, &client, "invoice", &[]).await;
    ok(&owner, "delete_invoice", &[("id", &gone)]).await;
    let (s, _) = owner.call("get_invoice", &[("id", &gone)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let unmailed = draft(&owner, &silent, "invoice", &line).await;
    assert_eq!(
        refused(&owner, "send_invoice", &[("id", &unmailed)]).await,
        (StatusCode::CONFLICT, "Conflict".into())
    );

    // Quotes have their own sequence; an accepted one becomes an invoice with its lines.
    let quote = draft(
        &owner,
        &client,
        "quote",
        &[("Jahresabschluss", "1", "1.500", "19")],
    )
    .await;
    assert_eq!(
        refused(&owner, "invoice_from_quote", &[("id", &quote)]).await,
        (StatusCode::CONFLICT, "Conflict".into())
    );
    assert_eq!(
        ok(&owner, "send_invoice", &[("id", &quote)]).await,
        format!("A-{}-0001", year())
    );
    assert_eq!(
        refused(
            &owner,
            "change_invoice_state",
            &[("id", &quote), ("to", "paid")]
        )
        .await,
        (StatusCode::CONFLICT, "Conflict".into())
    );

    // The client's portal: totals, never a draft, filter and sort, and the quote decided there.
    let open = draft(&owner, &client, "invoice", &line).await;
    ok(&owner, "send_invoice", &[("id", &open)]).await;
    let phone = crate::portal::portal_browser(&app, "info@schmidt.de").await;
    let all = ok(&phone, "portal_invoices", &[]).await;
    assert_eq!(all["paid_cents"], 24_986 + 11_900, "{all}");
    assert_eq!(all["outstanding_cents"], 11_900, "{all}");
    let shown: Vec<&str> = all["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(shown.len(), 5, "{all}");
    assert!(!shown.contains(&unmailed.as_str()));
    let open_only = ok(&phone, "portal_invoices", &[("state", "open")]).await;
    let states: Vec<&str> = open_only["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["Sent", "Sent"], "{open_only}");
    let highest = ok(&phone, "portal_invoices", &[("sort", "highest")]).await;
    assert_eq!(highest["docs"][0]["id"], quote.as_str());
    let lowest = ok(&phone, "portal_invoices", &[("sort", "lowest")]).await;
    assert_eq!(lowest["docs"][0]["gross_cents"], 11_900);
    let d = ok(&phone, "portal_invoice", &[("id", &id)]).await;
    assert_eq!(d["summary"]["number"], number);
    assert_eq!(d["totals"]["gross_cents"], 24_986);
    let pending = draft(&owner, &client, "invoice", &line).await;
    for (f, args) in [
        ("portal_invoice", vec![("id", pending.as_str())]),
        ("portal_invoice", vec![("id", unmailed.as_str())]),
        (
            "decide_quote",
            vec![("id", id.as_str()), ("decision", "accept")],
        ),
    ] {
        let (s, b) = phone.call(f, &args).await;
        let want = match f {
            "decide_quote" => StatusCode::CONFLICT,
            _ => StatusCode::NOT_FOUND,
        };
        assert_eq!(s, want, "{f} {args:?}: {b}");
    }
    let (s, _) = owner.call("portal_invoices", &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    ok(
        &phone,
        "decide_quote",
        &[
            ("id", &quote),
            ("decision", "accept"),
            ("comment", "Passt so."),
        ],
    )
    .await;
    let (s, _) = phone
        .call("decide_quote", &[("id", &quote), ("decision", "reject")])
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let d = ok(&owner, "get_invoice", &[("id", &quote)]).await;
    assert_eq!(d["summary"]["state"], "Accepted");
    assert_eq!(d["decision_comment"], "Passt so.");
    let bell = ok(&owner, "list_notifications", &[]).await;
    assert!(
        bell.as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "QuoteAccepted" && n["subject"] == format!("A-{}-0001", year())),
        "{bell}"
    );
    assert_eq!(audit_actions(&app, "invoice.quote_accepted").await.len(), 1);
    // A contact without the right to see invoices sees none.
    ok(
        &owner,
        "save_contact",
        &[
            ("client_id", &client),
            ("name", "Bernd Buchhaltung"),
            ("email", "bernd@schmidt.de"),
            ("rights[]", "files"),
        ],
    )
    .await;
    let bernd = crate::portal::portal_browser(&app, "bernd@schmidt.de").await;
    let (s, _) = bernd.call("portal_invoices", &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = bernd.call("portal_invoice", &[("id", &id)]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let from = ok(&owner, "invoice_from_quote", &[("id", &quote)]).await;
    let d = ok(&owner, "get_invoice", &[("id", from.as_str().unwrap())]).await;
    assert_eq!(d["summary"]["state"], "Draft");
    assert_eq!(d["summary"]["kind"], "Invoice");
    assert_eq!(d["from_quote"], format!("A-{}-0001", year()));
    assert_eq!(d["totals"]["gross_cents"], 178_500);

    // Another firm, and a member who does not see the client, find none of it.
    let other = app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    let (s, _) = other.call("get_invoice", &[("id", &id)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let list = ok(&other, "list_invoices", &[]).await;
    assert!(list.as_array().unwrap().is_empty(), "{list}");
    let outsider = app.member(&owner, "aussen@kanzlei-a.de", "member").await;
    ok(
        &owner,
        "save_restriction",
        &[("scope", "client"), ("id", &client), ("restricted", "on")],
    )
    .await;
    let (s, _) = outsider.call("get_invoice", &[("id", &id)]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let list = ok(&outsider, "list_invoices", &[]).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|d| d["client_id"] != client.as_str()),
        "{list}"
    );
    assert_eq!(audit_actions(&app, "invoice.sent").await.len(), 5);
    assert_eq!(audit_actions(&app, "invoice.paid").await.len(), 2);
}

async fn numbers_have_no_gaps_when_many_are_issued_at_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    let client = owner.create_client("Schmidt AG", "info@schmidt.de").await;
    let mut ids = Vec::new();
    for _ in 0..16 {
        ids.push(
            draft(
                &owner,
                &client,
                "invoice",
                &[("Beratung", "1", "100", "19")],
            )
            .await,
        );
    }
    // Sixteen issues at once, each racing for the next number.
    let owner = &owner;
    let numbers = futures::future::join_all(
        ids.iter()
            .map(|id| async move { owner.call("send_invoice", &[("id", id.as_str())]).await }),
    )
    .await;
    let mut numbers: Vec<String> = numbers
        .into_iter()
        .map(|(s, v)| {
            assert_eq!(s, StatusCode::OK, "{v}");
            v.as_str().unwrap().to_string()
        })
        .collect();
    numbers.sort();
    let want: Vec<String> = (1..=16).map(|n| format!("{}-{n:04}", year())).collect();
    assert_eq!(numbers, want);
    // Sending one of them again changes nothing.
    let (s, _) = owner.call("send_invoice", &[("id", &ids[0])]).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, list) = owner.call("list_invoices", &[("client_id", &client)]).await;
    let mut stored: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["number"].as_str().unwrap())
        .collect();
    stored.sort();
    assert_eq!(stored, want);
}

/// The text of a PDF as `pdftotext -layout` reads it.
fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/setup-test-services.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn pdfs_read_like_the_page_and_download_together(db: Db) {
    let app = TestApp::spawn(db).await;
    let owner = app.firm("Kanzlei A", "a@kanzlei-a.de").await;
    ok(
        &owner,
        "save_billing",
        &[
            ("address", "Kanzlei A\nHauptstraße 1\n10115 Berlin"),
            ("tax_id", "DE123456789"),
            ("bank", "IBAN DE02 1203 0000 0000 2020 51"),
            ("terms_days", "14"),
        ],
    )
    .await;
    let client = owner
        .create_client("Müller & Söhne GmbH", "info@mueller.de")
        .await;
    let other = owner.create_client("Andere KG", "info@andere.de").await;
    let long = "Beratung zur Umsatzsteuer-Voranmeldung für das erste Quartal einschließlich aller Rückfragen des Finanzamts";
    let id = draft(
        &owner,
        &client,
        "invoice",
        &[
            (long, "1,5", "120,00", "19"),
            ("Fahrtkosten", "1", "33,33", "7"),
        ],
    )
    .await;
    // A draft previews as PDF for staff, marked as one.
    let r = owner.get(&format!("/api/invoices/{id}/pdf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(text.contains("Rechnung (Entwurf)"), "{text}");
    let number = ok(&owner, "send_invoice", &[("id", &id)]).await;
    let number = number.as_str().unwrap().to_string();

    // Issued: the same number, names, amounts and dates as the page, German formats.
    let r = owner.get(&format!("/api/invoices/{id}/pdf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains(&format!("{number}_Rechnung.pdf")),
        "{disposition}"
    );
    let text = pdf_text(&r.bytes().await.unwrap());
    let d = ok(&owner, "get_invoice", &[("id", &id)]).await;
    let issued = kundenportal::ui::format::date(
        d["summary"]["issued_at"].as_i64().unwrap(),
        kundenportal::i18n::Lang::De,
    );
    for want in [
        format!("Rechnung {number}"),
        "Müller & Söhne GmbH".to_string(),
        "Hauptstraße 1".to_string(),
        "DE123456789".to_string(),
        issued,
        "Umsatzsteuer-Voranmeldung".to_string(),
        "Finanzamts".to_string(),
        "1,5 Std.".to_string(),
        "120,00 €".to_string(),
        "zzgl. 19 % USt. auf 180,00 €".to_string(),
        "2,33 €".to_string(),
        "249,86 €".to_string(),
        "Seite 1 von 1".to_string(),
    ] {
        assert!(text.contains(&want), "{want:?} missing in:\n{text}");
    }

    // Sixty lines run over onto a second page, the head repeated.
    let many: Vec<(String, &str, &str, &str)> = (1..=60)
        .map(|n| (format!("Position {n}"), "1", "10", "19"))
        .collect();
    let many: Vec<(&str, &str, &str, &str)> = many
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), *b, *c, *d))
        .collect();
    let big = draft(&owner, &client, "invoice", &many).await;
    ok(&owner, "send_invoice", &[("id", &big)]).await;
    let r = owner.get(&format!("/api/invoices/{big}/pdf")).await;
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(
        text.contains("Seite 2 von 2") && text.contains("Position 60"),
        "{text}"
    );
    assert_eq!(text.matches("Beschreibung").count(), 2, "{text}");
    // 60 × 10,00 € = 600,00 € + 114,00 € = 714,00 €.
    assert!(text.contains("714,00 €"), "{text}");

    // The client: single PDFs of what was issued to them, and several as one ZIP.
    let third = draft(
        &owner,
        &client,
        "quote",
        &[("Jahresabschluss", "1", "1.500", "19")],
    )
    .await;
    let third_number = ok(&owner, "send_invoice", &[("id", &third)]).await;
    let pending = draft(&owner, &client, "invoice", &[("Offen", "1", "1", "19")]).await;
    let foreign = draft(&owner, &other, "invoice", &[("Fremd", "1", "1", "19")]).await;
    ok(&owner, "send_invoice", &[("id", &foreign)]).await;
    let phone = crate::portal::portal_browser(&app, "info@mueller.de").await;
    let r = phone.get(&format!("/api/portal/invoices/{id}/pdf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(pdf_text(&r.bytes().await.unwrap()).contains("249,86 €"));
    for doc in [&pending, &foreign] {
        let r = phone.get(&format!("/api/portal/invoices/{doc}/pdf")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    let url = format!("/api/portal/invoices.zip?ids={id},{big},{third}");
    let r = phone.get(&url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let entries = crate::helpers::zip_entries(r.bytes().await.unwrap().to_vec()).await;
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(names[0], format!("{number}_Rechnung.pdf"));
    assert_eq!(
        names[2],
        format!("{}_Angebot.pdf", third_number.as_str().unwrap())
    );
    for (_, content) in &entries {
        let text = pdf_text(content);
        assert!(text.contains("Müller & Söhne GmbH"), "{text}");
    }
    // Anything not issued to this client spoils the whole archive; staff have no portal.
    let r = phone
        .get(&format!("/api/portal/invoices.zip?ids={id},{foreign}"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(owner.get(&url).await.status(), StatusCode::UNAUTHORIZED);
    // Another firm, and nobody signed in, get no PDF.
    let stranger = app.firm("Kanzlei B", "b@kanzlei-b.de").await;
    let staff_url = format!("/api/invoices/{id}/pdf");
    assert_eq!(
        stranger.get(&staff_url).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.anonymous().get(&staff_url).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

on_both_databases!(
    invoices_are_drafted_issued_paid_cancelled_and_overdue,
    numbers_have_no_gaps_when_many_are_issued_at_once,
    pdfs_read_like_the_page_and_download_together
);
