//! Zhili's domain: pure types and rules. No I/O, no clock, no async.
//!
//! Raw strings become these types once, at the edge (`DivisionCode::parse`, `NodeCode::parse`,
//! `Role::parse`, `Username::parse`), and nothing inward takes a raw string.

pub mod alert;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod category;
pub mod datetime;
pub mod deadline;
pub mod division;
pub mod error;
pub mod geo;
pub mod index;
pub mod node;
pub mod open311;
pub mod page;
pub mod person;
pub mod registry;
pub mod role;
pub mod routing;
pub mod scope;
pub mod user;
pub mod webhook;

pub use audit::{AuditEntry, AuditRecord, ChainBreak, Outcome};
pub use division::{Division, DivisionCode, DivisionKind, Level, LevelCounts};
pub use error::ParseError;
pub use index::{IndexSpec, Period};
pub use node::{MediationKind, NodeCode, OrgUnit, Sector, UnitType, WorkArea};
pub use page::{Page, Paged};
pub use role::Role;
pub use scope::Scope;
pub use user::{Password, User, Username};
