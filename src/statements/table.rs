//! The Abwägungstabelle: every published statement of a consultation with the city's response,
//! as CSV or XLSX, streamed from one snapshot in chunks of [`CHUNK`] rows (memory stays flat
//! as the table grows). Two variants: `named` names an organisation where it chose publication
//! by name (its kind otherwise); `anonymised` names kinds only.
//!
//! Columns: `number`, `submitted_at`, `organisation`, `organisation_kind`, `target_type`,
//! `target_id`, `field_id`, `title`, `statement`, `attachments` (name and SHA-256 of each),
//! `response`, `published_at`.
//!
//! CSV: UTF-8 with a byte-order mark (so that spreadsheet programs read umlauts), comma
//! separated, every field quoted; a field that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return gets a leading `'`, so that no spreadsheet runs it as a formula.
//! XLSX: one sheet, strings stored as text; a cell holds at most 32,767 characters, so a longer
//! statement or response is cut there with a note (the CSV and the API have it whole).

use super::model::{PublishAs, StatementState, TableVariant};
use super::store::{self, Listing, Order, Row};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::download::Sink;

/// Rows read from the database at a time.
pub const CHUNK: i64 = 500;

const HEADER: [&str; 12] = [
    "number",
    "submitted_at",
    "organisation",
    "organisation_kind",
    "target_type",
    "target_id",
    "field_id",
    "title",
    "statement",
    "attachments",
    "response",
    "published_at",
];

/// The cells of one row of the table.
fn cells(row: &Row, variant: TableVariant, parts: &store::Parts) -> [String; 12] {
    let (attachments, response) = (&parts.attachments, parts.response_of(row));
    let kind = row.organisation_kind.clone().unwrap_or_default();
    let organisation = match (variant, row.publish_as()) {
        (TableVariant::Named, Some(PublishAs::Name)) => {
            row.organisation_name.clone().unwrap_or_default()
        }
        _ => kind.clone(),
    };
    let time = |t: Option<chrono::NaiveDateTime>| {
        t.map(|t| t.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default()
    };
    let files: Vec<String> = attachments
        .iter()
        .filter(|a| a.statement_id == row.id)
        .map(|a| format!("{} (sha256 {})", a.filename, a.sha256))
        .collect();
    [
        row.receipt_number.clone().unwrap_or_default(),
        time(row.submitted_at),
        organisation,
        kind,
        row.target_type.clone(),
        row.target_id.map(|i| i.to_string()).unwrap_or_default(),
        row.field_id.map(|i| i.to_string()).unwrap_or_default(),
        row.title.clone(),
        row.body.clone(),
        files.join("; "),
        response.map(|r| r.body.clone()).unwrap_or_default(),
        time(row.answered_at),
    ]
}

/// Calls `each` with the cells of every published statement of the consultation, in the
/// order of their receipt numbers, reading [`CHUNK`] rows at a time; stops when `each` says
/// `false`.
fn each_row(
    conn: &mut DbConnection,
    consultation_id: i64,
    variant: TableVariant,
    mut each: impl FnMut(&[String; 12]) -> ApiResult<bool>,
) -> ApiResult<()> {
    let listing = Listing {
        consultation_id: Some(consultation_id),
        states: vec![StatementState::Answered],
        order: Order::Submitted,
        ..Listing::default()
    };
    let mut after = None;
    loop {
        let rows = store::list(conn, &listing, after, CHUNK)?;
        let parts = store::parts_of(conn, &rows)?;
        for row in &rows {
            if !each(&cells(row, variant, &parts))? {
                return Ok(());
            }
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == CHUNK => {
                after = Some(Order::Submitted.position(last))
            }
            _ => return Ok(()),
        }
    }
}

fn csv_field(value: &str, out: &mut String) {
    out.push('"');
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push('\'');
    }
    out.push_str(&value.replace('"', "\"\""));
    out.push('"');
}

fn csv_line(cells: &[impl AsRef<str>]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        csv_field(cell.as_ref(), &mut line);
    }
    line.push_str("\r\n");
    line
}

/// The table as CSV into `sink`.
pub fn csv(
    conn: &mut DbConnection,
    consultation_id: i64,
    variant: TableVariant,
    sink: &mut Sink<'_>,
) -> ApiResult<()> {
    let mut chunk = String::from("\u{feff}");
    chunk.push_str(&csv_line(&HEADER));
    each_row(conn, consultation_id, variant, |cells| {
        chunk.push_str(&csv_line(cells));
        if chunk.len() < 64 << 10 {
            return Ok(true);
        }
        let full = std::mem::take(&mut chunk);
        Ok(sink(full.as_bytes()))
    })?;
    if !chunk.is_empty() {
        sink(chunk.as_bytes());
    }
    Ok(())
}

/// Characters an XLSX cell holds at most.
const XLSX_CELL_CHARS: usize = 32_767;

fn xlsx_text(value: &str) -> std::borrow::Cow<'_, str> {
    const NOTE: &str = " […] (gekürzt / shortened: see the CSV file)";
    if value.chars().count() <= XLSX_CELL_CHARS {
        return value.into();
    }
    let keep = XLSX_CELL_CHARS - NOTE.chars().count();
    let mut cut: String = value.chars().take(keep).collect();
    cut.push_str(NOTE);
    cut.into()
}

/// The table as XLSX into `sink`: rows go to a temporary file as they are written (the
/// writer's constant-memory mode), and the workbook is streamed from it at the end.
pub fn xlsx(
    conn: &mut DbConnection,
    consultation_id: i64,
    variant: TableVariant,
    sink: &mut Sink<'_>,
) -> ApiResult<()> {
    use rust_xlsxwriter::Workbook;
    let fail = |e: rust_xlsxwriter::XlsxError| ApiError::internal(e);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name("Abwägungstabelle").map_err(fail)?;
    for (col, title) in HEADER.iter().enumerate() {
        sheet.write_string(0, col as u16, *title).map_err(fail)?;
    }
    let mut line = 0u32;
    each_row(conn, consultation_id, variant, |cells| {
        line += 1;
        for (col, value) in cells.iter().enumerate() {
            if !value.is_empty() {
                sheet
                    .write_string(line, col as u16, xlsx_text(value))
                    .map_err(fail)?;
            }
        }
        Ok(true)
    })?;
    let mut out = crate::http::download::writer(sink);
    workbook.save_to_writer(&mut out).map_err(fail)?;
    std::io::Write::flush(&mut out).map_err(ApiError::internal)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(
            csv_line(&["a\"b", "=SUM(A1)", "x,y\nz"]),
            "\"a\"\"b\",\"'=SUM(A1)\",\"x,y\nz\"\r\n"
        );
    }

    #[test]
    fn long_texts_fit_an_xlsx_cell() {
        let long = "ä".repeat(40_000);
        let cut = xlsx_text(&long);
        assert_eq!(cut.chars().count(), XLSX_CELL_CHARS);
        assert!(cut.ends_with("see the CSV file)"));
        assert_eq!(xlsx_text("kurz"), "kurz");
    }
}
