//! The staff home: key figures, the live feed, each client's progress and two charts.

pub mod api;
#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod ui;

use crate::clients::ClientStatus;
use crate::live::LiveEvent;
use serde::{Deserialize, Serialize};

/// One line of the progress table: a client with open cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressRow {
    pub client_id: String,
    pub client_name: String,
    pub status: ClientStatus,
    pub open_cases: i64,
    /// Required items geprüft / required items, over the client's open cases.
    pub done: i64,
    pub required: i64,
    /// The earliest deadline of an item the client still owes.
    pub next_deadline: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub now: i64,
    pub open_cases: i64,
    pub closed_today: i64,
    pub last_upload_at: Option<i64>,
    pub overdue_items: i64,
    pub to_review: i64,
    pub feed: Vec<LiveEvent>,
    pub rows: Vec<ProgressRow>,
    /// Clients with open cases matching the filter (the table shows the first 100).
    pub rows_total: i64,
    pub members: Vec<crate::cases::Member>,
    /// (day start, received files) for the last 30 days, oldest first.
    pub uploads_per_day: Vec<(i64, i64)>,
    /// (week start, items open at the week's end, items geprüft during the week), 8 weeks.
    pub items_per_week: Vec<(i64, i64, i64)>,
}
