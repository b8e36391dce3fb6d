//! Inbound mail: clients' replies to the portal's mails land back in the right thread — a
//! ticket's or the client's chat. Mails arrive over the built-in SMTP listener (`smtp`) or a
//! provider's webhook (`http`); `receive` routes them by the signed reply address (`token`),
//! else by In-Reply-To/References against the Message-IDs we sent; the sender must be the
//! client's address or a contact's (else the mail is held for staff review); machines'
//! mails (auto-replies, bounces, lists) are dropped; the text is cleaned of quotes and
//! signatures (`reply`), the whole original kept sealed; attachments become the client's files
//! through the upload pipeline (scanned, encrypted).

pub mod parse;
pub mod reply;
pub mod token;
