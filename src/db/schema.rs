//! The portable schema: only types both backends have (`BigInt`, `Integer`, `Text`, `Bool`,
//! `Timestamp`, `Binary`). Kept by hand in step with `migrations/{postgres,sqlite}`.

diesel::table! {
    concepts (id) {
        id -> BigInt,
        title -> Text,
        vision_title -> Nullable<Text>,
        decided_on -> Nullable<Text>,
        decision_reference -> Nullable<Text>,
        summary -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    vision_statements (id) {
        id -> BigInt,
        concept_id -> BigInt,
        kind -> Text,
        position -> Integer,
        text -> Text,
        retired_at -> Nullable<Timestamp>,
        version -> Integer,
    }
}

diesel::table! {
    priority_goals (id) {
        id -> BigInt,
        concept_id -> BigInt,
        position -> Integer,
        text -> Text,
        retired_at -> Nullable<Timestamp>,
        version -> Integer,
    }
}

diesel::table! {
    fields (id) {
        id -> BigInt,
        concept_id -> BigInt,
        number -> Integer,
        title -> Text,
        summary -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
        version -> Integer,
    }
}

diesel::table! {
    measures (id) {
        id -> BigInt,
        field_id -> BigInt,
        code -> Text,
        position -> Integer,
        title -> Text,
        description -> Text,
        responsible_body -> Nullable<Text>,
        implementation_status -> Text,
        status_note -> Nullable<Text>,
        status_date -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
        version -> Integer,
    }
}

diesel::table! {
    measure_status_history (id) {
        id -> BigInt,
        measure_id -> BigInt,
        implementation_status -> Text,
        status_note -> Nullable<Text>,
        status_date -> Nullable<Text>,
        recorded_by -> Nullable<BigInt>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        display_name -> Text,
        preferred_language -> Text,
        role -> Text,
        terms_version -> Text,
        privacy_version -> Text,
        email_verified_at -> Nullable<Timestamp>,
        blocked_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        session_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    one_time_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    consents (id) {
        id -> BigInt,
        user_id -> BigInt,
        document -> Text,
        version -> Text,
        accepted_at -> Timestamp,
    }
}

diesel::table! {
    erasures (id) {
        id -> BigInt,
        address_hash -> Text,
        key_id -> Text,
        erased_at -> Timestamp,
        texts_removed -> Bool,
    }
}

diesel::table! {
    maintenance_runs (job) {
        job -> Text,
        last_run_at -> Nullable<Timestamp>,
        removed -> BigInt,
    }
}

diesel::table! {
    outbox_emails (id) {
        id -> BigInt,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        object_type -> Text,
        object_id -> Nullable<BigInt>,
        details -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    consultations (id) {
        id -> BigInt,
        title -> Text,
        description -> Text,
        whole_concept -> Bool,
        comment_opens_at -> Nullable<Timestamp>,
        comment_closes_at -> Nullable<Timestamp>,
        vote_opens_at -> Nullable<Timestamp>,
        vote_closes_at -> Nullable<Timestamp>,
        moderation -> Text,
        points_budget -> Integer,
        max_points_per_option -> Integer,
        option_kind -> Text,
        results_visibility -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    consultation_fields (consultation_id, field_id) {
        consultation_id -> BigInt,
        field_id -> BigInt,
    }
}

diesel::table! {
    consultation_measures (consultation_id, measure_id) {
        consultation_id -> BigInt,
        measure_id -> BigInt,
    }
}

diesel::table! {
    consultation_options (consultation_id, item_id) {
        consultation_id -> BigInt,
        item_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    organisations (id) {
        id -> BigInt,
        name -> Text,
        name_key -> Text,
        kind -> Text,
        proposed_name -> Nullable<Text>,
        proposed_kind -> Nullable<Text>,
        description -> Text,
        website -> Nullable<Text>,
        contact_email -> Text,
        registry_number -> Nullable<Text>,
        status -> Text,
        verified_at -> Nullable<Timestamp>,
        decision -> Nullable<Text>,
        decision_reason -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        registered_by -> Nullable<BigInt>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organisation_members (organisation_id, user_id) {
        organisation_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        joined_at -> Timestamp,
    }
}

diesel::table! {
    organisation_invitations (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        accepted_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    organisation_join_requests (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        user_id -> BigInt,
        message -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    contributions (id) {
        id -> BigInt,
        kind -> Text,
        consultation_id -> BigInt,
        target_type -> Text,
        target_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        depth -> Integer,
        author_id -> BigInt,
        organisation_id -> Nullable<BigInt>,
        author_group -> Text,
        title -> Nullable<Text>,
        body -> Text,
        rationale -> Nullable<Text>,
        state -> Text,
        hidden_by_flags -> Bool,
        open_flags -> Integer,
        support_count -> Integer,
        reply_count -> Integer,
        answer -> Nullable<Text>,
        answer_explanation -> Nullable<Text>,
        answer_measure_id -> Nullable<BigInt>,
        answer_consultation_id -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
        edited_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        language -> Text,
        assisted_by -> Nullable<BigInt>,
        assisted_name -> Nullable<Text>,
        assisted_contact -> Nullable<Text>,
    }
}

diesel::table! {
    contribution_revisions (id) {
        id -> BigInt,
        contribution_id -> BigInt,
        title -> Nullable<Text>,
        body -> Text,
        rationale -> Nullable<Text>,
        written_at -> Timestamp,
        replaced_at -> Timestamp,
    }
}

diesel::table! {
    contribution_supports (contribution_id, user_id) {
        contribution_id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    support_events (id) {
        id -> BigInt,
        contribution_id -> BigInt,
        at -> Timestamp,
        delta -> Integer,
    }
}

diesel::table! {
    contribution_flags (id) {
        id -> BigInt,
        contribution_id -> BigInt,
        user_id -> Nullable<BigInt>,
        reason -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    moderation_decisions (id) {
        id -> BigInt,
        contribution_id -> BigInt,
        item_kind -> Text,
        consultation_id -> BigInt,
        decision -> Text,
        reason -> Nullable<Text>,
        note -> Nullable<Text>,
        after_automatic_hiding -> Bool,
        moderator_id -> Nullable<BigInt>,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    ballots (id) {
        id -> BigInt,
        consultation_id -> BigInt,
        voter -> Text,
        user_id -> Nullable<BigInt>,
        organisation_id -> Nullable<BigInt>,
        voter_group -> Text,
        pseudonym -> Text,
        cast_by -> Nullable<BigInt>,
        version -> Integer,
        cast_at -> Timestamp,
        assisted_by -> Nullable<BigInt>,
        assisted_name -> Nullable<Text>,
        assisted_contact -> Nullable<Text>,
    }
}

diesel::table! {
    ballot_allocations (ballot_id, option_id) {
        ballot_id -> BigInt,
        option_id -> BigInt,
        points -> Integer,
    }
}

diesel::table! {
    ballot_tallies (consultation_id, voter_group, option_id, shard) {
        consultation_id -> BigInt,
        voter_group -> Text,
        option_id -> BigInt,
        shard -> Integer,
        points -> BigInt,
        supporters -> BigInt,
    }
}

diesel::table! {
    ballot_counts (consultation_id, voter_group, shard) {
        consultation_id -> BigInt,
        voter_group -> Text,
        shard -> Integer,
        ballots -> BigInt,
    }
}

diesel::table! {
    statements (id) {
        id -> BigInt,
        consultation_id -> BigInt,
        organisation_id -> BigInt,
        target_type -> Text,
        target_id -> Nullable<BigInt>,
        field_id -> Nullable<BigInt>,
        title -> Text,
        body -> Text,
        state -> Text,
        drafted_by -> Nullable<BigInt>,
        publish_as -> Nullable<Text>,
        seq -> Nullable<Integer>,
        receipt_number -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<BigInt>,
        content_sha256 -> Nullable<Text>,
        signature -> Nullable<Text>,
        key_id -> Nullable<Text>,
        organisation_name -> Nullable<Text>,
        organisation_kind -> Nullable<Text>,
        reviewer_id -> Nullable<BigInt>,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawn_by -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
        published_response_id -> Nullable<BigInt>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    statement_counters (consultation_id) {
        consultation_id -> BigInt,
        last_seq -> Integer,
    }
}

diesel::table! {
    statement_attachments (id) {
        id -> BigInt,
        statement_id -> BigInt,
        filename -> Text,
        size -> BigInt,
        sha256 -> Text,
        content -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    statement_responses (id) {
        id -> BigInt,
        statement_id -> BigInt,
        version -> Integer,
        body -> Text,
        written_by -> Nullable<BigInt>,
        written_at -> Timestamp,
    }
}

diesel::table! {
    translations (id) {
        id -> BigInt,
        subject -> Text,
        subject_id -> BigInt,
        field -> Text,
        language -> Text,
        body -> Text,
        source_hash -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(consultation_fields -> consultations (consultation_id));
diesel::joinable!(consultation_measures -> consultations (consultation_id));
diesel::joinable!(consultation_options -> consultations (consultation_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(one_time_tokens -> users (user_id));
diesel::joinable!(audit_log -> users (actor_id));
diesel::joinable!(vision_statements -> concepts (concept_id));
diesel::joinable!(priority_goals -> concepts (concept_id));
diesel::joinable!(fields -> concepts (concept_id));
diesel::joinable!(measures -> fields (field_id));
diesel::joinable!(measure_status_history -> measures (measure_id));
diesel::joinable!(organisation_members -> organisations (organisation_id));
diesel::joinable!(organisation_members -> users (user_id));
diesel::joinable!(consents -> users (user_id));
diesel::joinable!(organisation_invitations -> organisations (organisation_id));
diesel::joinable!(organisation_join_requests -> organisations (organisation_id));
diesel::joinable!(organisation_join_requests -> users (user_id));
diesel::joinable!(contributions -> users (author_id));
diesel::joinable!(contribution_revisions -> contributions (contribution_id));
diesel::joinable!(contribution_supports -> contributions (contribution_id));
diesel::joinable!(support_events -> contributions (contribution_id));
diesel::joinable!(ballot_allocations -> ballots (ballot_id));
diesel::joinable!(ballots -> consultations (consultation_id));
diesel::joinable!(contribution_flags -> contributions (contribution_id));
diesel::joinable!(moderation_decisions -> contributions (contribution_id));
diesel::joinable!(statements -> organisations (organisation_id));
diesel::joinable!(statements -> consultations (consultation_id));
diesel::joinable!(statement_attachments -> statements (statement_id));
diesel::joinable!(statement_responses -> statements (statement_id));

diesel::allow_tables_to_appear_in_same_query!(
    translations,
    concepts,
    vision_statements,
    priority_goals,
    fields,
    measures,
    users,
    sessions,
    refresh_tokens,
    one_time_tokens,
    consents,
    erasures,
    maintenance_runs,
    outbox_emails,
    audit_log,
    measure_status_history,
    consultations,
    consultation_fields,
    consultation_measures,
    consultation_options,
    organisations,
    organisation_members,
    organisation_invitations,
    organisation_join_requests,
    contributions,
    contribution_revisions,
    contribution_supports,
    support_events,
    contribution_flags,
    moderation_decisions,
    ballots,
    ballot_allocations,
    ballot_tallies,
    ballot_counts,
    statements,
    statement_counters,
    statement_attachments,
    statement_responses,
);

diesel::table! {
    search_documents (id) {
        id -> BigInt,
        kind -> Text,
        subject_id -> BigInt,
        language -> Text,
        translation -> Bool,
        consultation_id -> Nullable<BigInt>,
        field_id -> Nullable<BigInt>,
        measure_id -> Nullable<BigInt>,
        title -> Text,
        body -> Text,
        title_terms -> Text,
        body_terms -> Text,
    }
}

diesel::table! {
    search_status (id) {
        id -> Integer,
        folding_version -> Integer,
        built_at -> Nullable<Timestamp>,
    }
}
