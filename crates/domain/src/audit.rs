//! The audit log's records and its hash chain. Each record's hash covers its sequence number,
//! its fields and the previous record's hash, so editing, deleting or inserting a record
//! anywhere but at the very end breaks the chain, and `ChainVerifier` finds where.

use crate::role::Role;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash before the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Outcome::Success, Outcome::Failure, Outcome::Denied]
            .into_iter()
            .find(|o| o.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Success => "成功",
            Outcome::Failure => "失败",
            Outcome::Denied => "拒绝",
        }
    }
}

/// What happened, by whom, from where, to what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub at_ms: i64,
    pub actor_id: Option<i64>,
    /// Username, or `cli:…` / `system` for work not done through a login.
    pub actor: String,
    pub role: Option<Role>,
    /// The actor's node: auditors below the city see the records of their subtree.
    pub node: Option<String>,
    /// Source address (IP) or `cli`.
    pub source: String,
    /// Stable action name, e.g. `auth.login`, `user.create`, `division.import`.
    pub action: String,
    /// What it was done to, e.g. `user:42`, `division:370602001000`.
    pub object: String,
    pub outcome: Outcome,
    /// Free text, never a password or unmasked personal data.
    pub detail: String,
}

/// A stored record: the entry, its place in the chain and the chain hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    #[serde(flatten)]
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// SHA-256 over the sequence number, the previous hash and every field, each length-prefixed
/// so that no two different records serialise alike.
pub fn chain_hash(seq: i64, prev_hash: &str, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    field(&seq.to_string());
    field(prev_hash);
    field(&e.at_ms.to_string());
    field(&e.actor_id.map(|i| i.to_string()).unwrap_or_default());
    field(&e.actor);
    field(e.role.map(Role::as_str).unwrap_or(""));
    field(e.node.as_deref().unwrap_or(""));
    field(&e.source);
    field(&e.action);
    field(&e.object);
    field(e.outcome.as_str());
    field(&e.detail);
    hex::encode(h.finalize())
}

/// Seal an entry as record `seq` following `prev_hash`.
pub fn seal(seq: i64, prev_hash: &str, entry: AuditEntry) -> AuditRecord {
    let hash = chain_hash(seq, prev_hash, &entry);
    AuditRecord {
        seq,
        entry,
        prev_hash: prev_hash.to_owned(),
        hash,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("第 {seq} 条记录的内容与其哈希不符（记录被修改）")]
    Edited { seq: i64 },
    #[error("第 {seq} 条记录未接续上一条记录的哈希（前面有记录被删除、插入或修改）")]
    Unlinked { seq: i64 },
    #[error("序号不连续：应为 {expected}，实为 {found}（有记录被删除或插入）")]
    Gap { expected: i64, found: i64 },
}

/// Checks records one by one in sequence order, so a log of any length streams through.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev_hash: String,
    next_seq: i64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            prev_hash: GENESIS_HASH.to_owned(),
            next_seq: 1,
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        if r.seq != self.next_seq {
            return Err(ChainBreak::Gap {
                expected: self.next_seq,
                found: r.seq,
            });
        }
        if r.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked { seq: r.seq });
        }
        if chain_hash(r.seq, &r.prev_hash, &r.entry) != r.hash {
            return Err(ChainBreak::Edited { seq: r.seq });
        }
        self.prev_hash = r.hash.clone();
        self.next_seq += 1;
        Ok(())
    }

    /// Records checked so far.
    pub fn count(&self) -> i64 {
        self.next_seq - 1
    }

    /// The hash of the last record checked: write it down to detect truncation later.
    pub fn head(&self) -> &str {
        &self.prev_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: i64) -> AuditEntry {
        AuditEntry {
            at_ms: 1_700_000_000_000 + i,
            actor_id: Some(1),
            actor: "admin".into(),
            role: Some(Role::SecurityAdmin),
            node: Some("370600000000".into()),
            source: "127.0.0.1".into(),
            action: "user.create".into(),
            object: format!("user:{i}"),
            outcome: Outcome::Success,
            detail: String::new(),
        }
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let r = seal(seq, &prev, entry(seq));
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn verify(rs: &[AuditRecord]) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for r in rs {
            v.push(r)?;
        }
        Ok(v.count())
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn an_edit_is_found_at_the_edited_record() {
        let mut rs = chain(5);
        rs[2].entry.outcome = Outcome::Failure;
        assert_eq!(verify(&rs), Err(ChainBreak::Edited { seq: 3 }));
    }

    #[test]
    fn an_edit_with_a_recomputed_hash_breaks_the_next_link() {
        let mut rs = chain(5);
        rs[2].entry.detail = "rewritten".into();
        rs[2].hash = chain_hash(3, &rs[2].prev_hash, &rs[2].entry);
        assert_eq!(verify(&rs), Err(ChainBreak::Unlinked { seq: 4 }));
    }

    #[test]
    fn a_deletion_or_insertion_is_found() {
        let mut rs = chain(5);
        rs.remove(1);
        assert_eq!(
            verify(&rs),
            Err(ChainBreak::Gap {
                expected: 2,
                found: 3
            })
        );
        let mut rs = chain(5);
        let forged = seal(3, &rs[1].hash, entry(99));
        rs.insert(2, forged);
        assert!(verify(&rs).is_err());
    }
}
