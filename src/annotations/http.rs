//! The pages of a file for the marking view, as images: an image file as it is, a PDF page
//! rendered on the server (cached sealed). Staff: `/api/files/{id}/pages/{page}`; the client:
//! `/api/portal/files/{id}/pages/{page}`. A page that cannot be shown answers 422 with
//! "Vorschau nicht verfügbar".

use super::api::server::{page_image, Who};
use super::Kind;
use crate::orgs::domain::Permission;
use crate::server::AppState;
use axum::{
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/files/{id}/pages/{page}", get(staff_page))
        .route("/api/portal/files/{id}/pages/{page}", get(portal_page))
}

fn lang(headers: &HeaderMap) -> &'static crate::i18n::T {
    crate::i18n::Lang::of_headers(headers).t()
}

async fn staff_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((id, page)): Path<(String, i64)>,
) -> Response {
    let user = match crate::auth::ctx::staff_http(&st, &headers, Permission::ViewClients).await {
        Ok(u) => u,
        Err(s) => return s.into_response(),
    };
    if let Err(s) = crate::auth::ctx::sees_file(&st, &user, &id).await {
        return s.into_response();
    }
    let who = Who {
        st: &st,
        t: lang(&headers),
        org_id: &user.org_id,
        client: None,
        author: super::repo::Author {
            by_client: false,
            id: None,
            name: "",
        },
        actor: Default::default(),
    };
    serve(&who, &id, page).await
}

async fn portal_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path((id, page)): Path<(String, i64)>,
) -> Response {
    let session = match crate::portal::api::session_of(&st, &headers).await {
        Ok(s) => s,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let Some(session) = session else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Some((org_id, client_id)) = session.client.clone() else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if !session.rights.has(crate::portal::Right::Files) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let who = Who {
        st: &st,
        t: lang(&headers),
        org_id: &org_id,
        client: Some(&client_id),
        author: super::repo::Author {
            by_client: true,
            id: None,
            name: "",
        },
        actor: Default::default(),
    };
    serve(&who, &id, page).await
}

async fn serve(who: &Who<'_>, id: &str, page: i64) -> Response {
    let (f, kind) = match super::api::server::file(who, id).await {
        Ok(x) => x,
        Err(crate::error::AppError::NotFound) => return StatusCode::NOT_FOUND.into_response(),
        Err(crate::error::AppError::Invalid { message, .. }) => {
            return (StatusCode::UNPROCESSABLE_ENTITY, message).into_response()
        }
        Err(_) => return StatusCode::FORBIDDEN.into_response(),
    };
    let content_type = match (
        kind,
        f.name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()),
    ) {
        (Kind::Image, Some(e)) if e == "png" => "image/png",
        (Kind::Image, Some(e)) if e == "webp" => "image/webp",
        (Kind::Image, _) => "image/jpeg",
        (Kind::Pdf, _) => "image/png",
    };
    match page_image(who.st, who.org_id, &f, kind, page).await {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "private, max-age=3600"),
                // Shown as an image, never run as anything else.
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; sandbox",
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            who.t.mk_preview_unavailable,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page image");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
