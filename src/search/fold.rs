//! Folding: the one normalisation of text that the index and every query go through, in Rust,
//! so that PostgreSQL and SQLite see the same words whatever their locale.
//!
//! Rules: lower case by Unicode; German umlauts lose their dots (ä→a, ö→o, ü→u) and ß is
//! `ss`; other precomposed Latin letters lose their diacritics (é→e, ç→c, ş→s, ğ→g, ł→l, æ→ae,
//! œ→oe); Turkish İ and ı are `i` (so "KURSLARI", "kursları" and "kurslari" are one word);
//! combining marks are dropped (decomposed input, Arabic harakat, the tatweel), and the
//! Arabic alef with hamza or madda is the bare alef. Everything that is neither a letter nor a
//! digit separates words, so a folded text is words of letters and digits separated by single
//! spaces — nothing a search engine's query syntax could read as an operator.

/// Changes whenever the rules change: an index built by other rules is rebuilt at start.
pub const VERSION: i32 = 1;

/// Latin Extended-A (U+0100…U+017F) without diacritics; `1` is "ij", `2` is "oe".
const LATIN_EXTENDED_A: &[u8; 128] = b"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii11jjkkkllllllllllnnnnnnnnnoooooo22rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/// What `c` (already lower case) becomes: `None` drops it, a space separates words.
fn fold_char(c: char, out: &mut String) {
    match c {
        'ß' | 'ẞ' => out.push_str("ss"),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'þ' => out.push_str("th"),
        'à'..='å' => out.push('a'),
        'ç' => out.push('c'),
        'è'..='ë' => out.push('e'),
        'ì'..='ï' | 'ı' => out.push('i'),
        'ð' => out.push('d'),
        'ñ' => out.push('n'),
        'ò'..='ö' | 'ø' => out.push('o'),
        'ù'..='ü' => out.push('u'),
        'ý' | 'ÿ' => out.push('y'),
        '\u{100}'..='\u{17F}' => match LATIN_EXTENDED_A[c as usize - 0x100] {
            b'1' => out.push_str("ij"),
            b'2' => out.push_str("oe"),
            base => out.push(base as char),
        },
        'ș' => out.push('s'),
        'ț' => out.push('t'),
        // Combining marks: Latin diacritics of decomposed text, Arabic harakat and Quranic
        // marks, and the tatweel, which only stretches a word.
        '\u{300}'..='\u{36F}'
        | '\u{64B}'..='\u{65F}'
        | '\u{670}'
        | '\u{6D6}'..='\u{6ED}'
        | '\u{640}' => {}
        'آ' | 'أ' | 'إ' | 'ٱ' => out.push('ا'),
        c if c.is_alphanumeric() => out.push(c),
        _ => out.push(' '),
    }
}

/// `text` folded: words of lower-case letters and digits, separated by single spaces.
pub fn fold(text: &str) -> String {
    let mut raw = String::with_capacity(text.len());
    for c in text.chars() {
        // Turkish dotted capital I: `to_lowercase` gives "i" with a combining dot, dropped.
        for lower in c.to_lowercase() {
            fold_char(lower, &mut raw);
        }
    }
    let mut folded = String::with_capacity(raw.len());
    for word in raw.split_whitespace() {
        if !folded.is_empty() {
            folded.push(' ');
        }
        folded.push_str(word);
    }
    folded
}

/// The words of `text`, folded.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_turkish_and_arabic_fold_to_the_same_words() {
        assert_eq!(fold("Sprachförderung"), "sprachforderung");
        assert_eq!(
            fold("SPRACHFÖRDERUNG für Kinder!"),
            "sprachforderung fur kinder"
        );
        assert_eq!(fold("Straße, Maßnahme"), "strasse massnahme");
        assert_eq!(fold("Türkçe dil kursları"), "turkce dil kurslari");
        assert_eq!(fold("TÜRKÇE DİL KURSLARI"), "turkce dil kurslari");
        assert_eq!(fold("İstanbul ığdır Şişli Göç"), "istanbul igdir sisli goc");
        assert_eq!(
            fold("Crème brûlée, Łódź, Œuvre, Ærø, Ĳssel"),
            "creme brulee lodz oeuvre aero ijssel"
        );
        assert_eq!(fold("Cafe\u{301}"), "cafe");
        assert_eq!(fold("دُرُوس اللُّغَة"), "دروس اللغة");
        assert_eq!(fold("أحمد إسلام آمال"), "احمد اسلام امال");
        assert_eq!(fold("ـعـربـي"), "عربي");
        assert_eq!(fold("\"a*\" NEAR( x:* & | ! ' -- ; )"), "a near x");
        assert_eq!(fold("e-mail 3,5 Prozent"), "e mail 3 5 prozent");
        assert_eq!(fold("   "), "");
        assert_eq!(words("Ein  Wort"), ["ein", "wort"]);
    }

    #[test]
    fn the_latin_table_is_aligned() {
        let expect = [
            ('Ā', "a"),
            ('ą', "a"),
            ('Č', "c"),
            ('đ', "d"),
            ('ě', "e"),
            ('ğ', "g"),
            ('ħ', "h"),
            ('İ', "i"),
            ('ı', "i"),
            ('ĳ', "ij"),
            ('ĵ', "j"),
            ('ĸ', "k"),
            ('ł', "l"),
            ('ŋ', "n"),
            ('ő', "o"),
            ('œ', "oe"),
            ('ř', "r"),
            ('š', "s"),
            ('ŧ', "t"),
            ('ų', "u"),
            ('ŵ', "w"),
            ('Ÿ', "y"),
            ('ž', "z"),
            ('ſ', "s"),
        ];
        for (c, folded) in expect {
            assert_eq!(fold(&c.to_string()), folded, "{c}");
        }
    }
}
