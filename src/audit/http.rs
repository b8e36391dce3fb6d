//! GET /api/audit.csv?client=…&from=… — the filtered audit trail as CSV (ViewAudit), streamed
//! in batches. The export itself is recorded.

use super::Filter;
use crate::server::AppState;
use axum::{
    body::Body,
    extract::{Query, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use futures::StreamExt;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/audit.csv", get(export))
}

/// One CSV field: quoted when needed, and a leading `=`, `+`, `-`, `@` (a formula to a
/// spreadsheet) defused with an apostrophe.
pub fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn line(fields: &[&str]) -> String {
    let mut out = fields
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

/// The first line of an audit CSV (with the byte-order mark spreadsheets need for UTF-8).
pub fn header_line() -> String {
    format!(
        "\u{feff}{}",
        line(&[
            "time_utc",
            "actor",
            "client",
            "action",
            "action_label",
            "detail",
            "ip",
            "user_agent",
        ])
    )
}

/// One event as a CSV line (the action's name in `lang`).
pub fn entry_line(e: &super::Entry, lang: crate::i18n::Lang) -> String {
    line(&[
        &utc(e.created_at),
        &e.actor_name,
        e.client_name.as_deref().unwrap_or(""),
        &e.action,
        super::label(lang, &e.action),
        &e.detail,
        &e.ip,
        &e.user_agent,
    ])
}

/// "2026-01-15T09:30:00Z".
fn utc(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

async fn export(
    State(st): State<AppState>,
    Query(filter): Query<Filter>,
    req: Request,
) -> Response {
    let headers = req.headers();
    let lang = crate::i18n::Lang::of_headers(headers);
    let t = lang.t();
    let user = match crate::auth::ctx::staff_http(
        &st,
        headers,
        crate::orgs::domain::Permission::ViewAudit,
    )
    .await
    {
        Ok(u) => u,
        Err(StatusCode::FORBIDDEN) => {
            return (StatusCode::FORBIDDEN, t.err_forbidden_role).into_response()
        }
        Err(s) => return s.into_response(),
    };
    let range = match filter.range() {
        Ok(r) => r,
        Err(_) => return (StatusCode::UNPROCESSABLE_ENTITY, t.link_date_invalid).into_response(),
    };
    let (ip, user_agent) = crate::auth::ctx::origin(&st, headers, req.extensions());
    let actor = super::repo::Actor {
        user_id: Some(user.user_id.clone()),
        name: user.name.clone(),
        ip,
        user_agent,
    };
    let detail = filter.query();
    if let Err(e) = super::repo::record(
        &st.db,
        &user.org_id,
        &actor,
        None,
        super::action::AUDIT_EXPORTED,
        &detail,
    )
    .await
    {
        tracing::error!(error = %e, "audit failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let q = super::repo::Query::new(&user.org_id, &filter, range);
    let head = header_line();
    let rows = super::repo::all_entries(st.db.clone(), q).map(move |batch| {
        batch
            .map(|entries| {
                let out: String = entries.iter().map(|e| entry_line(e, lang)).collect();
                bytes::Bytes::from(out)
            })
            .map_err(std::io::Error::other)
    });
    let body = futures::stream::once(async move { Ok(bytes::Bytes::from(head)) }).chain(rows);
    crate::uploads::download::attachment(
        Body::from_stream(body),
        "text/csv; charset=utf-8",
        "audit.csv",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("Anna"), "Anna");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("sagt \"hallo\""), "\"sagt \"\"hallo\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "'-1");
        assert_eq!(line(&["a", "b\nc"]), "a,\"b\nc\"\r\n");
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
    }
}
