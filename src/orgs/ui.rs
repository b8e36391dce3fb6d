//! Team & plan page (members, roles, invitations, plan) and the invitation acceptance page.

use super::{Member, Plan, Role, TeamOverview};
use crate::app::LanguageSwitch;
use crate::auth::CurrentUser;
use crate::i18n::{fill, T};
use crate::orgs::domain::Permission;
use crate::ui::{
    action_error, field_error, format, toast_on_success, use_lang, use_t, EmptyState, Field,
    FormError, Skeleton,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

pub fn role_label(t: &T, r: Role) -> &'static str {
    match r {
        Role::Owner => t.role_owner,
        Role::Admin => t.role_admin,
        Role::Member => t.role_member,
        Role::ReadOnly => t.role_readonly,
    }
}

fn plan_label(t: &T, p: Plan) -> &'static str {
    match p {
        Plan::Solo => t.plan_solo,
        Plan::Pro => t.plan_pro,
        Plan::Team => t.plan_team,
    }
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let t = use_t();
    let invite = ServerAction::<super::api::InviteMember>::new();
    let revoke = ServerAction::<super::api::RevokeInvite>::new();
    let role = ServerAction::<super::api::ChangeRole>::new();
    let active = ServerAction::<super::api::SetMemberActive>::new();
    let plan = ServerAction::<super::api::ChangePlan>::new();
    toast_on_success(role, t.saved);
    toast_on_success(active, t.saved);
    toast_on_success(plan, t.plan_changed);
    let team = Resource::new(
        move || {
            (
                invite.version().get(),
                revoke.version().get(),
                role.version().get(),
                active.version().get(),
                plan.version().get(),
            )
        },
        |_| super::api::load_team(),
    );
    let actions = TeamActions {
        invite,
        revoke,
        role,
        active,
        plan,
    };
    view! {
        <div class="page-head"><h1>{t.team_title}</h1></div>
        <Transition fallback=|| view! { <Skeleton lines=6/> }>
            {move || Suspend::new(async move {
                match team.await {
                    Ok(o) => view! { <TeamView o actions/> }.into_any(),
                    Err(e) => view! { <div class="form-error" role="alert">{e.user_message(t)}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct TeamActions {
    invite: ServerAction<super::api::InviteMember>,
    revoke: ServerAction<super::api::RevokeInvite>,
    role: ServerAction<super::api::ChangeRole>,
    active: ServerAction<super::api::SetMemberActive>,
    plan: ServerAction<super::api::ChangePlan>,
}

#[component]
fn TeamView(o: TeamOverview, actions: TeamActions) -> impl IntoView {
    let t = use_t();
    let lang = use_lang();
    let me = use_context::<CurrentUser>();
    let my_role = me.as_ref().map(|u| u.role).unwrap_or(Role::ReadOnly);
    let my_id = me.map(|u| u.user_id).unwrap_or_default();
    let manage = my_role.may(Permission::ManageTeam);
    let invite_err = action_error(actions.invite);
    let member_err = Signal::derive(move || {
        action_error(actions.role)
            .get()
            .or(action_error(actions.active).get())
    });
    let usage = match o.plan.max_clients() {
        Some(max) => fill(
            t.plan_usage,
            &[
                ("count", &o.client_count.to_string()),
                ("max", &max.to_string()),
            ],
        ),
        None => fill(
            t.plan_usage_unlimited,
            &[("count", &o.client_count.to_string())],
        ),
    };
    let rows = o
        .members
        .into_iter()
        .map(|m: Member| {
            let is_me = m.id == my_id;
            let editable = manage && !is_me && my_role.may_assign(m.role);
            let (mid, mid2) = (m.id.clone(), m.id.clone());
            view! {
                <tr>
                    <td class="primary" data-label=t.col_name>{m.name.clone()}{is_me.then(|| format!(" {}", t.you))}</td>
                    <td data-label=t.col_email>{m.email.clone()}</td>
                    <td data-label=t.col_role>
                        {if editable {
                            view! {
                                <ActionForm attr:novalidate=true action=actions.role attr:class="row">
                                    <input type="hidden" name="user_id" value=mid.clone()/>
                                    <label class="visually-hidden" for=format!("role-{mid}")>{t.role_label}</label>
                                    <select id=format!("role-{mid}") name="role">
                                        {Role::ALL.into_iter().filter(|r| my_role.may_assign(*r)).map(|r| view! {
                                            <option value=r.as_str() selected=r == m.role>{role_label(t, r)}</option>
                                        }).collect_view()}
                                    </select>
                                    <button class="btn btn-secondary" type="submit">{t.change_role}</button>
                                </ActionForm>
                            }.into_any()
                        } else {
                            view! { <span class="badge badge-role">{role_label(t, m.role)}</span> }.into_any()
                        }}
                    </td>
                    <td data-label=t.col_state>{if m.active { t.active } else { t.inactive }}</td>
                    <td data-label=t.col_actions>
                        {editable.then(|| view! {
                            <ActionForm attr:novalidate=true action=actions.active>
                                <input type="hidden" name="user_id" value=mid2.clone()/>
                                <input type="hidden" name="active" value=(!m.active).to_string()/>
                                <button class=if m.active { "btn btn-danger" } else { "btn btn-secondary" } type="submit">
                                    {if m.active { t.deactivate } else { t.reactivate }}
                                </button>
                            </ActionForm>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let invites = o.invites;
    view! {
        <div class="grid-2">
            <div class="stack">
                <section class="card" aria-labelledby="h-members">
                    <h2 id="h-members">{t.members}</h2>
                    <FormError error=member_err/>
                    <table class="table" data-testid="members">
                        <thead><tr>
                            <th scope="col">{t.col_name}</th><th scope="col">{t.col_email}</th>
                            <th scope="col">{t.col_role}</th><th scope="col">{t.col_state}</th><th scope="col">{t.col_actions}</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </section>
                <section class="card" aria-labelledby="h-invites">
                    <h2 id="h-invites">{t.pending_invites}</h2>
                    {if invites.is_empty() {
                        view! { <p class="muted">{t.no_pending_invites}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="timeline" data-testid="pending-invites">
                                {invites.into_iter().map(|i| view! {
                                    <li class="row">
                                        <span>{i.email.clone()}" · "{role_label(t, i.role)}" · "<span class="muted">{fill(t.valid_until, &[("date", &format::datetime(i.expires_at, lang))])}</span></span>
                                        {manage.then(|| view! {
                                            <ActionForm attr:novalidate=true action=actions.revoke>
                                                <input type="hidden" name="invite_id" value=i.id.clone()/>
                                                <button class="btn btn-link" type="submit">{t.revoke}</button>
                                            </ActionForm>
                                        })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            </div>
            <div class="stack">
                {manage.then(|| view! {
                    <section class="card" aria-labelledby="h-invite">
                        <h2 id="h-invite">{t.invite_title}</h2>
                        <p class="small muted">{t.invite_intro}</p>
                        {move || actions.invite.value().get().and_then(|r| r.ok()).map(|c| view! {
                            <div class="form-ok" role="status">
                                <p>{fill(t.invite_sent, &[("email", &c.email)])}</p>
                                <p class="small">{t.invite_link_hint}</p>
                                <p class="invite-link" data-testid="invite-link">{c.link}</p>
                            </div>
                        })}
                        <FormError error=invite_err fields=&["email", "role"]/>
                        <ActionForm attr:novalidate=true action=actions.invite>
                            <Field id_prefix="inv-" label=t.email name="email" kind="email" required=true error=field_error(invite_err, "email")/>
                            <div class="field">
                                <label for="inv-role">{t.role_label}</label>
                                <select id="inv-role" name="role">
                                    {Role::ALL.into_iter().filter(|r| my_role.may_assign(*r)).map(|r| view! {
                                        <option value=r.as_str() selected=r == Role::Member>{role_label(t, r)}</option>
                                    }).collect_view()}
                                </select>
                                {move || field_error(invite_err, "role").get().map(|e| view! { <span class="field-error">{e}</span> })}
                            </div>
                            <button class="btn" type="submit">{t.invite_submit}</button>
                        </ActionForm>
                    </section>
                })}
                <section class="card" aria-labelledby="h-plan">
                    <h2 id="h-plan">{t.plan_title}</h2>
                    <p><strong data-testid="plan-name">{plan_label(t, o.plan)}</strong></p>
                    <p class="muted" data-testid="plan-usage">{usage}</p>
                    {my_role.may(Permission::ManageFirm).then(|| view! {
                        <ActionForm attr:novalidate=true action=actions.plan attr:class="row">
                            <label class="visually-hidden" for="plan-select">{t.change_plan}</label>
                            <select id="plan-select" name="plan">
                                {Plan::ALL.into_iter().map(|p| view! {
                                    <option value=p.as_str() selected=p == o.plan>{plan_label(t, p)}</option>
                                }).collect_view()}
                            </select>
                            <button class="btn btn-secondary" type="submit">{t.change_plan}</button>
                        </ActionForm>
                    })}
                </section>
            </div>
        </div>
    }
}

#[component]
pub fn AcceptInvitePage() -> impl IntoView {
    let t = use_t();
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = Resource::new_blocking(token, super::api::load_invite);
    let action = ServerAction::<super::api::AcceptInvite>::new();
    let err = action_error(action);
    view! {
        <main class="center-page" id="main">
            <div class="card auth-card">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match info.await {
                            Ok(i) => view! {
                                <h1>{t.accept_title}</h1>
                                <p class="muted">{fill(t.accept_intro, &[("org", &i.org_name), ("email", &i.email)])}</p>
                                <FormError error=err fields=&["name", "password", "password_repeat"]/>
                                <ActionForm attr:novalidate=true action=action>
                                    <input type="hidden" name="token" value=token()/>
                                    <Field label=t.setup_name name="name" required=true autocomplete="name" error=field_error(err, "name")/>
                                    <Field label=t.password name="password" kind="password" required=true autocomplete="new-password" hint=t.password_hint error=field_error(err, "password")/>
                                    <Field label=t.password_repeat name="password_repeat" kind="password" required=true autocomplete="new-password" error=field_error(err, "password_repeat")/>
                                    <button class="btn btn-block" type="submit">{t.accept_submit}</button>
                                </ActionForm>
                            }.into_any(),
                            Err(_) => view! {
                                <EmptyState title=t.accept_title text=t.invite_invalid>
                                    <a class="btn" href="/login">{t.login_title}</a>
                                </EmptyState>
                            }.into_any(),
                        }
                    })}
                </Suspense>
                <div class="small mt"><LanguageSwitch/></div>
            </div>
        </main>
    }
}
