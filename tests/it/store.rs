//! The store's contract, run against both backends: SQLite (a temporary file) and PostgreSQL
//! (a real server, `postgres.rs`). Each case is one function taking a `Backend`; `on_both!`
//! makes a `sqlite` and a `postgres` test of it. Replicas are several stores opened on one
//! database with different replica ids.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sendercheck::status::{DomainStatus, Transition};
use sendercheck::store::{
    AttemptOutcome, Basis, CheckResult, DeliveryStatus, Endpoint, ListFilter, Registered,
    Registration, Store, StoreOptions,
};

use crate::postgres::Postgres;

/// A database of one backend; several stores (replicas) may open it.
pub struct Backend {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Backend {
    pub async fn sqlite() -> Backend {
        let (url, dir) = crate::support::temp_db();
        Backend {
            url,
            _dir: Some(dir),
        }
    }

    pub async fn postgres() -> Backend {
        Backend {
            url: Postgres::shared().database().await,
            _dir: None,
        }
    }

    /// A store on this database, as replica `replica`.
    pub async fn open(&self, replica: &str) -> Arc<dyn Store> {
        sendercheck::store::open(
            &self.url,
            &StoreOptions {
                replica_id: replica.to_string(),
                pool_size: None,
            },
        )
        .await
        .expect("the store opens")
    }
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(super::Backend::sqlite().await).await
                }

                #[tokio::test]
                async fn postgres() {
                    super::$name(super::Backend::postgres().await).await
                }
            }
        )*
    };
}

on_both!(
    register_is_idempotent_and_updates_start_over,
    unregistered_domains_vanish_but_keep_history,
    due_registrations_are_claimed_once_and_results_need_the_same_generation,
    a_result_computed_from_a_state_that_moved_on_is_dropped,
    list_filters_and_pages_by_domain_byte_by_byte,
    replicas_claim_disjoint_rows_and_only_the_lease_holder_stores,
    a_dead_replicas_rows_come_back_when_the_lease_runs_out,
    released_leases_are_due_at_once,
    paused_rows_are_not_claimed_and_pausing_lets_the_lease_go,
    concurrent_claims_never_overlap,
    events_fan_out_once_and_each_delivery_goes_to_one_replica,
    transitions_and_events_are_written_together,
    test_addresses_and_messages_prove_a_registration_until_it_changes,
    retention_prunes_in_batches_and_keeps_what_still_matters,
    every_audited_change_leaves_one_entry_in_its_own_transaction,
);

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
}

fn registration(domain: &str, profile: &str, token: Option<&str>) -> Registration {
    Registration {
        domain: domain.into(),
        profile: profile.into(),
        token: token.map(Into::into),
        params: BTreeMap::new(),
    }
}

/// A result that keeps the record's state, checked at `checked_at`.
fn unchanged(record: &sendercheck::store::DomainRecord, checked_at: i64) -> CheckResult {
    CheckResult {
        domain: record.domain.clone(),
        generation: record.generation,
        basis: Basis::of(record),
        lifecycle: record.lifecycle.clone(),
        checked_at: at(checked_at),
        next_check_at: at(checked_at + 3600),
        ready: false,
        records: vec![],
        transition: None,
    }
}

fn names(records: &[sendercheck::store::DomainRecord]) -> Vec<String> {
    records.iter().map(|record| record.domain.clone()).collect()
}

async fn register_many(store: &dyn Store, count: usize, due: DateTime<Utc>) {
    let registrations: Vec<Registration> = (0..count)
        .map(|n| registration(&format!("d{n:05}.example"), "mandrill", None))
        .collect();
    assert_eq!(
        store
            .register_all(&registrations, at(0), due)
            .await
            .unwrap(),
        count as u64
    );
}

async fn register_is_idempotent_and_updates_start_over(backend: Backend) {
    let store = backend.open("a").await;
    let shop = registration("shop.example", "mandrill", Some("K1"));
    let (outcome, record) = store.register(&shop, at(0), at(0)).await.unwrap();
    assert_eq!(outcome, Registered::Created);
    assert_eq!(record.lifecycle.status, DomainStatus::Pending);
    assert_eq!(record.checked_at, None);
    let (again, _) = store.register(&shop, at(5), at(5)).await.unwrap();
    assert_eq!(again, Registered::Unchanged);
    let (changed, record) = store
        .register(
            &registration("shop.example", "mandrill", Some("K2")),
            at(9),
            at(9),
        )
        .await
        .unwrap();
    assert_eq!(changed, Registered::Updated);
    assert_eq!(record.generation, 2);
    assert_eq!(record.created_at, at(0));
    let history = store.history("shop.example").await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].reason.en(), "verification token changed");
    store.close().await;
}

async fn unregistered_domains_vanish_but_keep_history(backend: Backend) {
    let store = backend.open("a").await;
    let shop = registration("shop.example", "mandrill", None);
    store.register(&shop, at(0), at(0)).await.unwrap();
    assert!(store.unregister("shop.example", at(1)).await.unwrap());
    assert!(!store.unregister("shop.example", at(2)).await.unwrap());
    assert_eq!(store.get("shop.example").await.unwrap(), None);
    assert_eq!(store.claim_due(at(10), at(20), 10).await.unwrap(), vec![]);
    let (outcome, _) = store.register(&shop, at(3), at(3)).await.unwrap();
    assert_eq!(outcome, Registered::Created);
    let history = store.history("shop.example").await.unwrap();
    assert_eq!(history.len(), 3, "{history:?}");
    assert_eq!(history[1].to, DomainStatus::Unregistered);
    assert_eq!(history[1].from, Some(DomainStatus::Pending));
}

async fn due_registrations_are_claimed_once_and_results_need_the_same_generation(backend: Backend) {
    let store = backend.open("a").await;
    for (n, domain) in ["a.example", "b.example", "c.example"].iter().enumerate() {
        store
            .register(
                &registration(domain, "mandrill", None),
                at(0),
                at(n as i64 * 10),
            )
            .await
            .unwrap();
    }
    let claimed = store.claim_due(at(10), at(100), 10).await.unwrap();
    assert_eq!(names(&claimed), ["a.example", "b.example"]);
    assert!(
        store
            .claim_due(at(10), at(100), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.oldest_due().await.unwrap(), Some(at(20)));

    let mut result = unchanged(&claimed[0], 11);
    assert!(store.save_result(&result).await.unwrap());
    store
        .register(
            &registration("a.example", "mandrill", Some("new")),
            at(12),
            at(12),
        )
        .await
        .unwrap();
    result.checked_at = at(13);
    assert!(
        !store.save_result(&result).await.unwrap(),
        "a stale generation is dropped"
    );
}

async fn a_result_computed_from_a_state_that_moved_on_is_dropped(backend: Backend) {
    let store = backend.open("a").await;
    store
        .register(&registration("a.example", "mandrill", None), at(0), at(0))
        .await
        .unwrap();
    let before = store.get("a.example").await.unwrap().unwrap();
    let mut first = unchanged(&before, 5);
    first.ready = true;
    first.lifecycle.status = DomainStatus::Verified;
    first.transition = Some(Transition {
        at: at(5),
        from: Some(DomainStatus::Pending),
        to: DomainStatus::Verified,
        reason: sendercheck::text::codes::history_passes(""),
    });
    // Two checks computed from the same state: only the first applies.
    let second = CheckResult {
        checked_at: at(6),
        ..first.clone()
    };
    assert!(store.save_result(&first).await.unwrap());
    assert!(
        !store.save_result(&second).await.unwrap(),
        "the basis moved on"
    );
    let history = store.history("a.example").await.unwrap();
    assert_eq!(
        history.len(),
        2,
        "one registration, one transition: {history:?}"
    );
    // A check computed from the state after the first applies.
    let after = store.get("a.example").await.unwrap().unwrap();
    assert_eq!(after.lifecycle.status, DomainStatus::Verified);
    let third = CheckResult {
        basis: Basis::of(&after),
        checked_at: at(7),
        transition: None,
        ..first
    };
    assert!(store.save_result(&third).await.unwrap());
}

async fn list_filters_and_pages_by_domain_byte_by_byte(backend: Backend) {
    let store = backend.open("a").await;
    // '-' (0x2d) sorts before '.' (0x2e) byte by byte; a locale's collation, which ignores
    // punctuation, would put a-b.example after a.example.
    for domain in [
        "c.example",
        "a.example",
        "b.example",
        "d.example",
        "a-b.example",
    ] {
        store
            .register(&registration(domain, "mandrill", None), at(0), at(0))
            .await
            .unwrap();
    }
    let all = store.list(&ListFilter::default(), None, 10).await.unwrap();
    assert_eq!(
        names(&all),
        [
            "a-b.example",
            "a.example",
            "b.example",
            "c.example",
            "d.example"
        ]
    );
    let page = store
        .list(&ListFilter::default(), Some("a.example"), 2)
        .await
        .unwrap();
    assert_eq!(names(&page), ["b.example", "c.example"]);
    let verified = ListFilter {
        status: Some(DomainStatus::Verified),
        ..ListFilter::default()
    };
    assert!(store.list(&verified, None, 10).await.unwrap().is_empty());
    let containing = ListFilter {
        contains: Some("b.ex".into()),
        ..ListFilter::default()
    };
    assert_eq!(
        names(&store.list(&containing, None, 10).await.unwrap()),
        ["a-b.example", "b.example"]
    );
    store.set_paused("c.example", true, at(1)).await.unwrap();
    let paused = ListFilter {
        paused: Some(true),
        ..ListFilter::default()
    };
    assert_eq!(
        names(&store.list(&paused, None, 10).await.unwrap()),
        ["c.example"]
    );
    let counts = store.count_by_status().await.unwrap();
    assert_eq!(counts[0], (DomainStatus::Pending, 5));
}

async fn replicas_claim_disjoint_rows_and_only_the_lease_holder_stores(backend: Backend) {
    let a = backend.open("replica-a").await;
    let b = backend.open("replica-b").await;
    register_many(a.as_ref(), 10, at(0)).await;
    let first = a.claim_due(at(1), at(100), 4).await.unwrap();
    let second = b.claim_due(at(1), at(100), 10).await.unwrap();
    assert_eq!(first.len(), 4);
    assert_eq!(second.len(), 6, "b gets the rest, none of a's");
    assert!(
        first
            .iter()
            .all(|row| !names(&second).contains(&row.domain))
    );
    // b checked one of a's domains (a manual check, say) while a holds a live lease on it:
    // dropped. a's own result is stored and lets the lease go.
    let contested = &first[0];
    assert!(!b.save_result(&unchanged(contested, 5)).await.unwrap());
    assert!(a.save_result(&unchanged(contested, 6)).await.unwrap());
    // With nobody's lease on it, any replica's result (from the state now stored) counts.
    let stored = a.get(&contested.domain).await.unwrap().unwrap();
    assert!(b.save_result(&unchanged(&stored, 7)).await.unwrap());
}

async fn a_dead_replicas_rows_come_back_when_the_lease_runs_out(backend: Backend) {
    let dead = backend.open("replica-dead").await;
    let alive = backend.open("replica-alive").await;
    register_many(dead.as_ref(), 5, at(0)).await;
    let lost = dead.claim_due(at(1), at(61), 10).await.unwrap();
    assert_eq!(lost.len(), 5);
    // While the lease runs, the rows are nobody else's.
    assert!(
        alive
            .claim_due(at(60), at(120), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Past it, the other replica takes them all.
    let taken = alive.claim_due(at(61), at(121), 10).await.unwrap();
    assert_eq!(names(&taken), names(&lost));
    // The replica that was presumed dead comes back with its old result: the lease is the
    // other replica's now, and live, so it is dropped; the new holder's result is stored.
    assert!(!dead.save_result(&unchanged(&lost[0], 70)).await.unwrap());
    assert!(alive.save_result(&unchanged(&taken[0], 71)).await.unwrap());
}

async fn released_leases_are_due_at_once(backend: Backend) {
    let leaving = backend.open("replica-leaving").await;
    let staying = backend.open("replica-staying").await;
    register_many(leaving.as_ref(), 3, at(0)).await;
    let claimed = leaving.claim_due(at(1), at(500), 10).await.unwrap();
    assert_eq!(claimed.len(), 3);
    // One is finished, two are still held at shutdown.
    assert!(
        leaving
            .save_result(&unchanged(&claimed[0], 2))
            .await
            .unwrap()
    );
    assert_eq!(leaving.release_leases(at(3)).await.unwrap(), 2);
    let taken = staying.claim_due(at(3), at(100), 10).await.unwrap();
    assert_eq!(names(&taken), names(&claimed[1..]));
    assert_eq!(staying.release_leases(at(4)).await.unwrap(), 2);
    assert_eq!(leaving.release_leases(at(4)).await.unwrap(), 0);
}

async fn paused_rows_are_not_claimed_and_pausing_lets_the_lease_go(backend: Backend) {
    let a = backend.open("replica-a").await;
    let b = backend.open("replica-b").await;
    register_many(a.as_ref(), 2, at(0)).await;
    let claimed = a.claim_due(at(1), at(100), 1).await.unwrap();
    let domain = claimed[0].domain.clone();
    b.set_paused(&domain, true, at(2)).await.unwrap();
    assert!(
        !a.save_result(&unchanged(&claimed[0], 3)).await.unwrap(),
        "the pause made a new generation"
    );
    let others = b.claim_due(at(5), at(100), 10).await.unwrap();
    assert!(!names(&others).contains(&domain));
    let resumed = b.set_paused(&domain, false, at(6)).await.unwrap().unwrap();
    assert_eq!(resumed.next_check_at, at(6));
    assert_eq!(
        names(&b.claim_due(at(6), at(100), 10).await.unwrap()),
        [domain]
    );
}

async fn concurrent_claims_never_overlap(backend: Backend) {
    let store = backend.open("setup").await;
    register_many(store.as_ref(), 600, at(0)).await;
    let mut replicas = Vec::new();
    for n in 0..4 {
        replicas.push(backend.open(&format!("replica-{n}")).await);
    }
    // Four replicas claim in small batches at once until nothing is left.
    let tasks: Vec<_> = replicas
        .into_iter()
        .map(|replica| {
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = replica.claim_due(at(1), at(1000), 16).await.unwrap();
                    if batch.is_empty() {
                        break mine;
                    }
                    mine.extend(names(&batch));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        let mine = task.await.unwrap();
        all.extend(mine);
    }
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(total, 600, "every row claimed");
    assert_eq!(all.len(), 600, "no row claimed twice");
}

async fn events_fan_out_once_and_each_delivery_goes_to_one_replica(backend: Backend) {
    let a = backend.open("replica-a").await;
    let b = backend.open("replica-b").await;
    register_many(a.as_ref(), 4, at(0)).await;
    // Each domain verified: one event each.
    for record in a.claim_due(at(1), at(100), 10).await.unwrap() {
        let mut result = unchanged(&record, 2);
        result.lifecycle.status = DomainStatus::Verified;
        result.transition = Some(Transition {
            at: at(2),
            from: Some(DomainStatus::Pending),
            to: DomainStatus::Verified,
            reason: sendercheck::text::codes::history_passes(""),
        });
        assert!(a.save_result(&result).await.unwrap());
    }
    let endpoints = [Endpoint {
        url: "https://hooks.example/one".into(),
        events: vec!["domain.verified".into()],
    }];
    let day = chrono::Duration::hours(24);
    let (made_a, made_b) = tokio::join!(
        a.fan_out(&endpoints, at(3), day),
        b.fan_out(&endpoints, at(3), day)
    );
    let made = made_a.unwrap() + made_b.unwrap();
    assert_eq!(
        made + a.fan_out(&endpoints, at(3), day).await.unwrap(),
        4,
        "one delivery per event"
    );
    let (due_a, due_b) = tokio::join!(
        a.due_deliveries(at(4), at(64), 3, &[]),
        b.due_deliveries(at(4), at(64), 10, &[])
    );
    let (due_a, due_b) = (due_a.unwrap(), due_b.unwrap());
    let mut ids: Vec<i64> = due_a.iter().chain(&due_b).map(|d| d.id).collect();
    assert_eq!(ids.len(), 4, "every delivery handed out");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "none to both replicas");
    // Leased, they are handed out again only after the lease.
    assert!(
        a.due_deliveries(at(10), at(70), 10, &[])
            .await
            .unwrap()
            .is_empty()
    );
    for delivery in &due_a {
        a.finish_delivery(delivery.id, &AttemptOutcome::Delivered, at(11))
            .await
            .unwrap();
    }
    let again = b.due_deliveries(at(65), at(125), 10, &[]).await.unwrap();
    let expected: Vec<i64> = due_b.iter().map(|d| d.id).collect();
    assert_eq!(
        again.iter().map(|d| d.id).collect::<Vec<_>>(),
        expected,
        "b's unfinished deliveries come back after its lease"
    );
    assert_eq!(again[0].event.kind, "domain.verified");
    // a, whose lease ran out while it was attempting, finishes late: not recorded, since the
    // delivery is b's now; b's outcome (a retry at 150) is.
    a.finish_delivery(again[0].id, &AttemptOutcome::Delivered, at(66))
        .await
        .unwrap();
    b.finish_delivery(
        again[0].id,
        &AttemptOutcome::Retry {
            at: at(150),
            error: "the endpoint answered 500".into(),
        },
        at(67),
    )
    .await
    .unwrap();
    let failed = b
        .deliveries(Some(DeliveryStatus::Failed), 100)
        .await
        .unwrap();
    assert_eq!(
        failed
            .iter()
            .map(|delivery| delivery.id)
            .collect::<Vec<_>>(),
        [again[0].id],
        "a's late outcome was not recorded over b's lease"
    );
    // An endpoint at its concurrency bound on this replica is skipped.
    let busy = ["https://hooks.example/one".to_string()];
    assert!(
        b.due_deliveries(at(200), at(260), 10, &busy)
            .await
            .unwrap()
            .is_empty()
    );
    let due = b.due_deliveries(at(200), at(260), 10, &[]).await.unwrap();
    assert!(!due.is_empty());
    // Given back unattempted: due again at once.
    b.release_delivery(due[0].id).await.unwrap();
    assert_eq!(
        a.due_deliveries(at(201), at(261), 10, &[]).await.unwrap()[0].id,
        due[0].id
    );
}

async fn transitions_and_events_are_written_together(backend: Backend) {
    let store = backend.open("a").await;
    store
        .register(&registration("a.example", "mandrill", None), at(0), at(0))
        .await
        .unwrap();
    assert!(store.unregister("a.example", at(1)).await.unwrap());
    let endpoints = [Endpoint {
        url: "https://hooks.example/all".into(),
        events: vec!["domain.deleted".into(), "domain.verified".into()],
    }];
    assert_eq!(
        store
            .fan_out(&endpoints, at(2), chrono::Duration::hours(24))
            .await
            .unwrap(),
        1
    );
    let deliveries = store.deliveries(None, 10).await.unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].event.kind, "domain.deleted");
    assert_eq!(deliveries[0].event.record.domain, "a.example");
    let counts = store.delivery_counts().await.unwrap();
    assert_eq!(
        counts,
        vec![(sendercheck::store::DeliveryStatus::Pending, 1)]
    );
}

async fn retention_prunes_in_batches_and_keeps_what_still_matters(backend: Backend) {
    use sendercheck::store::Cutoffs;
    let store = backend.open("a").await;
    // Three domains with a history: registered at 0, verified at 10, failing at 20.
    register_many(store.as_ref(), 3, at(0)).await;
    for (status, seconds) in [(DomainStatus::Verified, 10), (DomainStatus::Failing, 20)] {
        for record in store
            .claim_due(at(seconds), at(seconds + 5), 10)
            .await
            .unwrap()
        {
            let mut result = unchanged(&record, seconds);
            result.next_check_at = at(seconds + 5);
            result.lifecycle.status = status;
            result.lifecycle.status_since = at(seconds);
            result.transition = Some(Transition {
                at: at(seconds),
                from: Some(record.lifecycle.status),
                to: status,
                reason: sendercheck::text::codes::value("test"),
            });
            assert!(store.save_result(&result).await.unwrap());
        }
    }
    // One endpoint gets each event; domain 0's first delivery finishes, the rest stay open.
    let endpoints = [Endpoint {
        url: "https://hooks.example/all".into(),
        events: vec!["domain.verified".into(), "domain.failing".into()],
    }];
    let day = chrono::Duration::hours(24);
    assert_eq!(store.fan_out(&endpoints, at(21), day).await.unwrap(), 6);
    let due = store
        .due_deliveries(at(22), at(80), 100, &[])
        .await
        .unwrap();
    let finished: Vec<i64> = due.iter().map(|delivery| delivery.id).collect();
    for id in &finished {
        store
            .finish_delivery(*id, &AttemptOutcome::Delivered, at(23))
            .await
            .unwrap();
    }
    let open_before = store
        .deliveries(Some(DeliveryStatus::Pending), 100)
        .await
        .unwrap()
        .len();

    let everything = Cutoffs {
        transitions: at(1000),
        events: at(1000),
        messages: at(1000),
    };
    // Batches of 2: the transitions go two at a time, and each domain keeps its latest.
    let first = store.prune(&everything, 2).await.unwrap();
    assert_eq!(first.transitions, 2);
    assert!(first.full(2));
    let mut transitions = first.transitions;
    loop {
        let pruned = store.prune(&everything, 2).await.unwrap();
        transitions += pruned.transitions;
        if !pruned.full(2) {
            break;
        }
    }
    assert_eq!(transitions, 3 * 3 - 3, "all but each domain's latest");
    for record in store.list(&ListFilter::default(), None, 10).await.unwrap() {
        let history = store.history(&record.domain).await.unwrap();
        assert_eq!(history.len(), 1, "{history:?}");
        assert_eq!(
            history[0].to, record.lifecycle.status,
            "the one that set the status"
        );
    }
    // Finished events went with their deliveries; events still being delivered stay whole.
    let left = store.deliveries(None, 100).await.unwrap();
    assert!(
        left.iter()
            .all(|delivery| delivery.status == DeliveryStatus::Pending)
    );
    assert_eq!(left.len(), open_before);
    assert_eq!(left.len() + finished.len(), 6);
    // Nothing older than the cutoffs: nothing goes.
    let none = Cutoffs {
        transitions: at(0),
        events: at(0),
        messages: at(0),
    };
    assert_eq!(
        store.prune(&none, 1000).await.unwrap(),
        sendercheck::store::Pruned::default()
    );
}

/// A message received for `domain` at `seconds`, passing or not.
fn message(domain: &str, seconds: i64, pass: bool) -> sendercheck::store::StoredMessage {
    use sendercheck::message::{MessageVerdict, Outcome};
    let mut verdict = MessageVerdict::unreadable(&sendercheck::message::dkim::MessageError::Empty);
    if pass {
        verdict.verdict = Outcome::Pass;
        verdict.reason = "DMARC passes".into();
    }
    verdict.subject = Some(format!("test at {seconds}"));
    sendercheck::store::StoredMessage {
        id: sendercheck::store::random_id("msg"),
        domain: domain.into(),
        received_at: at(seconds),
        client_ip: "192.0.2.1".into(),
        helo: "mail.example".into(),
        mail_from: format!("bounce@{domain}"),
        recipient: "chk-x@in.example".into(),
        tls: true,
        headers: "From: a@b\r\n".into(),
        verdict,
    }
}

async fn test_addresses_and_messages_prove_a_registration_until_it_changes(backend: Backend) {
    use sendercheck::store::TestAddress;
    let store = backend.open("a").await;
    let address = |local: &str, domain: &str, expires: i64| TestAddress {
        local_part: local.into(),
        domain: domain.into(),
        created_at: at(0),
        expires_at: at(expires),
    };
    // Only for a registered domain.
    assert!(
        !store
            .create_test_address(&address("chk-none", "shop.example", 100))
            .await
            .unwrap()
    );
    store
        .register(
            &registration("shop.example", "mandrill", None),
            at(0),
            at(0),
        )
        .await
        .unwrap();
    assert!(
        store
            .create_test_address(&address("chk-a", "shop.example", 100))
            .await
            .unwrap()
    );
    assert!(
        store
            .create_test_address(&address("chk-old", "shop.example", 5))
            .await
            .unwrap()
    );
    assert_eq!(
        store.test_address("chk-a").await.unwrap().unwrap().domain,
        "shop.example"
    );
    assert!(store.test_address("chk-none").await.unwrap().is_none());
    let live = |now| {
        let store = store.clone();
        async move {
            store
                .live_test_address("shop.example", at(now))
                .await
                .unwrap()
                .map(|a| a.local_part)
        }
    };
    assert_eq!(live(1).await.as_deref(), Some("chk-a"));
    assert_eq!(live(100).await, None, "expired");

    // A failing message is kept but proves nothing; a passing one sets proven_at, and both
    // go to the outbox as domain.test_message with the message inside.
    let failing = store
        .save_message(&message("shop.example", 10, false))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failing.proven_at, None);
    let passing = store
        .save_message(&message("shop.example", 20, true))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(passing.proven_at, Some(at(20)));
    assert_eq!(
        store.get("shop.example").await.unwrap().unwrap().proven_at,
        Some(at(20))
    );
    // An older passing message (received earlier, kept later) never moves it back.
    store
        .save_message(&message("shop.example", 15, true))
        .await
        .unwrap();
    assert_eq!(
        store.get("shop.example").await.unwrap().unwrap().proven_at,
        Some(at(20))
    );
    let listed = store.messages("shop.example", 2).await.unwrap();
    assert_eq!(
        listed.iter().map(|m| m.received_at).collect::<Vec<_>>(),
        [at(15), at(20)],
        "newest kept first, at most the limit"
    );
    assert_eq!(listed[1].verdict.subject.as_deref(), Some("test at 20"));
    let endpoints = [Endpoint {
        url: "https://hooks.example/messages".into(),
        events: vec!["domain.test_message".into()],
    }];
    assert_eq!(
        store
            .fan_out(&endpoints, at(30), chrono::Duration::hours(24))
            .await
            .unwrap(),
        3
    );
    let deliveries = store.deliveries(None, 10).await.unwrap();
    assert!(
        deliveries
            .iter()
            .all(|d| d.event.kind == "domain.test_message"
                && d.event.transition.is_none()
                && d.event.message.is_some())
    );

    // A registration change starts over: not proven until a new message passes.
    let (_, changed) = store
        .register(&registration("shop.example", "ses", None), at(40), at(40))
        .await
        .unwrap();
    assert_eq!(changed.proven_at, None);
    // Unregistered: no message is kept.
    assert!(store.unregister("shop.example", at(50)).await.unwrap());
    assert!(
        store
            .save_message(&message("shop.example", 60, true))
            .await
            .unwrap()
            .is_none()
    );

    // Retention: messages received before 16 and addresses expired before it go.
    let cutoffs = sendercheck::store::Cutoffs {
        transitions: at(0),
        events: at(0),
        messages: at(16),
    };
    let pruned = store.prune(&cutoffs, 1000).await.unwrap();
    assert_eq!((pruned.test_messages, pruned.test_addresses), (2, 1));
    assert_eq!(store.messages("shop.example", 10).await.unwrap().len(), 1);
    // A live address stays, whatever the cutoff before its expiry.
    let cutoffs = sendercheck::store::Cutoffs {
        messages: at(99),
        ..cutoffs
    };
    let pruned = store.prune(&cutoffs, 1000).await.unwrap();
    assert_eq!((pruned.test_messages, pruned.test_addresses), (1, 0));
    assert!(store.test_address("chk-old").await.unwrap().is_none());
    assert!(store.test_address("chk-a").await.unwrap().is_some());
}

/// The due query reads the partial index from its head, on both backends: its cost follows
/// the due set, not the table.
#[tokio::test]
async fn the_due_query_reads_the_partial_index_on_sqlite() {
    use sqlx::{Connection, Row};
    let backend = Backend::sqlite().await;
    backend.open("a").await.close().await;
    let mut connection = sqlx::SqliteConnection::connect(&backend.url).await.unwrap();
    let plan: Vec<String> = sqlx::query(
        "EXPLAIN QUERY PLAN SELECT domain FROM domains WHERE active AND NOT paused \
         AND next_check_at <= 1 AND (lease_until IS NULL OR lease_until <= 1) \
         ORDER BY next_check_at LIMIT 10",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap()
    .iter()
    .map(|row| row.get::<String, _>("detail"))
    .collect();
    assert!(
        plan.iter()
            .any(|step| step.contains("USING INDEX domains_due")),
        "{plan:?}"
    );
    assert!(
        !plan.iter().any(|step| step.starts_with("SCAN domains")),
        "{plan:?}"
    );
}

#[tokio::test]
async fn the_due_query_reads_the_partial_index_on_postgres() {
    use sqlx::Connection;
    let backend = Backend::postgres().await;
    let store = backend.open("a").await;
    register_many(store.as_ref(), 5_000, at(0)).await;
    let mut connection = sqlx::PgConnection::connect(&backend.url).await.unwrap();
    sqlx::query("ANALYZE domains")
        .execute(&mut connection)
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT domain FROM domains WHERE active AND NOT paused \
         AND next_check_at <= 1700000001000 AND (lease_until IS NULL OR lease_until <= 1700000001000) \
         ORDER BY next_check_at LIMIT 10 FOR UPDATE SKIP LOCKED",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    assert!(
        plan.iter().any(|step| step.contains("domains_due")),
        "{plan:?}"
    );
    assert!(
        !plan.iter().any(|step| step.contains("Seq Scan")),
        "{plan:?}"
    );
}

async fn every_audited_change_leaves_one_entry_in_its_own_transaction(backend: Backend) {
    use sendercheck::store::{Actor, AuditFilter, Cutoffs, TestAddress};
    let store = backend.open("a").await;
    let ops = Actor {
        token: Some("ops".into()),
    };
    let support = Actor {
        token: Some("support".into()),
    };
    let reg = registration("audit.example", "mandrill", Some("KEY"));
    store
        .register_as(&reg, at(0), at(1), Some(&ops))
        .await
        .unwrap();
    // Nothing changed: no entry. Without an actor (imports, tests): no entry either.
    store
        .register_as(&reg, at(1), at(2), Some(&ops))
        .await
        .unwrap();
    store
        .register(
            &registration("quiet.example", "mandrill", None),
            at(1),
            at(2),
        )
        .await
        .unwrap();
    let mut changed = registration("audit.example", "ses", None);
    changed.params.insert("region".into(), "eu-west-1".into());
    store
        .register_as(&changed, at(2), at(3), Some(&support))
        .await
        .unwrap();
    store
        .set_paused_as("audit.example", true, at(3), Some(&support))
        .await
        .unwrap();
    store
        .set_paused_as("audit.example", false, at(4), Some(&support))
        .await
        .unwrap();
    let address = TestAddress {
        local_part: "chk-secretlocalpart".into(),
        domain: "audit.example".into(),
        created_at: at(5),
        expires_at: at(5 + 7 * 86_400),
    };
    assert!(
        store
            .create_test_address_as(&address, Some(&ops))
            .await
            .unwrap()
    );
    store
        .record_audit(
            &support,
            "check",
            Some("audit.example"),
            "checked now on request",
            at(6),
        )
        .await
        .unwrap();
    assert!(
        store
            .unregister_as("audit.example", at(7), Some(&ops))
            .await
            .unwrap()
    );
    // Unregistering what is not registered changes nothing, and records nothing.
    assert!(
        !store
            .unregister_as("audit.example", at(8), Some(&ops))
            .await
            .unwrap()
    );

    let all = store.audit(&AuditFilter::default(), 100).await.unwrap();
    let actions: Vec<(&str, Option<&str>)> = all
        .iter()
        .map(|entry| (entry.action.as_str(), entry.token.as_deref()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("delete", Some("ops")),
            ("check", Some("support")),
            ("test_address", Some("ops")),
            ("resume", Some("support")),
            ("pause", Some("support")),
            ("update", Some("support")),
            ("register", Some("ops")),
        ],
        "newest first, one per change: {all:#?}"
    );
    assert_eq!(all[0].at, at(7));
    assert!(
        all.iter()
            .all(|entry| entry.domain.as_deref() == Some("audit.example"))
    );
    assert_eq!(all[6].detail, "profile mandrill; with an ownership token");
    assert_eq!(all[5].detail, "profile ses; parameters region");
    assert!(
        !all[2].detail.contains("secretlocalpart"),
        "{}",
        all[2].detail
    );
    let by_token = AuditFilter {
        token: Some("ops".into()),
        ..AuditFilter::default()
    };
    assert_eq!(store.audit(&by_token, 100).await.unwrap().len(), 3);
    let by_domain = AuditFilter {
        domain: Some("quiet.example".into()),
        ..AuditFilter::default()
    };
    assert!(store.audit(&by_domain, 100).await.unwrap().is_empty());
    assert_eq!(
        store.audit(&AuditFilter::default(), 2).await.unwrap().len(),
        2
    );

    // Kept as long as the transitions, pruned in batches like them.
    let cutoffs = Cutoffs {
        transitions: at(5),
        events: at(0),
        messages: at(0),
    };
    let pruned = store.prune(&cutoffs, 2).await.unwrap();
    assert_eq!(pruned.audit, 2);
    let pruned = store.prune(&cutoffs, 2).await.unwrap();
    assert_eq!(pruned.audit, 2);
    assert_eq!(store.prune(&cutoffs, 2).await.unwrap().audit, 0);
    assert_eq!(
        store
            .audit(&AuditFilter::default(), 100)
            .await
            .unwrap()
            .len(),
        3
    );
}
