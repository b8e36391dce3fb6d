//! Translations: German (default) and English.
//!
//! A typed catalogue instead of string keys: every text is a field of [`T`], so a missing
//! translation is a compile error in both languages, the same catalogue serves the server
//! (error messages, mails) and the WASM client, and no lookup can fail at run time.
//! Placeholders are written `{name}` and filled with [`fill`].

mod de;
mod en;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
pub enum Lang {
    #[default]
    De,
    En,
}

/// The cookie that remembers the chosen language (not HttpOnly: harmless, and readable by the client).
pub const LANG_COOKIE: &str = "kp_lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn t(self) -> &'static T {
        match self {
            Lang::De => &de::DE,
            Lang::En => &en::EN,
        }
    }
    /// From a `Cookie:` header value; German when absent or unknown.
    pub fn from_cookie_header(header: Option<&str>) -> Lang {
        header
            .and_then(|h| {
                h.split(';').find_map(|kv| {
                    let (k, v) = kv.trim().split_once('=')?;
                    (k == LANG_COOKIE).then(|| Lang::parse(v)).flatten()
                })
            })
            .unwrap_or_default()
    }
}

/// Replaces `{key}` placeholders.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (k, v) in args {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// Every text of the UI, mails and error messages.
pub struct T {
    pub app_name: &'static str,
    pub skip_to_content: &'static str,
    pub nav_clients: &'static str,
    pub nav_team: &'static str,
    pub main_navigation: &'static str,
    pub logout: &'static str,
    pub switch_language: &'static str,
    pub other_language_name: &'static str,
    pub loading: &'static str,
    pub cancel: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub close: &'static str,
    pub edit: &'static str,
    pub never: &'static str,
    pub required: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub go_home: &'static str,

    // errors
    pub err_unauthorized: &'static str,
    pub err_not_found: &'static str,
    pub err_internal: &'static str,
    pub err_network: &'static str,
    pub err_forbidden_role: &'static str,
    pub f_required: &'static str,
    pub f_too_long: &'static str,
    pub f_control: &'static str,
    pub f_invalid_email: &'static str,
    pub pw_too_short: &'static str,
    pub pw_too_long: &'static str,
    pub pw_mismatch: &'static str,

    // setup and login
    pub setup_title: &'static str,
    pub setup_intro: &'static str,
    pub setup_firm: &'static str,
    pub setup_name: &'static str,
    pub setup_submit: &'static str,
    pub setup_done_already: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub password_repeat: &'static str,
    pub password_hint: &'static str,
    pub login_title: &'static str,
    pub login_intro: &'static str,
    pub login_submit: &'static str,
    pub login_failed: &'static str,
    pub login_locked: &'static str,
    pub login_ip_locked: &'static str,
    pub login_deactivated: &'static str,
    pub logged_out: &'static str,

    // statuses
    pub st_offen: &'static str,
    pub st_teilweise: &'static str,
    pub st_vollstaendig: &'static str,
    pub st_offen_help: &'static str,
    pub st_teilweise_help: &'static str,
    pub st_vollstaendig_help: &'static str,

    // client list
    pub clients_title: &'static str,
    pub new_client: &'static str,
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub search_hint: &'static str,
    pub status_label: &'static str,
    pub status_all: &'static str,
    pub filter_submit: &'static str,
    pub reset_filter: &'static str,
    pub col_name: &'static str,
    pub col_company: &'static str,
    pub col_email: &'static str,
    pub col_status: &'static str,
    pub col_links: &'static str,
    pub col_files: &'static str,
    pub col_last_upload: &'static str,
    pub empty_no_clients_title: &'static str,
    pub empty_no_clients_text: &'static str,
    pub empty_no_match_title: &'static str,
    pub empty_no_match_text: &'static str,
    pub pager_summary: &'static str,
    pub prev_page: &'static str,
    pub next_page: &'static str,
    pub pagination: &'static str,

    // create / edit client
    pub create_title: &'static str,
    pub create_intro: &'static str,
    pub field_name: &'static str,
    pub field_name_hint: &'static str,
    pub field_email: &'static str,
    pub field_company: &'static str,
    pub email_tip: &'static str,
    pub create_submit: &'static str,
    pub no_notify: &'static str,
    pub duplicate_warning: &'static str,
    pub create_anyway: &'static str,
    pub plan_limit: &'static str,
    pub client_created: &'static str,

    // client detail
    pub contact_info: &'static str,
    pub created_label: &'static str,
    pub updated_label: &'static str,
    pub status_change: &'static str,
    pub status_set: &'static str,
    pub notes_title: &'static str,
    pub notes_hint: &'static str,
    pub note_label: &'static str,
    pub add_note: &'static str,
    pub no_notes: &'static str,
    pub received_files: &'static str,
    pub sent_files: &'static str,
    pub active_links: &'static str,
    pub activity: &'static str,
    pub no_received_files: &'static str,
    pub no_sent_files: &'static str,
    pub no_active_links: &'static str,
    pub no_activity: &'static str,
    pub delete_client: &'static str,
    pub delete_confirm_title: &'static str,
    pub delete_confirm_text: &'static str,
    pub delete_confirm_button: &'static str,
    pub back_to_list: &'static str,
    pub by_author: &'static str,
    pub act_client_created: &'static str,
    pub act_client_updated: &'static str,
    pub act_status_changed: &'static str,
    pub act_note_added: &'static str,

    // team and plan
    pub team_title: &'static str,
    pub members: &'static str,
    pub col_role: &'static str,
    pub col_state: &'static str,
    pub col_actions: &'static str,
    pub invite_title: &'static str,
    pub invite_intro: &'static str,
    pub invite_submit: &'static str,
    pub invite_sent: &'static str,
    pub invite_link_hint: &'static str,
    pub pending_invites: &'static str,
    pub no_pending_invites: &'static str,
    pub revoke: &'static str,
    pub valid_until: &'static str,
    pub role_label: &'static str,
    pub role_owner: &'static str,
    pub role_admin: &'static str,
    pub role_member: &'static str,
    pub role_readonly: &'static str,
    pub change_role: &'static str,
    pub deactivate: &'static str,
    pub reactivate: &'static str,
    pub active: &'static str,
    pub inactive: &'static str,
    pub you: &'static str,
    pub plan_title: &'static str,
    pub plan_solo: &'static str,
    pub plan_pro: &'static str,
    pub plan_team: &'static str,
    pub plan_usage: &'static str,
    pub plan_usage_unlimited: &'static str,
    pub change_plan: &'static str,
    pub plan_changed: &'static str,
    pub last_owner: &'static str,
    pub email_taken: &'static str,
    pub role_forbidden: &'static str,
    pub cannot_change_self: &'static str,
    pub accept_title: &'static str,
    pub accept_intro: &'static str,
    pub accept_submit: &'static str,
    pub invite_invalid: &'static str,
    pub mail_invite_subject: &'static str,
    pub mail_invite_body: &'static str,

    // uploads
    pub link_unknown: &'static str,
    pub link_expired: &'static str,
    pub link_revoked: &'static str,
    pub link_used_up: &'static str,
    pub link_password_wrong: &'static str,
    pub upload_too_large: &'static str,
    pub upload_quota: &'static str,
    pub upload_expired: &'static str,
    pub link_date_invalid: &'static str,
    pub link_date_past: &'static str,
    pub link_max_files_invalid: &'static str,
    pub link_password_rule: &'static str,
    pub link_no_email: &'static str,
    pub link_mail_failed: &'static str,
    pub mail_link_subject: &'static str,
    pub mail_link_body: &'static str,

    pub link_create_title: &'static str,
    pub link_title_label: &'static str,
    pub link_message_label: &'static str,
    pub link_expires_label: &'static str,
    pub link_max_files_label: &'static str,
    pub link_password_label: &'static str,
    pub link_password_hint: &'static str,
    pub link_send_email: &'static str,
    pub link_create_submit: &'static str,
    pub link_created: &'static str,
    pub link_emailed: &'static str,
    pub link_copy: &'static str,
    pub link_copied: &'static str,
    pub link_uses: &'static str,
    pub link_uses_max: &'static str,
    pub link_valid_until: &'static str,
    pub link_protected: &'static str,
    pub link_untitled: &'static str,
    pub link_state_active: &'static str,
    pub link_state_expired: &'static str,
    pub link_state_revoked: &'static str,
    pub link_state_used_up: &'static str,
    pub link_revoked_toast: &'static str,
    pub file_version: &'static str,
    pub file_quarantined: &'static str,
    pub review_neu: &'static str,
    pub review_geprueft: &'static str,
    pub review_rueckfrage: &'static str,
    pub q_empty: &'static str,
    pub q_eicar: &'static str,
    pub q_type_mismatch: &'static str,
    pub q_type_not_allowed: &'static str,
    pub q_archive_bomb: &'static str,
    pub q_scan_failed: &'static str,
    pub q_malware: &'static str,

    pub download: &'static str,
    pub review_action: &'static str,
    pub review_state_label: &'static str,
    pub review_comment_label: &'static str,

    pub up_choose: &'static str,
    pub up_drop_hint: &'static str,
    pub up_needs_js: &'static str,
    pub up_queued: &'static str,
    pub up_paused: &'static str,
    pub up_retrying: &'static str,
    pub up_done: &'static str,
    pub up_failed: &'static str,
    pub up_cancelled: &'static str,
    pub up_pause: &'static str,
    pub up_resume: &'static str,
    pub up_eta_sec: &'static str,
    pub up_eta_min: &'static str,
    pub up_too_large: &'static str,
    pub up_offline: &'static str,
    pub up_connection_lost: &'static str,

    pub public_upload_title: &'static str,
    pub public_upload_hint: &'static str,

    pub send_files: &'static str,
    pub send_files_hint: &'static str,
    pub filter_all_files: &'static str,
    pub filter_label: &'static str,

    pub zip_download: &'static str,
    pub zip_select: &'static str,

    // time
    pub just_now: &'static str,
    pub minutes_ago: &'static str,
    pub hours_ago: &'static str,
    pub days_ago: &'static str,

    // settings & notifications
    pub upload_type_not_allowed: &'static str,
    pub upload_no_extension: &'static str,
    pub nav_settings: &'static str,
    pub settings_title: &'static str,
    pub settings_firm_heading: &'static str,
    pub settings_file_types: &'static str,
    pub settings_file_types_hint: &'static str,
    pub settings_file_types_invalid: &'static str,
    pub settings_file_types_too_many: &'static str,
    pub settings_all_types: &'static str,
    pub settings_owner_only: &'static str,
    pub settings_notify_heading: &'static str,
    pub settings_notify_label: &'static str,
    pub notify_instant: &'static str,
    pub notify_off: &'static str,
    pub nav_notifications: &'static str,
    pub notifications_unread: &'static str,
    pub notifications_title: &'static str,
    pub notifications_empty: &'static str,
    pub notifications_mark_read: &'static str,
    pub notification_upload: &'static str,
    pub notification_quarantine: &'static str,
    pub mail_upload_subject: &'static str,
    pub mail_upload_body: &'static str,
    pub mail_upload_quarantined: &'static str,

    // cases
    pub nav_templates: &'static str,
    pub cases_heading: &'static str,
    pub cases_none: &'static str,
    pub case_new: &'static str,
    pub case_create_submit: &'static str,
    pub case_template_label: &'static str,
    pub case_no_template: &'static str,
    pub case_title_label: &'static str,
    pub case_title_hint: &'static str,
    pub case_description_label: &'static str,
    pub case_responsible_label: &'static str,
    pub case_nobody: &'static str,
    pub case_responsible_invalid: &'static str,
    pub case_responsible_is: &'static str,
    pub case_due_label: &'static str,
    pub case_due_is: &'static str,
    pub case_date_past: &'static str,
    pub case_template_unknown: &'static str,
    pub case_pick_clients: &'static str,
    pub case_too_many_clients: &'static str,
    pub case_not_open: &'static str,
    pub case_unknown: &'static str,
    pub case_too_many_items: &'static str,
    pub case_nothing_to_approve: &'static str,
    pub case_item_changed: &'static str,
    pub case_file_unknown: &'static str,
    pub case_close_missing: &'static str,
    pub case_wrong_state: &'static str,
    pub case_template_name_taken: &'static str,
    pub case_template_saved: &'static str,
    pub case_overdue: &'static str,
    pub case_progress: &'static str,
    pub case_state_open: &'static str,
    pub case_state_closed: &'static str,
    pub case_state_archived: &'static str,
    pub case_items_heading: &'static str,
    pub case_no_items: &'static str,
    pub case_details_heading: &'static str,
    pub case_state_heading: &'static str,
    pub case_close: &'static str,
    pub case_archive: &'static str,
    pub case_reopen: &'static str,
    pub case_reminders_active: &'static str,
    pub case_reminders_paused: &'static str,
    pub case_reminders_pause: &'static str,
    pub case_reminders_resume: &'static str,
    pub case_save_template: &'static str,
    pub case_save_template_hint: &'static str,
    pub case_save_template_submit: &'static str,
    pub case_link_heading: &'static str,
    pub case_link_hint: &'static str,
    pub item_ausstehend: &'static str,
    pub item_hochgeladen: &'static str,
    pub item_geprueft: &'static str,
    pub item_rueckfrage: &'static str,
    pub item_required: &'static str,
    pub item_optional: &'static str,
    pub item_add: &'static str,
    pub item_add_submit: &'static str,
    pub item_title_label: &'static str,
    pub item_title_example: &'static str,
    pub item_explanation_label: &'static str,
    pub item_explanation_hint: &'static str,
    pub item_required_label: &'static str,
    pub item_deadline_label: &'static str,
    pub item_deadline_is: &'static str,
    pub item_types_label: &'static str,
    pub item_types_hint: &'static str,
    pub item_approve: &'static str,
    pub item_ask: &'static str,
    pub item_question_label: &'static str,
    pub item_ask_submit: &'static str,
    pub item_question_is: &'static str,
    pub item_attach: &'static str,
    pub item_attach_label: &'static str,
    pub item_attach_submit: &'static str,
    pub item_remove: &'static str,
    pub templates_title: &'static str,
    pub templates_empty_title: &'static str,
    pub templates_empty_text: &'static str,
    pub template_name_label: &'static str,
    pub template_case_title: &'static str,
    pub template_delete: &'static str,
    pub template_start: &'static str,
    pub template_pick_clients: &'static str,
    pub template_start_submit: &'static str,
    pub template_started: &'static str,
    pub public_case_closed: &'static str,
    pub public_case_locked: &'static str,
    pub public_case_unlock: &'static str,
    pub public_item_sent: &'static str,
    pub public_other_files: &'static str,

    // dashboard
    pub nav_dashboard: &'static str,
    pub dashboard_title: &'static str,
    pub dashboard_figures: &'static str,
    pub kpi_open_cases: &'static str,
    pub kpi_closed_today: &'static str,
    pub kpi_last_upload: &'static str,
    pub kpi_overdue: &'static str,
    pub kpi_to_review: &'static str,
    pub dashboard_progress: &'static str,
    pub dashboard_everyone: &'static str,
    pub dashboard_no_open_cases: &'static str,
    pub dashboard_no_match: &'static str,
    pub col_client: &'static str,
    pub dashboard_items_done: &'static str,
    pub dashboard_next_deadline: &'static str,
    pub dashboard_more_rows: &'static str,
    pub dashboard_feed: &'static str,
    pub dashboard_feed_empty: &'static str,
    pub feed_upload: &'static str,
    pub feed_quarantine: &'static str,
    pub feed_case: &'static str,
    pub chart_uploads_title: &'static str,
    pub chart_uploads_series: &'static str,
    pub chart_items_title: &'static str,
    pub chart_items_open: &'static str,
    pub chart_items_done: &'static str,

    // reminders
    pub reminder_subject: &'static str,
    pub reminder_body: &'static str,
    pub reminder_due_on: &'static str,
    pub reminder_overdue_since: &'static str,
    pub reminder_link_title: &'static str,
    pub reminder_upload_here: &'static str,
    pub settings_reminders_heading: &'static str,
    pub settings_reminders_hint: &'static str,
    pub settings_reminders_before: &'static str,
    pub settings_reminders_before_hint: &'static str,
    pub settings_reminders_on_day: &'static str,
    pub settings_reminders_every: &'static str,
    pub settings_reminders_max: &'static str,
    pub settings_reminders_bad_day: &'static str,
    pub settings_reminders_bad_every: &'static str,
    pub settings_reminders_bad_max: &'static str,
    pub p_login_title: &'static str,
    pub p_login_intro: &'static str,
    pub p_send_link: &'static str,
    pub p_link_sent: &'static str,
    pub p_other_address: &'static str,
    pub p_link_invalid: &'static str,
    pub p_with_password: &'static str,
    pub p_password_forgot: &'static str,
    pub p_too_many: &'static str,
    pub p_mail_subject: &'static str,
    pub p_mail_intro: &'static str,
    pub p_mail_button: &'static str,
    pub p_mail_footer: &'static str,
    pub p_mail_text: &'static str,
    pub p_magic_title: &'static str,
    pub p_magic_intro: &'static str,
    pub p_magic_button: &'static str,
    pub p_magic_used_title: &'static str,
    pub p_magic_used: &'static str,
    pub p_magic_expired_title: &'static str,
    pub p_magic_expired: &'static str,
    pub p_request_new: &'static str,
    pub p_no_access: &'static str,
    pub p_choose_title: &'static str,
    pub p_choose_intro: &'static str,
    pub p_switch: &'static str,
    pub p_open_requests: &'static str,
    pub p_no_requests: &'static str,
    pub p_send_more: &'static str,
    pub p_files_from: &'static str,
    pub p_no_sent: &'static str,
    pub p_your_uploads: &'static str,
    pub p_no_uploads: &'static str,
    pub p_history: &'static str,
    pub p_password_set: &'static str,
    pub p_password_change: &'static str,
    pub p_password_saved: &'static str,
    pub p_password_off: &'static str,
    pub p_settings_title: &'static str,
    pub p_methods: &'static str,
    pub p_method_magic: &'static str,
    pub p_method_secret: &'static str,
    pub p_method_password: &'static str,
    pub p_methods_none: &'static str,
    pub p_grant: &'static str,
    pub p_grant_all: &'static str,
    pub p_grant_future: &'static str,
    pub p_grant_manual: &'static str,
    pub p_link_minutes: &'static str,
    pub p_minutes_range: &'static str,
    pub p_client_title: &'static str,
    pub p_access_on: &'static str,
    pub p_access_off: &'static str,
    pub p_no_email: &'static str,
    pub p_sessions_count: &'static str,
    pub p_revoke: &'static str,
    pub p_grant_one: &'static str,
    pub p_end_sessions: &'static str,
    pub p_sessions_ended: &'static str,
    pub p_secret_exists: &'static str,
    pub p_secret_none: &'static str,
    pub p_secret_new: &'static str,
    pub p_secret_remove: &'static str,
    pub p_secret_shown_once: &'static str,
    pub p_secret_off: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_from_cookie_defaults_to_german() {
        assert_eq!(Lang::from_cookie_header(None), Lang::De);
        assert_eq!(Lang::from_cookie_header(Some("a=b; kp_lang=en")), Lang::En);
        assert_eq!(Lang::from_cookie_header(Some("kp_lang=xx")), Lang::De);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill("Seite {page} von {pages}", &[("page", "2"), ("pages", "9")]),
            "Seite 2 von 9"
        );
    }

    #[test]
    fn both_languages_fill_the_same_placeholders() {
        // A translation that drops or renames a placeholder would silently lose information.
        let pairs = [
            (Lang::De.t().login_locked, Lang::En.t().login_locked),
            (Lang::De.t().plan_limit, Lang::En.t().plan_limit),
            (Lang::De.t().pager_summary, Lang::En.t().pager_summary),
            (
                Lang::De.t().duplicate_warning,
                Lang::En.t().duplicate_warning,
            ),
            (Lang::De.t().mail_invite_body, Lang::En.t().mail_invite_body),
            (Lang::De.t().f_too_long, Lang::En.t().f_too_long),
            (
                Lang::De.t().upload_type_not_allowed,
                Lang::En.t().upload_type_not_allowed,
            ),
            (Lang::De.t().mail_upload_body, Lang::En.t().mail_upload_body),
            (
                Lang::De.t().notification_upload,
                Lang::En.t().notification_upload,
            ),
            (
                Lang::De.t().settings_file_types_invalid,
                Lang::En.t().settings_file_types_invalid,
            ),
            (
                Lang::De.t().case_responsible_is,
                Lang::En.t().case_responsible_is,
            ),
            (Lang::De.t().case_due_is, Lang::En.t().case_due_is),
            (
                Lang::De.t().case_close_missing,
                Lang::En.t().case_close_missing,
            ),
            (Lang::De.t().case_progress, Lang::En.t().case_progress),
            (Lang::De.t().item_deadline_is, Lang::En.t().item_deadline_is),
            (Lang::De.t().item_question_is, Lang::En.t().item_question_is),
            (
                Lang::De.t().template_case_title,
                Lang::En.t().template_case_title,
            ),
            (Lang::De.t().template_started, Lang::En.t().template_started),
            (Lang::De.t().public_item_sent, Lang::En.t().public_item_sent),
            (
                Lang::De.t().dashboard_more_rows,
                Lang::En.t().dashboard_more_rows,
            ),
            (Lang::De.t().p_too_many, Lang::En.t().p_too_many),
            (Lang::De.t().p_mail_subject, Lang::En.t().p_mail_subject),
            (Lang::De.t().p_mail_intro, Lang::En.t().p_mail_intro),
            (Lang::De.t().p_mail_footer, Lang::En.t().p_mail_footer),
            (Lang::De.t().p_mail_text, Lang::En.t().p_mail_text),
            (Lang::De.t().p_files_from, Lang::En.t().p_files_from),
            (Lang::De.t().p_minutes_range, Lang::En.t().p_minutes_range),
            (Lang::De.t().p_sessions_count, Lang::En.t().p_sessions_count),
        ];
        let holes = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|x| x.0.to_string()))
                .collect();
            v.sort();
            v
        };
        for (de, en) in pairs {
            assert_eq!(holes(de), holes(en), "{de} / {en}");
        }
    }
}
