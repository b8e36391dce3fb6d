//! Server functions of marks. Staff who see a file read its marks (ViewClients) and those who
//! may edit add, answer, resolve and reopen them (EditClients); in the portal the right
//! "files" opens the client's own files for marking.

use super::Review;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::super::{preview, repo, Kind, PinState, Review, Spot};
    use crate::error::AppError;
    use crate::i18n::T;
    use crate::server::AppState;

    pub fn internal(e: impl std::fmt::Display) -> AppError {
        tracing::error!(error = %e, "annotations");
        AppError::Internal
    }

    /// Who is marking: the firm's staff member or the signed-in client.
    pub struct Who<'a> {
        pub st: &'a AppState,
        pub t: &'static T,
        pub org_id: &'a str,
        /// The client a portal session is limited to (`None`: staff, checked before).
        pub client: Option<&'a str>,
        pub author: repo::Author<'a>,
        pub actor: crate::audit::repo::Actor,
    }

    /// The file, if it is there for this caller and can be marked.
    pub async fn file(w: &Who<'_>, id: &str) -> Result<(repo::FileRow, Kind), AppError> {
        let f = repo::file(&w.st.db, w.org_id, w.client, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !f.clean {
            return Err(AppError::Forbidden(w.t.chat_file_blocked.into()));
        }
        let kind =
            Kind::of(&f.name).ok_or_else(|| AppError::invalid("file_id", w.t.mk_not_markable))?;
        Ok((f, kind))
    }

    /// The plaintext of a stored file (at most `max` bytes, else `None`).
    pub async fn plaintext(
        st: &AppState,
        org_id: &str,
        id: &str,
        max: usize,
    ) -> Result<Option<Vec<u8>>, String> {
        use futures::StreamExt;
        let f = crate::uploads::repo::stored_file(&st.db, org_id, id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("file vanished")?;
        if f.size as usize > max {
            return Ok(None);
        }
        let mut s = Box::pin(crate::uploads::download::plaintext_stream_from(st, &f, 0)?);
        let mut out = Vec::with_capacity(f.size as usize);
        while let Some(chunk) = s.next().await {
            out.extend_from_slice(&chunk.map_err(|e| e.to_string())?);
        }
        Ok(Some(out))
    }

    /// A PDF's page count, rendered once and cached; 0 when it cannot be shown.
    pub async fn pages(st: &AppState, org_id: &str, f: &repo::FileRow) -> Result<i64, String> {
        let m = &st.master_key;
        match repo::cached(&st.db, m, org_id, &f.client_id, &f.id, 0).await? {
            Some(Ok((n, _))) => return Ok(n),
            Some(Err(())) => return Ok(0),
            None => {}
        }
        let result = match plaintext(st, org_id, &f.id, preview::MAX_PDF).await? {
            None => Err(preview::Unavailable::TooLarge),
            Some(pdf) => preview::pages(&pdf).await,
        };
        if result == Err(preview::Unavailable::Missing) {
            // Not cached: installing poppler makes it work.
            return Ok(0);
        }
        let cached = result.as_ref().map(|n| (*n, &[][..])).map_err(|_| ());
        repo::cache(&st.db, m, org_id, &f.client_id, &f.id, 0, cached).await?;
        Ok(result.unwrap_or(0))
    }

    /// The image of one page: an image file as it is, a PDF page rendered (and cached).
    pub async fn page_image(
        st: &AppState,
        org_id: &str,
        f: &repo::FileRow,
        kind: Kind,
        page: i64,
    ) -> Result<Option<Vec<u8>>, String> {
        if kind == Kind::Image {
            return match page {
                1 => plaintext(st, org_id, &f.id, preview::MAX_PDF).await,
                _ => Ok(None),
            };
        }
        let pages = pages(st, org_id, f).await?;
        if page < 1 || page > pages {
            return Ok(None);
        }
        let m = &st.master_key;
        match repo::cached(&st.db, m, org_id, &f.client_id, &f.id, page).await? {
            Some(Ok((_, png))) => return Ok(Some(png)),
            Some(Err(())) => return Ok(None),
            None => {}
        }
        let Some(pdf) = plaintext(st, org_id, &f.id, preview::MAX_PDF).await? else {
            return Ok(None);
        };
        let result = preview::page_png(&pdf, page).await;
        if result == Err(preview::Unavailable::Missing) {
            return Ok(None);
        }
        let cached = result.as_deref().map(|png| (pages, png)).map_err(|_| ());
        repo::cache(&st.db, m, org_id, &f.client_id, &f.id, page, cached).await?;
        Ok(result.ok())
    }

    pub async fn review(w: &Who<'_>, file_id: &str) -> Result<Review, AppError> {
        let (f, kind) = file(w, file_id).await?;
        let st = w.st;
        let pages = match kind {
            Kind::Image => 1,
            Kind::Pdf => pages(st, w.org_id, &f).await.map_err(internal)?,
        };
        let m = &st.master_key;
        let pins = repo::pins(&st.db, m, w.org_id, &f.client_id, &f.id, f.version)
            .await
            .map_err(internal)?;
        let carried = match &f.previous {
            Some(prev) => {
                let before = repo::pins(&st.db, m, w.org_id, &f.client_id, prev, f.version - 1)
                    .await
                    .map_err(internal)?;
                super::super::carried(&before)
            }
            None => Vec::new(),
        };
        Ok(Review {
            file_id: f.id,
            file_name: f.name,
            version: f.version,
            kind,
            pages,
            pins,
            carried,
        })
    }

    fn comment(t: &T, text: Option<&str>) -> Result<String, AppError> {
        crate::validate::text_field(t, "text", text, super::super::COMMENT_MAX, true, true)
    }

    /// A new mark; the others hear of it (bell for staff, audit either way).
    pub async fn add(
        w: &Who<'_>,
        file_id: &str,
        spot: Option<Spot>,
        text: Option<&str>,
    ) -> Result<String, AppError> {
        let (f, _) = file(w, file_id).await?;
        let spot = spot.ok_or_else(|| AppError::invalid("x", w.t.mk_spot_invalid))?;
        let text = comment(w.t, text)?;
        let now = crate::server::db::now_ms();
        let id = repo::add(
            &w.st.db,
            &w.st.master_key,
            &repo::NewPin {
                org_id: w.org_id,
                client_id: &f.client_id,
                file_id: &f.id,
                spot,
                text: &text,
                author: w.author_ref(),
                now,
            },
        )
        .await
        .map_err(internal)?;
        tell(w, &f, crate::audit::action::PIN_ADDED, now).await?;
        Ok(id)
    }

    /// The pin's file, if it is there for this caller.
    async fn pin_file(w: &Who<'_>, pin_id: &str) -> Result<repo::FileRow, AppError> {
        let (client, file_id) = repo::pin_place(&w.st.db, w.org_id, pin_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if w.client.is_some_and(|c| c != client) {
            return Err(AppError::NotFound);
        }
        Ok(file(w, &file_id).await?.0)
    }

    pub async fn reply(w: &Who<'_>, pin_id: &str, text: Option<&str>) -> Result<String, AppError> {
        let f = pin_file(w, pin_id).await?;
        let text = comment(w.t, text)?;
        let now = crate::server::db::now_ms();
        let id = repo::reply(
            &w.st.db,
            &w.st.master_key,
            &repo::NewReply {
                org_id: w.org_id,
                client_id: &f.client_id,
                pin_id,
                text: &text,
                author: w.author_ref(),
                now,
            },
        )
        .await
        .map_err(internal)?;
        tell(w, &f, crate::audit::action::PIN_REPLIED, now).await?;
        Ok(id)
    }

    pub async fn set_state(w: &Who<'_>, pin_id: &str, state: &str) -> Result<(), AppError> {
        let f = pin_file(w, pin_id).await?;
        let to =
            PinState::parse(state).ok_or_else(|| AppError::invalid("state", w.t.f_required))?;
        let now = crate::server::db::now_ms();
        if repo::set_state(&w.st.db, w.org_id, pin_id, to, w.author.name, now).await? {
            let action = match to {
                PinState::Resolved => crate::audit::action::PIN_RESOLVED,
                PinState::Open => crate::audit::action::PIN_REOPENED,
            };
            tell(w, &f, action, now).await?;
        }
        Ok(())
    }

    /// Audit, a bell entry for the firm when the client acted, and a chat message with a link
    /// for both sides (so the client hears of the firm's answers and resolutions too).
    async fn tell(w: &Who<'_>, f: &repo::FileRow, action: &str, now: i64) -> Result<(), AppError> {
        use crate::chat::domain::{MarkEvent, System};
        let db = &w.st.db;
        let what = match action {
            crate::audit::action::PIN_REPLIED => MarkEvent::Replied,
            crate::audit::action::PIN_RESOLVED => MarkEvent::Resolved,
            crate::audit::action::PIN_REOPENED => MarkEvent::Reopened,
            _ => MarkEvent::Added,
        };
        let message = System::Marked(f.name.clone(), f.id.clone(), w.author.by_client, what);
        crate::chat::api::system(w.st, w.org_id, &f.client_id, None, message).await;
        crate::audit::repo::record(db, w.org_id, &w.actor, Some(&f.client_id), action, &f.name)
            .await?;
        if w.author.by_client {
            crate::notify::repo::note_members(
                db,
                w.org_id,
                &f.client_id,
                crate::notify::Kind::PinActivity,
                &f.name,
                now,
            )
            .await?;
        }
        Ok(())
    }

    impl Who<'_> {
        fn author_ref(&self) -> repo::Author<'_> {
            repo::Author {
                by_client: self.author.by_client,
                id: self.author.id,
                name: self.author.name,
            }
        }
    }

    /// The caller as staff (the permission checked, the file's visibility checked per call).
    pub async fn staff(
        p: crate::orgs::domain::Permission,
        file_id: Option<&str>,
    ) -> Result<crate::auth::ctx::Staff, AppError> {
        let me = crate::auth::ctx::staff(p).await?;
        if let Some(f) = file_id {
            me.require_file(f).await?;
        }
        Ok(me)
    }
}

/// A staff member's view of a file version for marking.
#[server(prefix = "/api", endpoint = "load_review")]
pub async fn load_review(file_id: String) -> Result<Review, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let me =
                server::staff(crate::orgs::domain::Permission::ViewClients, Some(&file_id)).await?;
            let w = staff_who(&me);
            server::review(&w, &file_id).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn staff_who(me: &crate::auth::ctx::Staff) -> server::Who<'_> {
    server::Who {
        st: &me.req.state,
        t: me.t(),
        org_id: me.org_id(),
        client: None,
        author: super::repo::Author {
            by_client: false,
            id: Some(&me.user.user_id),
            name: &me.user.name,
        },
        actor: me.actor(),
    }
}

#[cfg(feature = "ssr")]
fn portal_who(p: &crate::portal::api::Portal) -> server::Who<'_> {
    server::Who {
        st: &p.req.state,
        t: p.req.t(),
        org_id: &p.org_id,
        client: Some(&p.client_id),
        author: super::repo::Author {
            by_client: true,
            id: None,
            name: &p.session.client_name,
        },
        actor: p.actor(),
    }
}

#[cfg(feature = "ssr")]
fn spot(page: i64, x: i64, y: i64, x2: Option<i64>, y2: Option<i64>) -> Option<super::Spot> {
    let second = match (x2, y2) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    super::Spot::new(page, (x, y), second)
}

/// Staff place a pin (`x`, `y` in millionths of page `page`) or a rectangle (to `x2`, `y2`)
/// with a comment.
#[server(prefix = "/api", endpoint = "add_pin")]
pub async fn add_pin(
    file_id: String,
    page: i64,
    x: i64,
    y: i64,
    x2: Option<i64>,
    y2: Option<i64>,
    text: Option<String>,
) -> Result<String, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let me =
                server::staff(crate::orgs::domain::Permission::EditClients, Some(&file_id)).await?;
            server::add(
                &staff_who(&me),
                &file_id,
                spot(page, x, y, x2, y2),
                text.as_deref(),
            )
            .await
        }
        .await,
    )
}

/// Staff answer on a mark.
#[server(prefix = "/api", endpoint = "reply_pin")]
pub async fn reply_pin(pin_id: String, text: Option<String>) -> Result<String, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let me = server::staff(crate::orgs::domain::Permission::EditClients, None).await?;
            let w = staff_who(&me);
            staff_sees_pin(&me, &pin_id).await?;
            server::reply(&w, &pin_id, text.as_deref()).await
        }
        .await,
    )
}

/// Staff resolve (`resolved`) or reopen (`open`) a mark.
#[server(prefix = "/api", endpoint = "set_pin_state")]
pub async fn set_pin_state(pin_id: String, state: String) -> Result<(), AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let me = server::staff(crate::orgs::domain::Permission::EditClients, None).await?;
            staff_sees_pin(&me, &pin_id).await?;
            server::set_state(&staff_who(&me), &pin_id, &state).await
        }
        .await,
    )
}

/// `NotFound` unless the staff member sees the pin's file.
#[cfg(feature = "ssr")]
async fn staff_sees_pin(me: &crate::auth::ctx::Staff, pin_id: &str) -> Result<(), AppError> {
    let (_, file) = super::repo::pin_place(&me.req.state.db, me.org_id(), pin_id)
        .await?
        .ok_or(AppError::NotFound)?;
    me.require_file(&file).await
}

/// The signed-in client's view of one of their files for marking.
#[server(prefix = "/api", endpoint = "portal_review")]
pub async fn portal_review(file_id: String) -> Result<Review, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Files)?;
            server::review(&portal_who(&p), &file_id).await
        }
        .await,
    )
}

/// The client places a pin or rectangle with a comment.
#[server(prefix = "/api", endpoint = "portal_add_pin")]
pub async fn portal_add_pin(
    file_id: String,
    page: i64,
    x: i64,
    y: i64,
    x2: Option<i64>,
    y2: Option<i64>,
    text: Option<String>,
) -> Result<String, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Files)?;
            server::add(
                &portal_who(&p),
                &file_id,
                spot(page, x, y, x2, y2),
                text.as_deref(),
            )
            .await
        }
        .await,
    )
}

/// The client answers on a mark.
#[server(prefix = "/api", endpoint = "portal_reply_pin")]
pub async fn portal_reply_pin(pin_id: String, text: Option<String>) -> Result<String, AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Files)?;
            server::reply(&portal_who(&p), &pin_id, text.as_deref()).await
        }
        .await,
    )
}

/// The client resolves or reopens a mark.
#[server(prefix = "/api", endpoint = "portal_set_pin_state")]
pub async fn portal_set_pin_state(pin_id: String, state: String) -> Result<(), AppError> {
    use crate::auth::ctx::finish;
    finish(
        async {
            let p = crate::portal::api::client().await?;
            p.require(crate::portal::Right::Files)?;
            server::set_state(&portal_who(&p), &pin_id, &state).await
        }
        .await,
    )
}
