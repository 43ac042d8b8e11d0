//! Reads docker-compose.yml as far as the tests need it: blocks by their key path, the plain
//! `key: value` entries of a block, and the API nodes' environment with its `${…}` resolved.
//! The tests start the binary and nginx with what this finds, so the file cannot drift from
//! what they prove. Only the YAML this file uses is understood: two spaces per level, one key
//! per line, `#` comments on lines of their own.

use std::path::Path;

/// The compose file's text.
pub fn text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docker-compose.yml"))
        .expect("docker-compose.yml")
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_content(line: &str) -> bool {
    let t = line.trim_start();
    !t.is_empty() && !t.starts_with('#')
}

/// The lines of the block under `path` (e.g. `["services", "nginx", "environment"]`),
/// without comments and blank lines, with the block's own indentation removed. Panics when
/// the path is not there.
pub fn block(text: &str, path: &[&str]) -> Vec<String> {
    let mut lines: Vec<&str> = text.lines().filter(|l| is_content(l)).collect();
    let mut depth = 0;
    for key in path {
        let at = lines
            .iter()
            .position(|l| {
                indent(l) == depth
                    && l.trim_start()
                        .strip_prefix(key)
                        .is_some_and(|rest| rest.starts_with(':'))
            })
            .unwrap_or_else(|| panic!("docker-compose.yml has no {}", path.join(".")));
        let rest = &lines[at + 1..];
        let end = rest
            .iter()
            .position(|l| indent(l) <= depth)
            .unwrap_or(rest.len());
        lines = rest[..end].to_vec();
        depth = lines.first().map_or(depth + 2, |l| indent(l));
    }
    lines
        .iter()
        .map(|l| l[depth.min(l.len())..].to_owned())
        .collect()
}

/// The `key: value` entries of the block under `path`, values as written (quotes removed).
pub fn entries(text: &str, path: &[&str]) -> Vec<(String, String)> {
    block(text, path)
        .iter()
        .filter(|l| indent(l) == 0 && !l.starts_with('-'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect()
}

/// `value` with every `${VAR:-default}` at its default and every `${VAR:?message}` (a value
/// the file requires) taken from `secrets`.
pub fn resolve(value: &str, secrets: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').expect("a closing brace") + at;
        let inner = &rest[at + 2..end];
        if let Some((_, default)) = inner.split_once(":-") {
            out.push_str(default);
        } else if let Some((var, _)) = inner.split_once(":?") {
            let secret = secrets
                .iter()
                .find(|(k, _)| *k == var)
                .unwrap_or_else(|| panic!("a value for the secret {var}"));
            out.push_str(secret.1);
        } else {
            panic!("docker-compose.yml: {inner} has neither a default nor a required message");
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The environment every API node of the compose file gets (`x-api-node`, which `api1` and
/// `api2` merge), resolved with `secrets`.
pub fn api_environment(secrets: &[(&str, &str)]) -> Vec<(String, String)> {
    entries(&text(), &["x-api-node", "environment"])
        .into_iter()
        .map(|(k, v)| {
            let v = resolve(&v, secrets);
            (k, v)
        })
        .collect()
}
