//! DNSSEC as a verdict: a bogus answer anywhere under a record's verdict (the record's own,
//! its CNAME chain, the SPF includes, the DMARC fallback) fails it — validating resolvers answer
//! SERVFAIL for it, so receivers see a temporary error where the record should be. Otherwise the
//! record shows the status of the answers at its own name: a customer's signed zone reads
//! `secure` even when the provider's zone its CNAME or include points to is unsigned. Judged
//! from the statuses `dns/` recorded in the snapshot, as plain data.

use std::collections::BTreeSet;

use super::{RecordCheck, RecordStatus};
use crate::answer::{DnsSnapshot, Dnssec, DnssecState, Query, normalize_name};
use crate::text::codes;

/// Gives `check` the DNSSEC status of the answers in `read`; a bogus one makes it `fail`
/// (never `pass`, never `error`) with the cause and what to change. No status when none of
/// the answers was validated (DNSSEC off).
pub fn judge(check: &mut RecordCheck, read: &BTreeSet<Query>, snapshot: &DnsSnapshot) {
    let statuses: Vec<&Dnssec> = read
        .iter()
        .filter_map(|query| snapshot.dnssec(query))
        .collect();
    let Some(worst_read) = worst(statuses.iter().copied()) else {
        return;
    };
    let own_name = normalize_name(&check.name);
    let own = worst(
        read.iter()
            .filter(|query| query.name == own_name)
            .filter_map(|query| snapshot.dnssec(query)),
    );
    let worst = match own {
        Some(own) if worst_read.state != DnssecState::Bogus => own,
        _ => worst_read,
    };
    for warning in statuses.iter().filter_map(|status| status.warning.as_ref()) {
        if !check.warnings.contains(warning) {
            check.warnings.push(warning.clone());
        }
    }
    check.dnssec = Some(worst.clone());
    if worst.state != DnssecState::Bogus {
        return;
    }
    let cause = worst.reason.clone().unwrap_or_else(codes::dnssec_not_valid);
    let judged = check.message.clone();
    check.message = match check.status {
        RecordStatus::Fail | RecordStatus::Missing => codes::dnssec_bogus_besides(cause, judged),
        _ => {
            check.fix = None;
            codes::dnssec_bogus(cause)
        }
    };
    check.status = RecordStatus::Fail;
    check.last_conclusive = None;
}

/// The worst status (the first of equals).
pub fn worst<'a>(statuses: impl Iterator<Item = &'a Dnssec>) -> Option<&'a Dnssec> {
    statuses.fold(None, |held: Option<&Dnssec>, status| match held {
        Some(held) if held.state >= status.state => Some(held),
        _ => Some(status),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{Answer, Observed};
    use crate::checks::{Fix, RecordKind};

    fn snapshot_with(state: DnssecState, reason: Option<&str>) -> DnsSnapshot {
        let mut snapshot = DnsSnapshot::new();
        let mut observed = Observed::resolver(Answer::Records(vec!["v=DMARC1; p=none".into()]));
        observed.dnssec = Some(Dnssec::new(
            state,
            Some("shop.example".into()),
            reason.map(codes::value),
        ));
        snapshot.observe(Query::txt("_dmarc.shop.example"), observed);
        snapshot
    }

    fn passing() -> RecordCheck {
        let mut check = RecordCheck::new(
            RecordKind::Dmarc,
            "_dmarc.shop.example",
            "TXT",
            crate::text::codes::expect_dmarc(),
            Fix::txt("_dmarc.shop.example", "v=DMARC1; p=none"),
        );
        check.fix = None;
        check
    }

    #[test]
    fn a_bogus_answer_fails_a_record_that_would_pass_naming_the_cause() {
        let snapshot = snapshot_with(DnssecState::Bogus, Some("signatures expired on 2026-11-20"));
        let read = BTreeSet::from([Query::txt("_dmarc.shop.example")]);
        let mut check = passing();
        judge(&mut check, &read, &snapshot);
        assert_eq!(check.status, RecordStatus::Fail);
        assert_eq!(
            check.message.en(),
            "DNSSEC: signatures expired on 2026-11-20"
        );
        assert_eq!(check.dnssec.unwrap().state, DnssecState::Bogus);
    }

    #[test]
    fn secure_insecure_and_unvalidated_answers_leave_the_verdict_alone() {
        for state in [
            DnssecState::Secure,
            DnssecState::Insecure,
            DnssecState::Indeterminate,
        ] {
            let snapshot = snapshot_with(state, None);
            let read = BTreeSet::from([Query::txt("_dmarc.shop.example")]);
            let mut check = passing();
            judge(&mut check, &read, &snapshot);
            assert_eq!(check.status, RecordStatus::Pass);
            assert_eq!(check.dnssec.unwrap().state, state);
        }
        let mut check = passing();
        judge(
            &mut check,
            &BTreeSet::new(),
            &snapshot_with(DnssecState::Bogus, None),
        );
        assert_eq!((check.status, check.dnssec), (RecordStatus::Pass, None));
    }

    #[test]
    fn a_record_shows_its_own_name_unless_something_under_it_is_bogus() {
        let mut snapshot = snapshot_with(DnssecState::Secure, None);
        let mut provider = Observed::resolver(Answer::Records(vec!["v=spf1 -all".into()]));
        provider.dnssec = Some(Dnssec::new(DnssecState::Insecure, None, None));
        snapshot.observe(Query::txt("spf.provider.example"), provider.clone());
        let read = BTreeSet::from([
            Query::txt("_dmarc.shop.example"),
            Query::txt("spf.provider.example"),
        ]);
        let mut check = passing();
        judge(&mut check, &read, &snapshot);
        assert_eq!(check.dnssec.unwrap().state, DnssecState::Secure);
        provider.dnssec = Some(Dnssec::new(
            DnssecState::Bogus,
            None,
            Some(codes::value("expired")),
        ));
        snapshot.observe(Query::txt("spf.provider.example"), provider);
        let mut check = passing();
        judge(&mut check, &read, &snapshot);
        assert_eq!(check.dnssec.unwrap().state, DnssecState::Bogus);
        assert_eq!(check.status, RecordStatus::Fail);
    }

    #[test]
    fn the_worst_status_wins_and_the_first_of_equals() {
        let status = |state, zone: &str| Dnssec::new(state, Some(zone.into()), None);
        let all = [
            status(DnssecState::Secure, "a"),
            status(DnssecState::Insecure, "b"),
            status(DnssecState::Insecure, "c"),
        ];
        assert_eq!(worst(all.iter()).unwrap().zone.as_deref(), Some("b"));
        assert_eq!(worst(std::iter::empty()), None);
    }
}
