//! Pure rules of cases: item and case state transitions, what blocks closing, progress and
//! overdue marking. No I/O, so everything is unit-tested here.

use super::{CaseState, ItemState};
use serde::{Deserialize, Serialize};

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 5_000;
pub const ITEMS_MAX: usize = 100;

/// What happens to a requested document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemEvent {
    /// A file arrived for it (through its widget, or attached by staff).
    FileArrived,
    /// Staff checked the file and accept it.
    Approve,
    /// Staff send a question back to the client.
    AskBack,
}

/// Why a transition is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// Approving an item nothing was uploaded for.
    NothingToApprove,
    /// Closing while required items are not geprüft.
    ItemsMissing,
    /// The transition does not apply to the current state (e.g. closing an archived case).
    WrongState,
}

/// The one place that decides an item's next state.
///
/// A new file always needs a new look (also after geprüft); approving needs a file;
/// a question can be asked at any time.
pub fn next_item_state(current: ItemState, event: ItemEvent) -> Result<ItemState, Refusal> {
    use ItemState::*;
    match (current, event) {
        (_, ItemEvent::FileArrived) => Ok(Hochgeladen),
        (Ausstehend, ItemEvent::Approve) => Err(Refusal::NothingToApprove),
        (_, ItemEvent::Approve) => Ok(Geprueft),
        (_, ItemEvent::AskBack) => Ok(Rueckfrage),
    }
}

/// What staff do with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseEvent {
    Close,
    Archive,
    Reopen,
}

/// The one place that decides a case's next state. `missing` is the number of required items
/// not yet geprüft.
pub fn next_case_state(
    current: CaseState,
    event: CaseEvent,
    missing: usize,
) -> Result<CaseState, Refusal> {
    use CaseState::*;
    match (current, event) {
        (Open, CaseEvent::Close) if missing > 0 => Err(Refusal::ItemsMissing),
        (Open, CaseEvent::Close) => Ok(Closed),
        (Open | Closed, CaseEvent::Archive) => Ok(Archived),
        (Closed | Archived, CaseEvent::Reopen) => Ok(Open),
        _ => Err(Refusal::WrongState),
    }
}

/// The part of an item the rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFacts {
    pub required: bool,
    pub state: ItemState,
    pub deadline_at: Option<i64>,
}

/// Done/required counts for a progress bar: required items geprüft out of required items
/// (a case with only optional items counts all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Progress {
    pub done: i64,
    pub of: i64,
}

impl Progress {
    pub fn of_items(items: &[ItemFacts]) -> Progress {
        let required = items.iter().filter(|i| i.required).count();
        let counted: Vec<_> = if required > 0 {
            items.iter().filter(|i| i.required).collect()
        } else {
            items.iter().collect()
        };
        Progress {
            done: counted
                .iter()
                .filter(|i| i.state == ItemState::Geprueft)
                .count() as i64,
            of: counted.len() as i64,
        }
    }

    /// Whole percent, 0 for an empty case.
    pub fn percent(self) -> i64 {
        if self.of == 0 {
            0
        } else {
            self.done * 100 / self.of
        }
    }
}

/// Positions of required items that block closing.
pub fn missing_required(items: &[ItemFacts]) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.required && i.state != ItemState::Geprueft)
        .map(|(n, _)| n)
        .collect()
}

/// An item is overdue when its deadline passed while the client still owes it.
pub fn item_overdue(item: &ItemFacts, case_state: CaseState, now: i64) -> bool {
    case_state == CaseState::Open
        && item.state.waits_for_client()
        && item.deadline_at.is_some_and(|d| d < now)
}

/// A case is overdue when it is open past its due date, or any of its items is overdue.
pub fn case_overdue(state: CaseState, due_at: Option<i64>, items: &[ItemFacts], now: i64) -> bool {
    state == CaseState::Open
        && (due_at.is_some_and(|d| d < now) || items.iter().any(|i| item_overdue(i, state, now)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ItemState::*;

    fn item(required: bool, state: ItemState, deadline_at: Option<i64>) -> ItemFacts {
        ItemFacts {
            required,
            state,
            deadline_at,
        }
    }

    #[test]
    fn items_move_from_ausstehend_to_geprueft_or_back_to_the_client() {
        let s = next_item_state(Ausstehend, ItemEvent::FileArrived).unwrap();
        assert_eq!(s, Hochgeladen);
        assert_eq!(next_item_state(s, ItemEvent::Approve), Ok(Geprueft));
        assert_eq!(next_item_state(s, ItemEvent::AskBack), Ok(Rueckfrage));
        // The client answers a question with a new file; it needs a new look.
        assert_eq!(
            next_item_state(Rueckfrage, ItemEvent::FileArrived),
            Ok(Hochgeladen)
        );
        assert_eq!(
            next_item_state(Geprueft, ItemEvent::FileArrived),
            Ok(Hochgeladen)
        );
        // Staff may accept what was sent despite an earlier question.
        assert_eq!(
            next_item_state(Rueckfrage, ItemEvent::Approve),
            Ok(Geprueft)
        );
    }

    #[test]
    fn nothing_uploaded_cannot_be_approved_but_can_be_asked_about() {
        assert_eq!(
            next_item_state(Ausstehend, ItemEvent::Approve),
            Err(Refusal::NothingToApprove)
        );
        assert_eq!(
            next_item_state(Ausstehend, ItemEvent::AskBack),
            Ok(Rueckfrage)
        );
    }

    #[test]
    fn a_case_closes_only_without_missing_items_and_reopens_from_closed_or_archived() {
        use CaseState::*;
        assert_eq!(
            next_case_state(Open, CaseEvent::Close, 2),
            Err(Refusal::ItemsMissing)
        );
        assert_eq!(next_case_state(Open, CaseEvent::Close, 0), Ok(Closed));
        assert_eq!(next_case_state(Closed, CaseEvent::Archive, 0), Ok(Archived));
        assert_eq!(next_case_state(Open, CaseEvent::Archive, 3), Ok(Archived));
        assert_eq!(next_case_state(Archived, CaseEvent::Reopen, 0), Ok(Open));
        assert_eq!(next_case_state(Closed, CaseEvent::Reopen, 0), Ok(Open));
        assert_eq!(
            next_case_state(Open, CaseEvent::Reopen, 0),
            Err(Refusal::WrongState)
        );
        assert_eq!(
            next_case_state(Archived, CaseEvent::Close, 0),
            Err(Refusal::WrongState)
        );
        assert_eq!(
            next_case_state(Archived, CaseEvent::Archive, 0),
            Err(Refusal::WrongState)
        );
    }

    #[test]
    fn only_required_items_not_geprueft_block_closing() {
        let items = [
            item(true, Geprueft, None),
            item(true, Hochgeladen, None),
            item(false, Ausstehend, None),
            item(true, Rueckfrage, None),
        ];
        assert_eq!(missing_required(&items), vec![1, 3]);
        assert!(missing_required(&items[..1]).is_empty());
    }

    #[test]
    fn progress_counts_required_items_or_all_when_none_is_required() {
        let items = [
            item(true, Geprueft, None),
            item(true, Hochgeladen, None),
            item(false, Geprueft, None),
        ];
        let p = Progress::of_items(&items);
        assert_eq!((p.done, p.of, p.percent()), (1, 2, 50));
        let optional = [item(false, Geprueft, None), item(false, Ausstehend, None)];
        assert_eq!(Progress::of_items(&optional), Progress { done: 1, of: 2 });
        assert_eq!(Progress::of_items(&[]).percent(), 0);
    }

    #[test]
    fn overdue_means_past_deadline_while_the_client_still_owes_it() {
        let now = 1_000;
        let open = CaseState::Open;
        assert!(item_overdue(&item(true, Ausstehend, Some(999)), open, now));
        assert!(item_overdue(&item(false, Rueckfrage, Some(10)), open, now));
        assert!(!item_overdue(
            &item(true, Ausstehend, Some(1_000)),
            open,
            now
        ));
        assert!(!item_overdue(&item(true, Hochgeladen, Some(10)), open, now));
        assert!(!item_overdue(&item(true, Ausstehend, None), open, now));
        assert!(!item_overdue(
            &item(true, Ausstehend, Some(10)),
            CaseState::Closed,
            now
        ));
        let items = [item(true, Ausstehend, Some(10))];
        assert!(case_overdue(open, None, &items, now));
        assert!(case_overdue(open, Some(500), &[], now));
        assert!(!case_overdue(open, Some(5_000), &[], now));
        assert!(!case_overdue(CaseState::Archived, Some(500), &items, now));
    }
}
