//! Case intake: the transaction that writes new cases, the SQLite group-commit writer that
//! runs it for many cases at once, the system's dispatch entries of an alert, and the case
//! as intake leaves it.

use crate::{run, Db};
use zhili_app::ports::{NewCaseEvent, NewCaseRecord, StoreError, StoreResult};
use zhili_domain::case::{Case, CaseState};
use zhili_domain::AuditEntry;

/// The columns a case is inserted with: the row as intake leaves it (an alert already
/// assigned, a report resolved on the spot), so no UPDATE follows the INSERT.
const INSERT_CASES: &str = "INSERT INTO cases (number, tracking_code, kind, category, title, description, channel, community_code, address, lat, lon, \
     state, created_by, created_at, updated_at, grid_code, assignee_code, assignee_level, assigned_at, due_at, outcome, agreement, ended_at) ";

/// Insert the new cases `$jobs` (a slice of `(&NewCaseRecord, &NewCaseEvent, AuditEntry)`)
/// inside the write transaction `$tx` with a few multi-row statements, whatever their
/// number: numbers per county, rows, parties, timeline entries, alert rows, dispatch
/// notices, Open311 tokens and the audit records, chained in order. Evaluates to their
/// `(id, number)` in order. A duplicate alert id fails the whole call.
macro_rules! insert_cases {
    ($tx:ident, $jobs:expr) => {{
        use $crate::dialect::Dialect as _;
        use zhili_domain::case::CaseState;
        let jobs: &[(&NewCaseRecord, &NewCaseEvent, AuditEntry)] = $jobs;
        // Numbers: one counter step per county and year, by the number of its new cases.
        let mut numbers: Vec<String> = vec![String::new(); jobs.len()];
        let mut groups: std::collections::BTreeMap<(String, i64), Vec<usize>> = Default::default();
        for (i, (n, ..)) in jobs.iter().enumerate() {
            let county = n.community_code.county_prefix().unwrap_or("000000").to_owned();
            groups.entry((county, n.year)).or_default().push(i);
        }
        for ((county, year), members) in &groups {
            let k = members.len() as i64;
            let last: i64 = sqlx::query_scalar(
                "INSERT INTO case_counters (county, year, next) VALUES ($1, $2, $3) \
                 ON CONFLICT (county, year) DO UPDATE SET next = case_counters.next + $3 RETURNING next",
            )
            .bind(county)
            .bind(*year)
            .bind(k)
            .fetch_one(&mut *$tx)
            .await?;
            for (j, i) in members.iter().enumerate() {
                numbers[*i] = zhili_domain::case::case_number(county, *year, last - k + 1 + j as i64);
            }
        }
        let mut qb = sqlx::QueryBuilder::new(INSERT_CASES);
        qb.push_values(jobs.iter().zip(&numbers), |mut b, ((n, ..), number)| {
            let (state, held_by, assigned_at) = match (&n.alert, &n.on_spot) {
                (Some(a), _) => (CaseState::Assigned, Some(&a.assignee), Some(n.at_ms)),
                (None, Some(o)) => (CaseState::Resolved, Some(&o.handler), Some(n.at_ms)),
                (None, None) => (CaseState::Submitted, None, None),
            };
            b.push_bind(number.clone())
                .push_bind(n.tracking_code.clone())
                .push_bind(n.kind.as_str())
                .push_bind(n.category.clone())
                .push_bind(n.title.clone())
                .push_bind(n.description.clone())
                .push_bind(n.channel.as_str())
                .push_bind(n.community_code.to_string())
                .push_bind(n.address.clone())
                .push_bind(n.location.map(|p| p.lat))
                .push_bind(n.location.map(|p| p.lon))
                .push_bind(state.as_str())
                .push_bind(n.created_by)
                .push_bind(n.at_ms)
                .push_bind(n.at_ms)
                .push_bind(n.grid_code.clone())
                .push_bind(held_by.map(|h| h.to_string()))
                .push_bind(held_by.map(|h| h.division().level().as_str()))
                .push_bind(assigned_at)
                .push_bind(n.alert.as_ref().map(|a| a.due_at_ms))
                .push_bind(n.on_spot.as_ref().map(|_| zhili_domain::case::Ending::Agreement.as_str()))
                .push_bind(n.on_spot.as_ref().and_then(|o| o.agreement.clone()))
                .push_bind(n.on_spot.as_ref().map(|_| n.at_ms));
        });
        qb.push(" RETURNING id, number");
        let returned: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *$tx).await?;
        let by_number: std::collections::HashMap<&str, i64> =
            returned.iter().map(|(id, number)| (number.as_str(), *id)).collect();
        let mut ids = Vec::with_capacity(jobs.len());
        for number in &numbers {
            ids.push(*by_number.get(number.as_str()).ok_or_else(|| {
                $crate::corrupt("cases", format!("no id returned for {number}"))
            })?);
        }
        // Parties, in their order.
        let parties: Vec<(i64, usize, &zhili_domain::person::Party)> = jobs
            .iter()
            .zip(&ids)
            .flat_map(|((n, ..), id)| n.parties.iter().enumerate().map(move |(i, p)| (*id, i, p)))
            .collect();
        if !parties.is_empty() {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO case_parties (case_id, position, role, name, phone, id_number) ",
            );
            qb.push_values(&parties, |mut b, (id, i, p)| {
                b.push_bind(*id)
                    .push_bind(*i as i64)
                    .push_bind(p.role.as_str())
                    .push_bind(p.name.clone())
                    .push_bind(p.phone.clone())
                    .push_bind(p.id_number.clone());
            });
            qb.build().execute(&mut *$tx).await?;
        }
        // Timeline: the intake entry, then the alert's dispatch or the on-the-spot ending.
        let mut events: Vec<(i64, NewCaseEvent)> = Vec::new();
        let mut nodes: Vec<(i64, String)> = Vec::new();
        let mut notices: Vec<(i64, &zhili_app::ports::NewNotice, &str)> = Vec::new();
        for ((n, event, _), (id, number)) in jobs.iter().zip(ids.iter().zip(&numbers)) {
            events.push((*id, (*event).clone()));
            if let Some(a) = &n.alert {
                for e in $crate::case_intake::dispatch_events(event, a) {
                    events.push((*id, e));
                }
                nodes.push((*id, a.assignee.to_string()));
                notices.extend(a.notices.iter().map(|x| (*id, x, number.as_str())));
            }
            if let Some(o) = &n.on_spot {
                events.push((*id, o.event.clone()));
                nodes.push((*id, o.handler.to_string()));
            }
        }
        let mut qb = sqlx::QueryBuilder::new(
            "INSERT INTO case_events (case_id, at, actor_id, actor, role, source, action, from_state, to_state, reason, payload) ",
        );
        qb.push_values(&events, |mut b, (id, e)| {
            b.push_bind(*id)
                .push_bind(e.at_ms)
                .push_bind(e.actor_id)
                .push_bind(e.actor.clone())
                .push_bind(e.role.map(|r| r.as_str()))
                .push_bind(e.source.clone())
                .push_bind(e.action.clone())
                .push_bind(e.from_state.map(|s| s.as_str()))
                .push_bind(e.to_state.as_str())
                .push_bind(e.reason.clone())
                .push_bind(e.payload.clone());
        });
        qb.build().execute(&mut *$tx).await?;
        let alerts: Vec<(i64, &zhili_app::ports::NewAlertRecord, i64)> = jobs
            .iter()
            .zip(&ids)
            .filter_map(|((n, ..), id)| n.alert.as_ref().map(|a| (*id, a, n.at_ms)))
            .collect();
        if !alerts.is_empty() {
            // Unique (source, external_id): a duplicate fails the whole intake.
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO alerts (case_id, source, external_id, priority, occurred_at, received_at, ack_due_at) ",
            );
            qb.push_values(&alerts, |mut b, (id, a, at)| {
                b.push_bind(*id)
                    .push_bind(a.source.clone())
                    .push_bind(a.external_id.clone())
                    .push_bind(a.priority.clone())
                    .push_bind(a.occurred_at_ms)
                    .push_bind(*at)
                    .push_bind(a.ack_due_at_ms);
            });
            qb.build().execute(&mut *$tx).await?;
        }
        if !nodes.is_empty() {
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO case_nodes (case_id, node_code) ");
            qb.push_values(&nodes, |mut b, (id, node)| {
                b.push_bind(*id).push_bind(node.clone());
            });
            qb.push(" ON CONFLICT DO NOTHING");
            qb.build().execute(&mut *$tx).await?;
        }
        if !notices.is_empty() {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO notifications (node_code, case_id, kind, message, created_at) ",
            );
            let at = jobs[0].0.at_ms;
            qb.push_values(&notices, |mut b, (id, x, number)| {
                b.push_bind(x.node.to_string())
                    .push_bind(*id)
                    .push_bind(x.kind.clone())
                    .push_bind(format!("【预警】{number} {}", x.message))
                    .push_bind(at);
            });
            qb.build().execute(&mut *$tx).await?;
        }
        let open311: Vec<(i64, &zhili_app::ports::NewOpen311Record, i64)> = jobs
            .iter()
            .zip(&ids)
            .filter_map(|((n, ..), id)| n.open311.as_ref().map(|o| (*id, o, n.at_ms)))
            .collect();
        if !open311.is_empty() {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO open311_requests (case_id, token, api_key_id, media_url, created_at) ",
            );
            qb.push_values(&open311, |mut b, (id, o, at)| {
                b.push_bind(*id)
                    .push_bind(o.token.clone())
                    .push_bind(o.api_key_id)
                    .push_bind(o.media_url.clone())
                    .push_bind(*at);
            });
            qb.build().execute(&mut *$tx).await?;
        }
        // Audit: read the chain's last link once and seal the new records in order.
        $tx.lock_audit_chain().await?;
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *$tx)
                .await?;
        let (mut seq, mut prev) = last.unwrap_or((0, zhili_domain::audit::GENESIS_HASH.to_owned()));
        let mut records = Vec::new();
        for ((n, _, audit), (id, number)) in jobs.iter().zip(ids.iter().zip(&numbers)) {
            let extra = n.on_spot.as_ref().map(|o| o.audit.clone());
            for mut a in std::iter::once(audit.clone()).chain(extra) {
                a.object = format!("case:{id}");
                a.detail = number.clone();
                seq += 1;
                let r = zhili_domain::audit::seal(seq, &prev, a);
                prev = r.hash.clone();
                records.push(r);
            }
        }
        let mut qb = sqlx::QueryBuilder::new(
            "INSERT INTO audit_log (seq, at, actor_id, actor, role, node, source, action, object, outcome, detail, prev_hash, hash) ",
        );
        qb.push_values(&records, |mut b, r| {
            b.push_bind(r.seq)
                .push_bind(r.entry.at_ms)
                .push_bind(r.entry.actor_id)
                .push_bind(r.entry.actor.clone())
                .push_bind(r.entry.role.map(|x| x.as_str()))
                .push_bind(r.entry.node.clone())
                .push_bind(r.entry.source.clone())
                .push_bind(r.entry.action.clone())
                .push_bind(r.entry.object.clone())
                .push_bind(r.entry.outcome.as_str())
                .push_bind(r.entry.detail.clone())
                .push_bind(r.prev_hash.clone())
                .push_bind(r.hash.clone());
        });
        qb.build().execute(&mut *$tx).await?;
        ids.into_iter().zip(numbers).collect::<Vec<(i64, String)>>()
    }};
}

impl Db {
    pub(crate) async fn create_case_impl(
        &self,
        n: &NewCaseRecord,
        event: NewCaseEvent,
        audit: AuditEntry,
    ) -> StoreResult<Case> {
        if let Some(batcher) = &self.case_batcher {
            let (reply, answer) = tokio::sync::oneshot::channel();
            let job = CaseJob {
                new: n.clone(),
                event,
                audit,
                reply,
            };
            if batcher.send(job).await.is_ok() {
                if let Ok(result) = answer.await {
                    return result;
                }
            }
            return Err(StoreError::Backend("the case writer has stopped".into()));
        }
        let mut written = run(async {
            Ok(on_write!(self, |tx| insert_cases!(
                tx,
                &[(n, &event, audit)]
            )))
        })
        .await?;
        let (id, number) = written
            .pop()
            .ok_or_else(|| StoreError::Backend("intake wrote no case".into()))?;
        Ok(new_case(n, id, number))
    }
}

/// The `(id, number)` of each case written, in order.
type Written = Vec<(i64, String)>;

/// One intake waiting for the SQLite case writer.
pub(crate) struct CaseJob {
    new: NewCaseRecord,
    event: NewCaseEvent,
    audit: AuditEntry,
    reply: tokio::sync::oneshot::Sender<StoreResult<Case>>,
}

impl CaseJob {
    fn alert_key(&self) -> Option<(&str, &str)> {
        self.new
            .alert
            .as_ref()
            .map(|a| (a.source.as_str(), a.external_id.as_str()))
    }
}

/// The answer to an alert whose id is already taken (stored, or earlier in the same batch).
fn alert_taken() -> StoreError {
    StoreError::Conflict {
        constraint: "alerts.source_external_id".into(),
    }
}

/// Group commit for intake on SQLite: the writer takes every intake waiting (up to 256) and
/// writes them with a few multi-row statements in one transaction, so one fsync and one
/// round of statements serve many cases. Each caller is answered only after the commit, so an
/// acknowledged case is durable. An alert whose id is already stored, or taken earlier in the
/// batch (a retry racing its first delivery), is left out and answered as a conflict once
/// the winner is committed. If the batch still fails, its cases are written one by one so
/// that one bad case cannot sink the others.
pub(crate) async fn case_writer(db: Db, mut jobs: tokio::sync::mpsc::Receiver<CaseJob>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < 256 {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let together: StoreResult<(Vec<bool>, Written)> = run(async {
            Ok(on_write!(db, |tx| {
                // Alert ids already stored, asked per source so the unique index serves.
                let mut by_source: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
                for (source, id) in batch.iter().filter_map(CaseJob::alert_key) {
                    by_source.entry(source).or_default().push(id);
                }
                let mut stored: Vec<(String, String)> = Vec::new();
                for (source, ids) in &by_source {
                    let mut qb = sqlx::QueryBuilder::new(
                        "SELECT source, external_id FROM alerts WHERE source = ",
                    );
                    qb.push_bind(source.to_string())
                        .push(" AND external_id IN (");
                    let mut sep = qb.separated(", ");
                    for id in ids {
                        sep.push_bind(id.to_string());
                    }
                    qb.push(")");
                    stored.extend(
                        qb.build_query_as::<(String, String)>()
                            .fetch_all(&mut *tx)
                            .await?,
                    );
                }
                let mut taken: std::collections::HashSet<(&str, &str)> = stored
                    .iter()
                    .map(|(s, i)| (s.as_str(), i.as_str()))
                    .collect();
                let fresh: Vec<bool> = batch
                    .iter()
                    .map(|j| j.alert_key().is_none_or(|k| taken.insert(k)))
                    .collect();
                let rows: Vec<(&NewCaseRecord, &NewCaseEvent, AuditEntry)> = batch
                    .iter()
                    .zip(&fresh)
                    .filter(|(_, f)| **f)
                    .map(|(j, _)| (&j.new, &j.event, j.audit.clone()))
                    .collect();
                let written = if rows.is_empty() {
                    Vec::new()
                } else {
                    insert_cases!(tx, &rows)
                };
                (fresh, written)
            }))
        })
        .await;
        match together {
            Ok((fresh, written)) => {
                let mut written = written.into_iter();
                for (j, f) in batch.into_iter().zip(fresh) {
                    let answer = if f {
                        written
                            .next()
                            .map(|(id, number)| new_case(&j.new, id, number))
                            .ok_or_else(|| StoreError::Backend("intake wrote no case".into()))
                    } else {
                        Err(alert_taken())
                    };
                    let _ = j.reply.send(answer);
                }
            }
            Err(_) => {
                for j in batch {
                    let one = run(async {
                        Ok(on_write!(db, |tx| insert_cases!(
                            tx,
                            &[(&j.new, &j.event, j.audit.clone())]
                        )))
                    })
                    .await;
                    let answer = one.and_then(|mut w| {
                        w.pop()
                            .map(|(id, number)| new_case(&j.new, id, number))
                            .ok_or_else(|| StoreError::Backend("intake wrote no case".into()))
                    });
                    let _ = j.reply.send(answer);
                }
            }
        }
    }
}

/// An alert is accepted and assigned by the system as it is taken in: the two timeline
/// entries that say so, by the same feed as the intake entry.
pub(crate) fn dispatch_events(
    intake: &NewCaseEvent,
    a: &zhili_app::ports::NewAlertRecord,
) -> [NewCaseEvent; 2] {
    let step = |action: &str, from, to, payload: String| NewCaseEvent {
        action: action.into(),
        from_state: Some(from),
        to_state: to,
        reason: "预警自动受理派遣".into(),
        payload,
        ..intake.clone()
    };
    [
        step(
            "accept",
            CaseState::Submitted,
            CaseState::Accepted,
            String::from("{}"),
        ),
        step(
            "assign",
            CaseState::Accepted,
            CaseState::Assigned,
            format!(
                "{{\"assignee\":\"{}\",\"due_at_ms\":\"{}\"}}",
                a.assignee, a.due_at_ms
            ),
        ),
    ]
}

/// The case as it stands right after intake.
pub(crate) fn new_case(n: &NewCaseRecord, id: i64, number: String) -> Case {
    Case {
        id,
        number,
        tracking_code: n.tracking_code.clone(),
        kind: n.kind,
        category: n.category.clone(),
        title: n.title.clone(),
        description: n.description.clone(),
        channel: n.channel,
        community_code: n.community_code.clone(),
        address: n.address.clone(),
        location: n.location,
        grid_code: n.grid_code.clone(),
        state: if n.on_spot.is_some() {
            CaseState::Resolved
        } else if n.alert.is_some() {
            CaseState::Assigned
        } else {
            CaseState::Submitted
        },
        suspended_at_ms: None,
        supervised: false,
        assignee: match (&n.on_spot, &n.alert) {
            (Some(o), _) => Some(o.handler.clone()),
            (None, Some(a)) => Some(a.assignee.clone()),
            (None, None) => None,
        },
        assigned_at_ms: (n.alert.is_some() || n.on_spot.is_some()).then_some(n.at_ms),
        due_at_ms: n.alert.as_ref().map(|a| a.due_at_ms),
        ending: n
            .on_spot
            .as_ref()
            .map(|_| zhili_domain::case::Ending::Agreement),
        agreement: n.on_spot.as_ref().and_then(|o| o.agreement.clone()),
        referral: None,
        escalations: 0,
        rating: None,
        rating_comment: None,
        created_by: n.created_by,
        created_at_ms: n.at_ms,
        updated_at_ms: n.at_ms,
        ended_at_ms: n.on_spot.as_ref().map(|_| n.at_ms),
        closed_at_ms: None,
        closed_on_time: None,
        version: 0,
        parties: n.parties.clone(),
    }
}
