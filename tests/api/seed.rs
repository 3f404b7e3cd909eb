use crate::helpers::TestDb;
use chrono::Utc;
use diesel::prelude::*;
use registry::crypto::{KeyRing, TokenPurpose};
use registry::db::repo::platforms;
use registry::db::schema::{accounts, status_changes};
use registry::domain::{AccountRef, FollowerCount, Handle, PlatformSlug, RegistryPolicy};
use registry::services::accounts::{Report, report};

#[test]
fn seeding_creates_accounts_with_their_feed_and_leaves_the_database_writable() {
    let test_db = TestDb::new();
    let pool = test_db.pool();
    let keys = KeyRing::generate(Utc::now());
    let mut conn = pool.get().unwrap();
    let digest = |n: u8| keys.token_digester().digest(TokenPurpose::PlatformApi, &format!("token-{n}"));
    let a = platforms::create(&mut conn, &PlatformSlug::parse("alpha").unwrap(), "A", &digest(1), Utc::now()).unwrap();
    let b = platforms::create(&mut conn, &PlatformSlug::parse("bravo").unwrap(), "B", &digest(2), Utc::now()).unwrap();
    let policy = RegistryPolicy::default();

    assert_eq!(registry::seed::seed_accounts(&mut conn, &keys, &policy, &[a, b], 2500, Utc::now()).unwrap(), 2500);
    assert_eq!(registry::seed::seed_accounts(&mut conn, &keys, &policy, &[a, b], 500, Utc::now()).unwrap(), 500);

    let per_platform: Vec<(registry::domain::PlatformId, i64)> = accounts::table
        .group_by(accounts::platform_id)
        .select((accounts::platform_id, diesel::dsl::count_star()))
        .order(accounts::platform_id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(per_platform, [(a, 1500), (b, 1500)]);
    let by_status: Vec<(String, i64)> = accounts::table
        .group_by(accounts::status)
        .select((accounts::status, diesel::dsl::count_star()))
        .order(accounts::status)
        .load(&mut conn)
        .unwrap();
    let by_status: Vec<(&str, i64)> = by_status.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    assert_eq!(by_status, [("not_required", 600), ("overdue", 300), ("required", 1500), ("verified", 600)]);
    let unmatched: i64 = accounts::table
        .left_join(status_changes::table.on(status_changes::seq.eq(accounts::seq)))
        .filter(
            status_changes::account_id
                .nullable()
                .ne(accounts::id.nullable())
                .or(status_changes::seq.nullable().is_null()),
        )
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(unmatched, 0, "every account points at its own feed row");

    // Normal writes after seeding get fresh ids and sequence numbers.
    let new = Report {
        account_ref: AccountRef::parse("fresh").unwrap(),
        handle: Handle::parse("@fresh").unwrap(),
        follower_count: FollowerCount::new(9000),
        observed_at: None,
    };
    let results = report(&mut conn, &keys, &policy, a, &[new], Utc::now()).unwrap();
    assert_eq!(results[0].status.as_str(), "required");
    let max_seq: Option<i64> =
        status_changes::table.select(diesel::dsl::max(status_changes::seq)).first(&mut conn).unwrap();
    assert_eq!(max_seq, Some(3001));
}
