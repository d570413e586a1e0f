//! What is worked out from a text alone, remembered by that text: a parse depends on nothing
//! else, so a remembered one is never stale. Bounded: when full it starts over, so an attacker
//! feeding new texts costs a re-parse, never memory.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Values by text, at most `capacity` of them, shared by every thread.
pub struct TextMemo<V> {
    capacity: usize,
    entries: Mutex<Option<HashMap<Box<str>, V>>>,
}

impl<V: Clone> TextMemo<V> {
    pub const fn new(capacity: usize) -> Self {
        TextMemo {
            capacity,
            entries: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<HashMap<Box<str>, V>>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value remembered for `text`.
    pub fn get(&self, text: &str) -> Option<V> {
        self.lock().as_ref()?.get(text).cloned()
    }

    /// Remembers `value` for `text`, forgetting everything else first when full.
    pub fn insert(&self, text: &str, value: V) {
        let mut entries = self.lock();
        let entries = entries.get_or_insert_with(HashMap::new);
        if entries.len() >= self.capacity && !entries.contains_key(text) {
            entries.clear();
        }
        entries.insert(text.into(), value);
    }

    /// The value remembered for `text`, else `work`'s (computed without the lock held),
    /// remembered.
    pub fn get_or_insert_with(&self, text: &str, work: impl FnOnce() -> V) -> V {
        if let Some(known) = self.get(text) {
            return known;
        }
        let value = work();
        self.insert(text, value.clone());
        value
    }
}

#[cfg(test)]
mod tests {
    use super::TextMemo;

    #[test]
    fn a_text_is_worked_out_once_and_a_full_memo_starts_over() {
        let memo = TextMemo::new(2);
        let mut worked = 0;
        for _ in 0..3 {
            assert_eq!(
                memo.get_or_insert_with("a", || {
                    worked += 1;
                    1
                }),
                1
            );
        }
        assert_eq!(worked, 1);
        memo.insert("b", 2);
        memo.insert("b", 3);
        assert_eq!(
            (memo.get("a"), memo.get("b")),
            (Some(1), Some(3)),
            "replaced, not full"
        );
        memo.insert("c", 4);
        assert_eq!(
            (memo.get("a"), memo.get("b"), memo.get("c")),
            (None, None, Some(4))
        );
    }
}
