use super::SettingsView;
use crate::ui::{action_error, field_error, toast_on_success, use_t, FormError, Skeleton};
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let t = use_t();
    let types = ServerAction::<super::api::SaveFileTypes>::new();
    let pref = ServerAction::<super::api::SaveMailPref>::new();
    let reminders = ServerAction::<super::api::SaveReminderSchedule>::new();
    let portal = ServerAction::<crate::portal::api::SavePortalSettings>::new();
    let limit = ServerAction::<super::api::SaveSessionLimit>::new();
    let retention = ServerAction::<super::api::SaveRetention>::new();
    let tf_rule = ServerAction::<super::api::SaveTwoFactorRule>::new();
    let owner = crate::ui::may(crate::orgs::domain::Permission::ManageFirm);
    let (brand_actions, brand) = crate::branding::ui::BrandActions::with_brand(owner);
    let (domain_actions, domain) = crate::domains::ui::DomainActions::with_domain(owner);
    toast_on_success(tf_rule, t.saved);
    toast_on_success(limit, t.saved);
    toast_on_success(retention, t.saved);
    toast_on_success(reminders, t.saved);
    toast_on_success(portal, t.saved);
    toast_on_success(types, t.saved);
    toast_on_success(pref, t.saved);
    let settings = Resource::new(
        move || {
            (
                types.version().get(),
                pref.version().get(),
                reminders.version().get(),
                portal.version().get(),
                limit.version().get(),
                retention.version().get(),
                tf_rule.version().get(),
            )
        },
        |_| super::api::load_settings(),
    );
    view! {
        <div class="page-head"><h1>{t.settings_title}</h1></div>
        <Transition fallback=|| view! { <Skeleton lines=6/> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => view! { <SettingsForms s types pref reminders portal limit retention tf_rule/> }.into_any(),
                    Err(e) => view! { <div class="form-error" role="alert">{e.user_message(t)}</div> }.into_any(),
                }
            })}
        </Transition>
        <crate::branding::ui::BrandingCard actions=brand_actions brand/>
        <crate::domains::ui::DomainCard actions=domain_actions domain/>
        {owner.then(|| view! { <crate::invoices::ui::BillingCard/> <crate::invoices::ui::PaymentsCard/> })}
        <crate::auth::ui::SessionsCard/>
        <crate::auth::ui::TwoFactorCard/>
    }
}

#[component]
fn SettingsForms(
    s: SettingsView,
    types: ServerAction<super::api::SaveFileTypes>,
    pref: ServerAction<super::api::SaveMailPref>,
    reminders: ServerAction<super::api::SaveReminderSchedule>,
    portal: ServerAction<crate::portal::api::SavePortalSettings>,
    limit: ServerAction<super::api::SaveSessionLimit>,
    retention: ServerAction<super::api::SaveRetention>,
    tf_rule: ServerAction<super::api::SaveTwoFactorRule>,
) -> impl IntoView {
    let t = use_t();
    let tf_rule_error = action_error(tf_rule);
    let limit_error = action_error(limit);
    let retention_error = action_error(retention);
    let types_error = action_error(types);
    let types_field = field_error(types_error, "allowed_types");
    let current = if s.allowed_types.is_empty() {
        t.settings_all_types.to_string()
    } else {
        s.allowed_types.clone()
    };
    view! {
        <section class="card stack">
            <h2>{t.settings_firm_heading}</h2>
            {if s.can_edit_firm {
                view! {
                    <ActionForm attr:novalidate=true action=types attr:class="stack">
                        <crate::ui::Field label=t.settings_file_types name="allowed_types" value=s.allowed_types.clone()
                            hint=t.settings_file_types_hint placeholder="pdf, jpg, png, docx" error=types_field/>
                        <FormError error=types_error fields=&["allowed_types"]/>
                        <div><button class="btn" type="submit" data-testid="save-file-types">{t.save}</button></div>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <p><strong>{t.settings_file_types}": "</strong><span data-testid="allowed-types">{current}</span></p>
                    <p class="small muted">{t.settings_owner_only}</p>
                }.into_any()
            }}
        </section>
        <ReminderSettings s=s.reminders.clone() can_edit=s.can_edit_firm action=reminders/>
        {s.portal.clone().map(|p| view! { <div class="mt"><crate::portal::ui::PortalSettingsForm s=p save=portal/></div> })}
        {s.can_edit_firm.then(|| view! {
            <section class="card stack mt" aria-labelledby="h-session-limit">
                <h2 id="h-session-limit">{t.settings_sessions}</h2>
                <ActionForm attr:novalidate=true action=limit attr:class="stack">
                    <crate::ui::Field id_prefix="sl-" label=t.settings_sessions name="max_sessions" kind="number" value=s.max_sessions.to_string()
                        hint=t.settings_sessions_hint error=field_error(limit_error, "max_sessions")/>
                    <FormError error=limit_error fields=&["max_sessions"]/>
                    <div><button class="btn" type="submit" data-testid="save-session-limit">{t.save}</button></div>
                </ActionForm>
            </section>
            <section class="card stack mt" aria-labelledby="h-tf-rule">
                <h2 id="h-tf-rule">{t.settings_tf_rule}</h2>
                <ActionForm attr:novalidate=true action=tf_rule attr:class="stack">
                    <label class="checkbox">
                        <input type="checkbox" name="required" value="on" checked=s.require_two_factor data-testid="require-two-factor"/>
                        <span>{t.settings_tf_required}</span>
                    </label>
                    <p class="small muted">{t.settings_tf_hint}</p>
                    <FormError error=tf_rule_error fields=&[]/>
                    <div><button class="btn" type="submit" data-testid="save-two-factor-rule">{t.save}</button></div>
                </ActionForm>
            </section>
            <section class="card stack mt" aria-labelledby="h-retention">
                <h2 id="h-retention">{t.settings_retention}</h2>
                <ActionForm attr:novalidate=true action=retention attr:class="stack">
                    <crate::ui::Field id_prefix="ret-" label=t.settings_retention name="retention_months" kind="number" value=s.retention_months.to_string()
                        hint=t.settings_retention_hint error=field_error(retention_error, "retention_months")/>
                    <FormError error=retention_error fields=&["retention_months"]/>
                    <div><button class="btn" type="submit" data-testid="save-retention">{t.save}</button></div>
                </ActionForm>
            </section>
        })}
        <section class="card stack mt">
            <h2>{t.settings_notify_heading}</h2>
            <ActionForm attr:novalidate=true action=pref attr:class="stack">
                <crate::notify::ui::PrefChoice legend=t.settings_notify_label name="mail_pref" current=s.mail_pref/>
                <crate::notify::ui::PrefChoice legend=t.np_ev_message name="message_pref" current=s.message_pref/>
                <div><button class="btn" type="submit" data-testid="save-mail-pref">{t.save}</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn ReminderSettings(
    s: crate::cases::schedule::Schedule,
    can_edit: bool,
    action: ServerAction<super::api::SaveReminderSchedule>,
) -> impl IntoView {
    let t = use_t();
    let err = action_error(action);
    let before: Vec<String> = s
        .before
        .iter()
        .filter(|d| **d > 0)
        .map(u32::to_string)
        .collect();
    let before = before.join(", ");
    let on_day = s.before.contains(&0);
    view! {
        <section class="card stack mt" aria-labelledby="h-reminders">
            <h2 id="h-reminders">{t.settings_reminders_heading}</h2>
            <p class="small muted">{t.settings_reminders_hint}</p>
            <ActionForm attr:novalidate=true action=action attr:class="stack">
                <fieldset class="plain stack" disabled=!can_edit>
                    <crate::ui::Field id_prefix="rem-" label=t.settings_reminders_before name="before" value=before
                        hint=t.settings_reminders_before_hint error=field_error(err, "before")/>
                    <label class="checkbox"><input type="checkbox" name="on_day" value="1" checked=on_day/>{t.settings_reminders_on_day}</label>
                    <crate::ui::Field id_prefix="rem-" label=t.settings_reminders_every name="every" kind="number" value=s.every.to_string()
                        error=field_error(err, "every")/>
                    <crate::ui::Field id_prefix="rem-" label=t.settings_reminders_max name="max_overdue" kind="number" value=s.max_overdue.to_string()
                        error=field_error(err, "max_overdue")/>
                </fieldset>
                <FormError error=err fields=&["before", "every", "max_overdue"]/>
                {if can_edit {
                    view! { <div><button class="btn" type="submit" data-testid="save-reminders">{t.save}</button></div> }.into_any()
                } else {
                    view! { <p class="small muted">{t.settings_owner_only}</p> }.into_any()
                }}
            </ActionForm>
        </section>
    }
}
