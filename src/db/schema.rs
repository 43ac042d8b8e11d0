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
    }
}

diesel::table! {
    priority_goals (id) {
        id -> BigInt,
        concept_id -> BigInt,
        position -> Integer,
        text -> Text,
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
    }
}

diesel::joinable!(vision_statements -> concepts (concept_id));
diesel::joinable!(priority_goals -> concepts (concept_id));
diesel::joinable!(fields -> concepts (concept_id));
diesel::joinable!(measures -> fields (field_id));

diesel::allow_tables_to_appear_in_same_query!(
    concepts,
    vision_statements,
    priority_goals,
    fields,
    measures,
);
