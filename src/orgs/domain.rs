//! Pure rules of a firm: plans and their limits, staff roles and what each role may do.
//! The permission table here is the single source for every server-side check
//! (documented in docs/permissions.md).

use super::{Plan, Role};

impl Plan {
    /// How many clients a firm on this plan may have; `None` means unlimited.
    pub fn max_clients(self) -> Option<i64> {
        match self {
            Plan::Solo => Some(10),
            Plan::Pro => Some(50),
            Plan::Team => None,
        }
    }

    /// Bytes of files a firm on this plan may store.
    pub fn storage_quota(self) -> i64 {
        const GIB: i64 = 1024 * 1024 * 1024;
        match self {
            Plan::Solo => 5 * GIB,
            Plan::Pro => 50 * GIB,
            Plan::Team => 500 * GIB,
        }
    }
}

/// Everything a staff member can attempt. Checked by `Role::may` before any data is touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the client list, client pages, notes and history.
    ViewClients,
    /// Create clients, edit their details and status, write notes.
    EditClients,
    /// Delete a client with everything that belongs to it.
    DeleteClients,
    /// Invite staff, change roles, deactivate members.
    ManageTeam,
    /// Change the firm's plan and name.
    ManageFirm,
    /// Read and export the firm's whole audit trail (a client's own history is ViewClients).
    ViewAudit,
    /// See every client, restricted ones too, and choose who of the team sees a client.
    RestrictClients,
}

impl Role {
    pub fn may(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Owner => true,
            Role::Admin => !matches!(p, ManageFirm),
            Role::Member => matches!(p, ViewClients | EditClients),
            Role::ReadOnly => matches!(p, ViewClients),
        }
    }

    /// Which roles `self` may hand out or take away. Only an owner makes owners, and
    /// admins manage members and read-only accounts.
    pub fn may_assign(self, target: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => matches!(target, Role::Member | Role::ReadOnly),
            _ => false,
        }
    }
}

/// Whether removing `target`'s owner role (by role change or deactivation) would leave the
/// firm without an active owner.
pub fn would_orphan_firm(target_role: Role, active_owner_count: i64) -> bool {
    target_role == Role::Owner && active_owner_count <= 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn plan_limits() {
        assert_eq!(Plan::Solo.max_clients(), Some(10));
        assert_eq!(Plan::Pro.max_clients(), Some(50));
        assert_eq!(Plan::Team.max_clients(), None);
    }

    #[test]
    fn permission_table() {
        // (role, [ViewClients, EditClients, DeleteClients, ManageTeam, ManageFirm, ViewAudit,
        //         RestrictClients])
        let table = [
            (Role::Owner, [true, true, true, true, true, true, true]),
            (Role::Admin, [true, true, true, true, false, true, true]),
            (
                Role::Member,
                [true, true, false, false, false, false, false],
            ),
            (
                Role::ReadOnly,
                [true, false, false, false, false, false, false],
            ),
        ];
        for (role, expected) in table {
            let perms = [
                ViewClients,
                EditClients,
                DeleteClients,
                ManageTeam,
                ManageFirm,
                ViewAudit,
                RestrictClients,
            ];
            for (p, want) in perms.into_iter().zip(expected) {
                assert_eq!(role.may(p), want, "{role:?} {p:?}");
            }
        }
    }

    #[test]
    fn only_owners_make_owners_and_admins() {
        assert!(Role::Owner.may_assign(Role::Owner));
        assert!(!Role::Admin.may_assign(Role::Owner));
        assert!(!Role::Admin.may_assign(Role::Admin));
        assert!(Role::Admin.may_assign(Role::ReadOnly));
        assert!(!Role::Member.may_assign(Role::ReadOnly));
    }

    #[test]
    fn last_owner_cannot_be_removed() {
        assert!(would_orphan_firm(Role::Owner, 1));
        assert!(!would_orphan_firm(Role::Owner, 2));
        assert!(!would_orphan_firm(Role::Admin, 1));
    }
}
