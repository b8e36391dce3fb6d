//! Inbound mail: clients' replies to the portal's mails land back in the right thread. This
//! part cleans a reply's text (quotes and signatures removed); receiving (the SMTP listener,
//! the provider webhook) and routing follow.

pub mod reply;
