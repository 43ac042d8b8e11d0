//! The problems of organisations and membership: each code defined once, with its one wording.

use crate::error::{Code, De, En};

pub const NOT_A_MEMBER: Code = Code::new(
    "not_a_member",
    403,
    De(
        "Nicht erlaubt",
        "Nur Mitglieder der Organisation dürfen für sie handeln.",
    ),
    En(
        "Forbidden",
        "Only members of the organisation may act for it.",
    ),
);
pub const MEMBERS_ONLY: Code = Code::new(
    "members_only",
    403,
    De(
        "Nicht erlaubt",
        "Nur die Mitglieder der Organisation und die Moderation dürfen das sehen.",
    ),
    En(
        "Forbidden",
        "Only the organisation's members and moderators may see this.",
    ),
);
pub const REPRESENTATIVE_REQUIRED: Code = Code::new(
    "representative_required",
    403,
    De(
        "Nicht erlaubt",
        "Nur die Vertretungen der Organisation dürfen das tun.",
    ),
    En(
        "Forbidden",
        "Only the organisation's representatives may do this.",
    ),
);
pub const ORGANISATION_NOT_VERIFIED: Code = Code::new(
    "organisation_not_verified",
    403,
    De(
        "Nicht erlaubt",
        "Die Organisation kann handeln, sobald die Moderation sie bestätigt hat.",
    ),
    En(
        "Forbidden",
        "The organisation can act once moderators have verified it.",
    ),
);
pub const NOT_YET_VERIFIED: Code = Code::new(
    "organisation_not_yet_verified",
    409,
    De("Konflikt", "Beitrittsanfragen sind möglich, sobald die Organisation bestätigt ist. Ihre Vertretungen können schon vorher Personen einladen."),
    En("Conflict", "Requests to join are possible once the organisation is verified; its representatives can invite people before that."),
);
pub const INVITATION_FOR_ANOTHER_ADDRESS: Code = Code::new(
    "invitation_for_another_address",
    403,
    De("Nicht erlaubt", "Die Einladung gilt für eine andere E-Mail-Adresse. Bitte melden Sie sich mit dem Konto dieser Adresse an."),
    En("Forbidden", "The invitation is for another e-mail address; sign in with the account of that address."),
);
pub const LAST_REPRESENTATIVE: Code = Code::new(
    "last_representative",
    409,
    De("Konflikt", "Eine Organisation hat immer eine Vertretung mit einem aktiven Konto. Bitte ernennen Sie zuerst eine andere Person."),
    En("Conflict", "An organisation always has a representative with a working account; name another one first."),
);
pub const TOO_MANY_OPEN_INVITATIONS: Code = Code::new(
    "too_many_open_invitations",
    409,
    De("Konflikt", "50 Einladungen sind offen. Bitte ziehen Sie einige zurück oder warten Sie, bis sie angenommen werden oder ablaufen."),
    En("Conflict", "50 invitations are open; revoke some or wait until they are accepted or expire."),
);
pub const TOO_MANY_INVITATIONS_TODAY: Code = Code::new(
    "too_many_invitations_today",
    409,
    De("Konflikt", "In den letzten 24 Stunden wurden zu viele Einladungen verschickt. Bitte versuchen Sie es morgen noch einmal."),
    En("Conflict", "Too many invitations were sent in the last 24 hours; try again tomorrow."),
);
pub const ALREADY_MEMBER: Code = Code::new(
    "already_member",
    409,
    De("Konflikt", "Sie sind schon Mitglied dieser Organisation."),
    En("Conflict", "You are a member of this organisation already."),
);
pub const ALREADY_REQUESTED: Code = Code::new(
    "already_requested",
    409,
    De(
        "Konflikt",
        "Ihre Beitrittsanfrage wartet auf die Vertretungen der Organisation.",
    ),
    En(
        "Conflict",
        "Your request to join is waiting for the representatives.",
    ),
);
pub const RECENTLY_DECLINED: Code = Code::new(
    "recently_declined",
    409,
    De("Konflikt", "Die Organisation hat Ihre Anfrage in den letzten 30 Tagen abgelehnt. Bitte wenden Sie sich direkt an sie."),
    En("Conflict", "The organisation declined your request within the last 30 days; contact it directly."),
);
pub const ALREADY_DECIDED: Code = Code::new(
    "already_decided",
    409,
    De(
        "Konflikt",
        "Über diese Beitrittsanfrage wurde schon entschieden.",
    ),
    En("Conflict", "This request to join was decided already."),
);
pub const NAME_TAKEN: Code = Code::new(
    "name_taken",
    409,
    De("Konflikt", "Eine andere bestätigte Organisation hat diesen Namen. Lehnen Sie mit einer Begründung ab, damit die Organisation sich unterscheidbar machen kann."),
    En("Conflict", "Another verified organisation has this name; reject with a reason so the organisation can tell itself apart."),
);
pub const NOT_PENDING: Code = Code::new(
    "not_pending",
    409,
    De(
        "Konflikt",
        "Entscheiden können Sie nur über Organisationen, die auf Prüfung warten.",
    ),
    En(
        "Conflict",
        "Only organisations waiting for review can be decided.",
    ),
);
pub const TOO_MANY_PENDING: Code = Code::new(
    "too_many_pending",
    409,
    De("Konflikt", "Drei Registrierungen dieser Person warten auf Prüfung. Bitte warten Sie zuerst eine Entscheidung ab."),
    En("Conflict", "Three registrations of this person are waiting for review; wait for a decision first."),
);
pub const ORGANISATION_VERIFIED: Code = Code::new(
    "organisation_verified",
    409,
    De("Konflikt", "Eine bestätigte Organisation kann nicht zurückgezogen werden. Ihre Vertretungen können die Aufgabe an andere übergeben."),
    En("Conflict", "A verified organisation cannot be withdrawn; its representatives can hand over to others."),
);

/// Every problem of this slice.
pub const ALL: &[Code] = &[
    NOT_A_MEMBER,
    MEMBERS_ONLY,
    REPRESENTATIVE_REQUIRED,
    ORGANISATION_NOT_VERIFIED,
    NOT_YET_VERIFIED,
    INVITATION_FOR_ANOTHER_ADDRESS,
    LAST_REPRESENTATIVE,
    TOO_MANY_OPEN_INVITATIONS,
    TOO_MANY_INVITATIONS_TODAY,
    ALREADY_MEMBER,
    ALREADY_REQUESTED,
    RECENTLY_DECLINED,
    ALREADY_DECIDED,
    NAME_TAKEN,
    NOT_PENDING,
    TOO_MANY_PENDING,
    ORGANISATION_VERIFIED,
];
