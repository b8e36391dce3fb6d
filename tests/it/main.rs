//! The one integration-test binary (one link on a 2-core machine): the real router on a random
//! port, against a real SQLite file and a real PostgreSQL database.

mod helpers;

mod annotations;
mod approvals;
mod assignment;
mod audit;
mod auth;
mod authz_matrix;
mod branding;
mod cases;
mod chat;
mod clients;
mod contacts;
mod dashboard;
mod db_outage;
mod disk;
mod domains;
mod faults;
mod hours;
mod inbound;
mod invoices;
mod limits;
mod live;
mod nodes;
mod notify;
mod notify_prefs;
mod payments;
mod portal;
mod reminders;
mod scan;
mod slow_clients;
mod team;
mod tickets;
mod uploads;
mod uploads_crash;
