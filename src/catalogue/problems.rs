//! The problems of the catalogue: each code defined once, with its one wording.

use crate::error::{Code, De, En};

pub const INVALID_CATALOGUE: Code = Code::new(
    "invalid_catalogue",
    400,
    De(
        "Ungültige Anfrage",
        "Die Katalogdatei ist nicht lesbar oder ungültig.",
    ),
    En(
        "Bad request",
        "The catalogue file cannot be read or is invalid.",
    ),
);
pub const ALREADY_RETIRED: Code = Code::new(
    "already_retired",
    409,
    De("Konflikt", "Dieser Eintrag ist schon außer Kraft."),
    En("Conflict", "This item is retired already."),
);
pub const FIELD_RETIRED: Code = Code::new(
    "field_retired",
    409,
    De("Konflikt", "Das Handlungsfeld ist außer Kraft."),
    En("Conflict", "The field of action is retired."),
);
pub const NO_CATALOGUE: Code = Code::new(
    "no_catalogue",
    409,
    De(
        "Konflikt",
        "Es ist kein Katalog geladen. Bitte importieren Sie zuerst einen.",
    ),
    En("Conflict", "No catalogue is loaded; import one first."),
);
pub const CATALOGUE_LOADED: Code = Code::new(
    "catalogue_loaded",
    409,
    De("Konflikt", "Es ist schon ein Katalog geladen. Ersetzen Sie ihn ausdrücklich (`?replace=true` oder `import --replace` auf der Kommandozeile)."),
    En("Conflict", "A catalogue is already loaded; replace it explicitly (`?replace=true`, or `import --replace` on the command line)."),
);
pub const CATALOGUE_IN_USE: Code = Code::new(
    "catalogue_in_use",
    409,
    De("Konflikt", "Beteiligungsrunden beziehen sich auf den geladenen Katalog. Ändern Sie ihn Eintrag für Eintrag, statt ihn zu ersetzen."),
    En("Conflict", "Consultations refer to the loaded catalogue; change it item by item instead of replacing it."),
);

/// Every problem of this slice.
pub const ALL: &[Code] = &[
    INVALID_CATALOGUE,
    ALREADY_RETIRED,
    FIELD_RETIRED,
    NO_CATALOGUE,
    CATALOGUE_LOADED,
    CATALOGUE_IN_USE,
];
