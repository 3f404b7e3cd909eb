//! The one hand-kept diesel schema for both backends, in portable SQL types
//! only (`BigInt`, `Integer`, `Text`, `Binary`, `Timestamp`, `Date`).
//! The storage tests in `tests/api/storage.rs` run against both migrated databases.

diesel::table! {
    platforms (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        token_digest -> Nullable<Binary>,
        token_issued_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        code_location -> Nullable<Text>,
    }
}

diesel::table! {
    accounts (id) {
        id -> BigInt,
        platform_id -> BigInt,
        account_ref -> Text,
        handle -> Text,
        follower_count -> BigInt,
        observed_at -> Timestamp,
        status -> Text,
        assurance -> Nullable<Text>,
        crossed_at -> Nullable<Timestamp>,
        deadline -> Nullable<Timestamp>,
        below_since -> Nullable<Timestamp>,
        claim_code_digest -> Nullable<Binary>,
        claim_code_expires_at -> Nullable<Timestamp>,
        status_changed_at -> Timestamp,
        seq -> BigInt,
        created_at -> Timestamp,
        version -> BigInt,
        statement_key -> Nullable<Text>,
        statement_signature -> Nullable<Binary>,
    }
}

diesel::table! {
    status_changes (seq) {
        seq -> BigInt,
        platform_id -> BigInt,
        account_id -> BigInt,
        account_ref -> Text,
        status -> Text,
        assurance -> Nullable<Text>,
        changed_at -> Timestamp,
        deadline -> Nullable<Timestamp>,
        statement_key -> Nullable<Text>,
        statement_signature -> Nullable<Binary>,
    }
}

diesel::table! {
    status_keys (kid) {
        kid -> Text,
        public_key -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> BigInt,
        platform_id -> BigInt,
        url -> Text,
        scheme -> Text,
        secret_nonce -> Binary,
        previous_nonce -> Nullable<Binary>,
        previous_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        failing_since -> Nullable<Timestamp>,
        disabled_at -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        leased_until -> Nullable<Timestamp>,
        next_round_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        endpoint_id -> BigInt,
        platform_id -> BigInt,
        seq -> BigInt,
        payload -> Text,
        created_at -> Timestamp,
        next_attempt_at -> Nullable<Timestamp>,
        attempts -> Integer,
        last_attempt_at -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    status_heads (platform_id) {
        platform_id -> BigInt,
        seq -> BigInt,
        issued_at -> Timestamp,
        signature -> Text,
    }
}

diesel::table! {
    identities (id) {
        id -> BigInt,
        reference -> Text,
        owner_type -> Text,
        blind_index -> Nullable<Binary>,
        key_id -> Nullable<Integer>,
        wrapped_data_key -> Nullable<Binary>,
        management_key_digest -> Nullable<Binary>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        shredded_at -> Nullable<Timestamp>,
        registrar_checked_at -> Nullable<Timestamp>,
        email_confirmed_at -> Nullable<Timestamp>,
        lang -> Text,
    }
}

diesel::table! {
    identity_fields (identity_id, field) {
        identity_id -> BigInt,
        field -> Text,
        ciphertext -> Binary,
    }
}

diesel::table! {
    account_identities (account_id, identity_id) {
        account_id -> BigInt,
        identity_id -> BigInt,
        linked_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    officials (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        totp_key_id -> Integer,
        totp_secret -> Binary,
        last_totp_step -> Nullable<BigInt>,
        roles -> Text,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        official_id -> BigInt,
        token_digest -> Binary,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    owner_sessions (id) {
        id -> BigInt,
        identity_id -> BigInt,
        token_digest -> Binary,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        identity_id -> Nullable<BigInt>,
        kind -> Text,
        dedupe_key -> Nullable<Text>,
        key_id -> Nullable<Integer>,
        payload -> Nullable<Binary>,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        dropped_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    pending_identifications (id) {
        id -> BigInt,
        account_id -> BigInt,
        claim_code_digest -> Binary,
        blind_index -> Binary,
        existing_identity_id -> Nullable<BigInt>,
        key_id -> Integer,
        declaration -> Binary,
        lang -> Text,
        code_digest -> Binary,
        code_expires_at -> Timestamp,
        codes_sent -> Integer,
        failed_attempts -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    owner_tokens (id) {
        id -> BigInt,
        identity_id -> BigInt,
        purpose -> Text,
        token_digest -> Binary,
        account_id -> Nullable<BigInt>,
        key_id -> Nullable<Integer>,
        value -> Nullable<Binary>,
        failed_attempts -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    access_requests (id) {
        id -> BigInt,
        requester_id -> BigInt,
        target_platform_id -> Nullable<BigInt>,
        target_account_ref -> Nullable<Text>,
        target_identifier_type -> Nullable<Text>,
        target_blind_index -> Nullable<Binary>,
        legal_basis -> Text,
        basis_document_number -> Text,
        basis_document_date -> Date,
        basis_document_issuer -> Text,
        justification -> Text,
        fields -> Text,
        state -> Text,
        created_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
        notify_owner_after -> Nullable<Timestamp>,
        valid_until -> Nullable<Timestamp>,
        openings -> Integer,
        owner_told_at -> Nullable<Timestamp>,
        target_key_id -> Nullable<Integer>,
        target_identifier -> Nullable<Binary>,
        authority -> Nullable<Text>,
    }
}

diesel::table! {
    disclosures (id) {
        id -> BigInt,
        request_id -> BigInt,
        identity_id -> BigInt,
        opened_by -> BigInt,
        opened_at -> Timestamp,
        audit_seq -> BigInt,
    }
}

diesel::table! {
    review_checks (id) {
        id -> BigInt,
        identity_id -> BigInt,
        official_id -> BigInt,
        purpose -> Text,
        fields -> Text,
        confirms -> Bool,
        contradicts -> Bool,
        compared -> Bool,
        checked_at -> Timestamp,
        audit_seq -> BigInt,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor -> Text,
        action -> Text,
        subject -> Text,
        details -> Text,
        prev_hash -> Binary,
        hash -> Binary,
        salt -> Nullable<Binary>,
    }
}

diesel::table! {
    audit_tree (idx) {
        idx -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    tree_head_cosignatures (size, witness) {
        size -> BigInt,
        witness -> Text,
        line -> Text,
    }
}

diesel::table! {
    tree_heads (size) {
        size -> BigInt,
        root -> Binary,
        note -> Text,
        signed_at -> Timestamp,
    }
}

diesel::table! {
    checkpoints (seq) {
        seq -> BigInt,
        hash -> Binary,
        signed_at -> Timestamp,
        public_key -> Binary,
        signature -> Binary,
    }
}

diesel::table! {
    job_runs (job) {
        job -> Text,
        started_at -> Timestamp,
    }
}

diesel::joinable!(accounts -> platforms (platform_id));
diesel::joinable!(status_changes -> accounts (account_id));
diesel::joinable!(status_heads -> platforms (platform_id));
diesel::joinable!(webhook_endpoints -> platforms (platform_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(identity_fields -> identities (identity_id));
diesel::joinable!(account_identities -> accounts (account_id));
diesel::joinable!(account_identities -> identities (identity_id));
diesel::joinable!(sessions -> officials (official_id));
diesel::joinable!(owner_sessions -> identities (identity_id));
diesel::joinable!(outbox -> identities (identity_id));
diesel::joinable!(pending_identifications -> accounts (account_id));
diesel::joinable!(owner_tokens -> identities (identity_id));
diesel::joinable!(disclosures -> access_requests (request_id));
diesel::joinable!(access_requests -> platforms (target_platform_id));
diesel::joinable!(checkpoints -> audit_log (seq));

diesel::allow_tables_to_appear_in_same_query!(
    platforms,
    accounts,
    status_changes,
    status_keys,
    status_heads,
    webhook_endpoints,
    webhook_deliveries,
    identities,
    identity_fields,
    account_identities,
    officials,
    sessions,
    owner_sessions,
    outbox,
    pending_identifications,
    owner_tokens,
    access_requests,
    disclosures,
    review_checks,
    audit_log,
    checkpoints,
    job_runs,
);
