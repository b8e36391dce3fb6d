//! GET /api/clients/{client_id}/export.zip — everything the firm holds about one client (a
//! DSGVO access request, Art. 15): `kunde.json` (details, notes, cases with their requested
//! documents, upload links, the list of files), `nachrichten.json` (every conversation,
//! decrypted), `protokoll.csv` (the client's audit events) and the files themselves, decrypted,
//! under `dateien/erhalten/` and `dateien/gesendet/`. Streamed; the export is recorded.
//! Files held back by the checks are listed, not included.

use crate::server::AppState;
use crate::uploads::zip::Part;
use axum::{
    extract::{Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use futures::TryStreamExt;
use serde_json::json;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/api/clients/{client_id}/export.zip",
        axum::routing::get(export),
    )
}

fn failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "client export failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

pub async fn export(
    State(st): State<AppState>,
    Path(client_id): Path<String>,
    req: Request,
) -> Response {
    let headers = req.headers();
    let user = match crate::auth::ctx::staff_http(
        &st,
        headers,
        crate::orgs::domain::Permission::DeleteClients,
    )
    .await
    {
        Ok(u) => u,
        Err(s) => return s.into_response(),
    };
    if let Err(s) = crate::auth::ctx::sees_client(&st, &user, &client_id).await {
        return s.into_response();
    }
    let (org, client) = (user.org_id.as_str(), client_id.as_str());
    let parts = match gather(&st, org, client).await {
        Ok(Some(p)) => p,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return failed(e),
    };
    let (ip, user_agent) = crate::auth::ctx::origin(&st, headers, req.extensions());
    let actor = crate::audit::repo::Actor {
        user_id: Some(user.user_id.clone()),
        name: user.name.clone(),
        ip,
        user_agent,
    };
    if let Err(e) = crate::audit::repo::record(
        &st.db,
        org,
        &actor,
        Some(client),
        crate::audit::action::CLIENT_EXPORTED,
        "",
    )
    .await
    {
        return failed(e);
    }
    let (parts, name) = parts;
    crate::uploads::zip::response(crate::uploads::zip::stream(&st, parts), &name)
}

/// The archive's parts and its name; `None` when the client is not the firm's.
async fn gather(
    st: &AppState,
    org: &str,
    client: &str,
) -> Result<Option<(Vec<Part>, String)>, String> {
    let e = |e: sqlx::Error| e.to_string();
    let db = &st.db;
    let Some((row, created_at, updated_at)) =
        super::repo::get(db, org, client, "").await.map_err(e)?
    else {
        return Ok(None);
    };
    let now = crate::server::db::now_ms();
    let notes = super::repo::notes(db, org, client).await.map_err(e)?;
    let mut cases = Vec::new();
    for c in crate::cases::repo::cases_of_client(db, org, client, "", now)
        .await
        .map_err(e)?
    {
        if let Some(l) = crate::cases::repo::load(db, org, &c.id, now)
            .await
            .map_err(e)?
        {
            cases.push(json!({
                "case": l.summary,
                "description": l.description,
                "requested_documents": l.items,
            }));
        }
    }
    let links: Vec<_> = crate::uploads::repo::links_of_client(db, org, client, "")
        .await
        .map_err(e)?
        .into_iter()
        .map(|l| {
            json!({
                "title": l.title,
                "created_at": l.created_at,
                "expires_at": l.expires_at,
                "files_received": l.files_received,
                "revoked": l.revoked_at.is_some(),
            })
        })
        .collect();
    let mut parts = Vec::new();
    let mut listed = Vec::new();
    for f in crate::uploads::repo::files_of_client(db, org, client, "")
        .await
        .map_err(e)?
    {
        let dir = if f.sent { "gesendet" } else { "erhalten" };
        let path = format!("dateien/{dir}/{}", f.name);
        let stored = crate::uploads::repo::stored_file(db, org, &f.id)
            .await
            .map_err(e)?;
        let included = matches!(&stored, Some(s) if !s.quarantined);
        listed.push(json!({
            "file": f,
            "in_archive": if included { Some(path.clone()) } else { None },
        }));
        if let (true, Some(file)) = (included, stored) {
            parts.push(Part::File { path, file });
        }
    }
    let kunde = json!({
        "exported_at": now,
        "client": row,
        "created_at": created_at,
        "updated_at": updated_at,
        "notes": notes,
        "cases": cases,
        "upload_links": links,
        "files": listed,
    });
    let messages = messages(st, org, client).await?;
    let audit = audit_csv(st, org, client).await.map_err(e)?;
    let mut all = vec![
        Part::Data {
            path: "kunde.json".into(),
            bytes: serde_json::to_vec_pretty(&kunde).map_err(|e| e.to_string())?,
        },
        Part::Data {
            path: "nachrichten.json".into(),
            bytes: serde_json::to_vec_pretty(&messages).map_err(|e| e.to_string())?,
        },
        Part::Data {
            path: "protokoll.csv".into(),
            bytes: audit.into_bytes(),
        },
    ];
    all.append(&mut parts);
    let name = format!(
        "{} (Export).zip",
        crate::uploads::domain::sanitize_filename(&row.name)
    );
    Ok(Some((all, name)))
}

/// Every conversation of the client, decrypted, system messages in words (German).
async fn messages(
    st: &AppState,
    org: &str,
    client: &str,
) -> Result<Vec<serde_json::Value>, String> {
    let t = crate::i18n::Lang::De.t();
    let mut convs = vec![(String::new(), t.chat_general.to_string())];
    convs.extend(
        crate::chat::repo::case_titles(&st.db, org, client, "")
            .await
            .map_err(|e| e.to_string())?,
    );
    let mut out = Vec::new();
    for (conv, title) in convs {
        let list =
            crate::chat::repo::conversation(&st.db, &st.master_key, org, client, &conv, i64::MAX)
                .await?;
        for m in list {
            let text = if m.author.is_system() {
                crate::chat::domain::System::decode(&m.text)
                    .map(|s| s.text(t))
                    .unwrap_or_default()
            } else {
                m.text
            };
            out.push(json!({
                "conversation": title,
                "at": m.created_at,
                "author": m.author.as_str(),
                "author_name": m.author_name,
                "text": text,
                "attachment": m.file.map(|f| f.name),
            }));
        }
    }
    Ok(out)
}

/// The client's audit events as CSV (the columns of the audit export).
async fn audit_csv(st: &AppState, org: &str, client: &str) -> Result<String, sqlx::Error> {
    let filter = crate::audit::Filter {
        client_id: client.to_string(),
        ..Default::default()
    };
    let q = crate::audit::repo::Query::new(org, &filter, (0, i64::MAX));
    let mut out = crate::audit::http::header_line();
    let mut batches = Box::pin(crate::audit::repo::all_entries(st.db.clone(), q));
    while let Some(batch) = batches.try_next().await? {
        for e in batch {
            out.push_str(&crate::audit::http::entry_line(&e, crate::i18n::Lang::De));
        }
    }
    Ok(out)
}
