//! All SQL, one module per aggregate. Functions take `&mut DbConnection` so
//! the caller owns the transaction, and return `Result<_, DbError>`.

pub mod access_requests;
pub mod accounts;
pub mod identities;
pub mod officials;
pub mod platforms;
pub mod sessions;
