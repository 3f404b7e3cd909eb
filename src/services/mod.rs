//! What the registry does: one public function per use case. The HTTP
//! handlers, the pages, the command line and the background jobs all call
//! these, so each rule is written once.
//!
//! A use case that changes anything
//! - opens its own write transaction ([`crate::db::write_tx`]), so its
//!   effects commit whole or not at all;
//! - checks the caller's role before it reads anything the caller may not see;
//! - appends its audit entry ([`crate::audit::append`]) in that transaction,
//!   so an official's action never commits without its entry. A refusal that
//!   must be on record (a failed login, a daily limit) is committed first and
//!   reported after, since returning `Err` rolls the transaction back;
//! - returns a typed error, which the callers translate (an HTTP status, a
//!   page, a line on stderr) and never parse.
//!
//! Reads run on the connection they are given, without a transaction.
//! Platform reports and status reads are not audit events (DESIGN §8: the
//! platform path never waits on the audit log). Nothing here knows about
//! HTTP, cookies or templates.

pub mod access;
pub mod accounts;
pub mod audit_log;
pub mod contact;
pub mod identification;
pub mod keys;
pub mod notifications;
pub mod officials;
pub mod owners;
pub mod platforms;
mod proofs;
pub mod recovery;
pub mod retention;
pub mod review;
pub mod statements;
pub mod transparency;
pub mod watch;
pub mod webhooks;

/// What to do when the platform or official to register already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfExists {
    Fail,
    /// Issue new credentials; the old ones stop working.
    Reissue,
}
