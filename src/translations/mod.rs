//! Translations of the texts people read: the catalogue, consultations, published responses.
//!
//! The German original stays in its own table and its own slice; a translation is one row per
//! subject, field and language in `translations`, with the hash of the original it was written
//! for. Reads give each text in the reader's best language ([`Preferences`]), German when there
//! is no translation, and say so per text ([`Languages`]); a translation whose original
//! changed since is given but marked `outdated`, until someone confirms or changes it.
//!
//! Infrastructure: names no slice. A slice makes its texts translatable by implementing
//! [`Localized`] for its answers (reads) and [`Translatable`] for its subjects (what the
//! administrators' routes and the list of missing translations need); `lib.rs` lists the
//! latter in `TRANSLATABLE`.

use crate::db::schema::translations;
use crate::db::DbConnection;
use crate::language::{Preferences, ORIGINAL};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use utoipa::ToSchema;

/// The language of one text as an answer gives it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct TextLanguage {
    /// Language tag of the text as given (BCP 47); `de` for the German original.
    #[schema(example = "tr")]
    pub language: String,
    /// Whether the text is a translation (`false`: the German original).
    pub translated: bool,
    /// Whether the translation was written for an earlier version of the German original,
    /// which changed since; always `false` for the original.
    pub outdated: bool,
}

/// In which languages an object's texts are given in this answer, and can be read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Languages {
    /// Languages the object's texts can be read in: `de` (the original) first, then each
    /// language with at least one translated text, in alphabetical order. Ask for one with
    /// `lang` or `Accept-Language`.
    pub available: Vec<String>,
    /// The language of each text of the object, by field name (e.g. `title`).
    pub texts: BTreeMap<String, TextLanguage>,
}

impl Languages {
    /// The languages of an object read in German with no translation known: what an object
    /// has right after it was created.
    pub fn original(fields: &[&str]) -> Self {
        Self {
            available: vec![ORIGINAL.to_owned()],
            texts: fields
                .iter()
                .map(|f| ((*f).to_owned(), original_text()))
                .collect(),
        }
    }
}

fn original_text() -> TextLanguage {
    TextLanguage {
        language: ORIGINAL.to_owned(),
        translated: false,
        outdated: false,
    }
}

/// An answer with texts that can be translated.
pub trait Localized {
    /// The subject's name, e.g. `measure`.
    const SUBJECT: &'static str;
    /// The id of the subject.
    fn subject_id(&self) -> i64;
    /// The texts the object has (an absent optional text is left out), by field name, and its
    /// [`Languages`] to fill in.
    fn texts(&mut self) -> (Vec<(&'static str, &mut String)>, &mut Languages);
}

/// The hash of an original a translation is written for: equal hashes, current translation.
pub fn source_hash(original: &str) -> String {
    let digest = Sha256::digest(original.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Gives the texts of `items` in the reader's languages: each text in the best language a
/// translation exists in, the German original otherwise, and fills in every item's
/// [`Languages`]. Two queries for the whole slice of items, whatever its length (one when the
/// reader reads German).
pub fn localize<T: Localized>(
    conn: &mut DbConnection,
    prefs: &Preferences,
    items: &mut [T],
) -> QueryResult<()> {
    localize_all(conn, prefs, items.iter_mut().collect())
}

/// [`localize`] for items that live inside other answers (a statement's response).
pub fn localize_all<T: Localized>(
    conn: &mut DbConnection,
    prefs: &Preferences,
    mut items: Vec<&mut T>,
) -> QueryResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = items.iter().map(|i| i.subject_id()).collect();
    let mut available: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (id, language) in translations::table
        .filter(translations::subject.eq(T::SUBJECT))
        .filter(translations::subject_id.eq_any(&ids))
        .select((translations::subject_id, translations::language))
        .distinct()
        .load::<(i64, String)>(conn)?
    {
        available.entry(id).or_default().insert(language);
    }
    let candidates = prefs.candidates();
    // (id, field) → the candidate translations: (language, body, source hash).
    type Given = HashMap<(i64, String), Vec<(String, String, String)>>;
    let mut given: Given = HashMap::new();
    if !candidates.is_empty() && !available.is_empty() {
        for (id, field, language, body, hash) in translations::table
            .filter(translations::subject.eq(T::SUBJECT))
            .filter(translations::subject_id.eq_any(&ids))
            .filter(translations::language.eq_any(&candidates))
            .select((
                translations::subject_id,
                translations::field,
                translations::language,
                translations::body,
                translations::source_hash,
            ))
            .load::<(i64, String, String, String, String)>(conn)?
        {
            given
                .entry((id, field))
                .or_default()
                .push((language, body, hash));
        }
    }
    for item in items.iter_mut() {
        let id = item.subject_id();
        let (texts, languages) = item.texts();
        languages.available = std::iter::once(ORIGINAL.to_owned())
            .chain(available.get(&id).into_iter().flatten().cloned())
            .collect();
        languages.texts.clear();
        for (field, text) in texts {
            let options = given.get(&(id, field.to_owned()));
            let chosen = options.and_then(|options| {
                let tag = prefs.pick(options.iter().map(|(l, _, _)| l.as_str()))?;
                options.iter().find(|(l, _, _)| l == tag)
            });
            let language = match chosen {
                Some((language, body, hash)) => {
                    let outdated = *hash != source_hash(text);
                    *text = body.clone();
                    TextLanguage {
                        language: language.clone(),
                        translated: true,
                        outdated,
                    }
                }
                None => original_text(),
            };
            languages.texts.insert(field.to_owned(), language);
        }
    }
    Ok(())
}

/// [`localize`] for one item.
pub fn localize_one<T: Localized>(
    conn: &mut DbConnection,
    prefs: &Preferences,
    item: T,
) -> QueryResult<T> {
    let mut items = [item];
    localize(conn, prefs, &mut items)?;
    let [item] = items;
    Ok(item)
}

/// The originals of one subject, field by field, as a slice declares them.
pub type Originals = Vec<(&'static str, String)>;

/// A kind of subject whose texts administrators can translate.
pub trait Translatable: Sync {
    /// The subject's name in the API and in `translations.subject`, e.g. `measure`.
    fn subject(&self) -> &'static str;
    /// The names of the texts that can be translated, in the order the subject shows them.
    fn fields(&self) -> &'static [&'static str];
    /// The German originals of one subject (texts it does not have are left out);
    /// `NotFound` when there is no such subject.
    fn originals(&self, conn: &mut DbConnection, id: i64) -> QueryResult<Originals>;
    /// Every current subject with its originals, by ascending id: what may need translating.
    fn all(&self, conn: &mut DbConnection) -> QueryResult<Vec<(i64, Originals)>>;
    /// Called in the transaction that changed the subject's translations, for what depends on
    /// them (the search index).
    fn translated(&self, _conn: &mut DbConnection, _id: i64) -> QueryResult<()> {
        Ok(())
    }
}

/// The pattern of a subject's name in the API (`measure`, `priority_goal`, …).
pub const SUBJECT_PATTERN: &str = "^[a-z_]{1,40}$";

/// Every kind of translatable subject, in the order lists show them.
pub type Registry = &'static [&'static dyn Translatable];

/// The kind named `subject`.
pub fn find(registry: Registry, subject: &str) -> Option<&'static dyn Translatable> {
    registry.iter().copied().find(|t| t.subject() == subject)
}

/// One stored translated text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub field: String,
    pub body: String,
    pub source_hash: String,
    pub updated_at: NaiveDateTime,
}

/// The translated texts of one subject in one language.
pub fn stored(
    conn: &mut DbConnection,
    subject: &str,
    id: i64,
    language: &str,
) -> QueryResult<Vec<Stored>> {
    Ok(translations::table
        .filter(translations::subject.eq(subject))
        .filter(translations::subject_id.eq(id))
        .filter(translations::language.eq(language))
        .order(translations::field)
        .select((
            translations::field,
            translations::body,
            translations::source_hash,
            translations::updated_at,
        ))
        .load::<(String, String, String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(field, body, source_hash, updated_at)| Stored {
            field,
            body,
            source_hash,
            updated_at,
        })
        .collect())
}

/// Every language a subject has a translation in.
pub fn languages_of(conn: &mut DbConnection, subject: &str, id: i64) -> QueryResult<Vec<String>> {
    translations::table
        .filter(translations::subject.eq(subject))
        .filter(translations::subject_id.eq(id))
        .select(translations::language)
        .distinct()
        .order(translations::language)
        .load(conn)
}

/// The rows of one translated text (at most one).
type OneText<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            diesel::dsl::Filter<
                translations::table,
                diesel::dsl::Eq<translations::subject, &'a str>,
            >,
            diesel::dsl::Eq<translations::subject_id, i64>,
        >,
        diesel::dsl::Eq<translations::language, &'a str>,
    >,
    diesel::dsl::Eq<translations::field, &'a str>,
>;

/// One translated text: which subject, which language, which field.
#[derive(Debug, Clone, Copy)]
pub struct TextKey<'a> {
    pub subject: &'a str,
    pub id: i64,
    pub language: &'a str,
    pub field: &'a str,
}

impl TextKey<'_> {
    fn rows(&self) -> OneText<'_> {
        translations::table
            .filter(translations::subject.eq(self.subject))
            .filter(translations::subject_id.eq(self.id))
            .filter(translations::language.eq(self.language))
            .filter(translations::field.eq(self.field))
    }
}

/// Writes the translation of one text (replacing the one there), as current for `original`.
pub fn put(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    key: TextKey<'_>,
    body: &str,
    original: &str,
) -> QueryResult<()> {
    remove_text(conn, key)?;
    diesel::insert_into(translations::table)
        .values((
            translations::subject.eq(key.subject),
            translations::subject_id.eq(key.id),
            translations::field.eq(key.field),
            translations::language.eq(key.language),
            translations::body.eq(body),
            translations::source_hash.eq(source_hash(original)),
            translations::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks a translated text as current for `original` without changing it; `false` when there
/// is no such text.
pub fn confirm(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    key: TextKey<'_>,
    original: &str,
) -> QueryResult<bool> {
    Ok(diesel::update(key.rows())
        .set((
            translations::source_hash.eq(source_hash(original)),
            translations::updated_at.eq(now),
        ))
        .execute(conn)?
        > 0)
}

/// Removes the translation of one text.
pub fn remove_text(conn: &mut DbConnection, key: TextKey<'_>) -> QueryResult<usize> {
    diesel::delete(key.rows()).execute(conn)
}

/// Removes the translation of one subject into one language (every text); how many texts.
pub fn remove(
    conn: &mut DbConnection,
    subject: &str,
    id: i64,
    language: &str,
) -> QueryResult<usize> {
    diesel::delete(
        translations::table
            .filter(translations::subject.eq(subject))
            .filter(translations::subject_id.eq(id))
            .filter(translations::language.eq(language)),
    )
    .execute(conn)
}

/// Removes every translation of subjects that are gone (a slice calls it when it deletes
/// them): all of `subject` when `ids` is `None`.
pub fn forget(conn: &mut DbConnection, subject: &str, ids: Option<&[i64]>) -> QueryResult<usize> {
    let all = translations::table.filter(translations::subject.eq(subject));
    match ids {
        None => diesel::delete(all).execute(conn),
        Some(ids) => diesel::delete(all.filter(translations::subject_id.eq_any(ids))).execute(conn),
    }
}

/// Every translated text of `subject` in `language`, by (id, field): its source hash.
pub fn hashes_in(
    conn: &mut DbConnection,
    subject: &str,
    language: &str,
) -> QueryResult<HashMap<(i64, String), String>> {
    Ok(translations::table
        .filter(translations::subject.eq(subject))
        .filter(translations::language.eq(language))
        .select((
            translations::subject_id,
            translations::field,
            translations::source_hash,
        ))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, field, hash)| ((id, field), hash))
        .collect())
}

/// A translated text of any language: (id, language, field, body, source hash).
pub type AnyText = (i64, String, String, String, String);

/// Every translated text of `subject` (all languages): (id, language, field, body, hash),
/// ordered, for the catalogue file.
pub fn all_of(conn: &mut DbConnection, subject: &str) -> QueryResult<Vec<AnyText>> {
    translations::table
        .filter(translations::subject.eq(subject))
        .order((
            translations::subject_id,
            translations::language,
            translations::field,
        ))
        .select((
            translations::subject_id,
            translations::language,
            translations::field,
            translations::body,
            translations::source_hash,
        ))
        .load(conn)
}

/// Every translated text of one subject (all languages), as [`all_of`] gives them.
pub fn all_of_one(conn: &mut DbConnection, subject: &str, id: i64) -> QueryResult<Vec<AnyText>> {
    translations::table
        .filter(translations::subject.eq(subject))
        .filter(translations::subject_id.eq(id))
        .order((translations::language, translations::field))
        .select((
            translations::subject_id,
            translations::language,
            translations::field,
            translations::body,
            translations::source_hash,
        ))
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::source_hash;

    #[test]
    fn a_source_hash_changes_with_its_original() {
        assert_eq!(source_hash("Sprachförderung").len(), 32);
        assert_eq!(source_hash("a"), source_hash("a"));
        assert_ne!(source_hash("a"), source_hash("a "));
    }
}
