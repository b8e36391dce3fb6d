//! The firm's mail texts: `{{ name }}` placeholders (spaces inside the braces optional).

/// The placeholders a firm may use in texts to clients.
pub const PLACEHOLDERS: [&str; 3] = ["portal_url", "firm_name", "client_name"];

/// Longest text, in characters.
pub const MAX_CHARS: usize = 2000;

/// Replaces every known placeholder; anything else stays as written.
pub fn render(text: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}") else {
            break;
        };
        let name = rest[open + 2..open + close].trim();
        out.push_str(&rest[..open]);
        match vars.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => out.push_str(v),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    out
}

/// Placeholders in `text` that are not known, for a clear refusal.
pub fn unknown(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}") else {
            break;
        };
        let name = rest[open + 2..open + close].trim().to_string();
        if !PLACEHOLDERS.contains(&name.as_str()) && !out.contains(&name) {
            out.push(name);
        }
        rest = &rest[open + close + 2..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_with_or_without_spaces() {
        let vars = [
            ("portal_url", "https://k.de/portal"),
            ("firm_name", "Kanzlei A"),
        ];
        assert_eq!(
            render("Portal: {{ portal_url }} – {{firm_name}}", &vars),
            "Portal: https://k.de/portal – Kanzlei A"
        );
        assert_eq!(render("{{ nope }} und {{", &vars), "{{ nope }} und {{");
        assert_eq!(render("ohne", &vars), "ohne");
    }

    #[test]
    fn unknown_placeholders_are_named() {
        assert_eq!(unknown("{{ portal_url }} {{ iban }} {{iban}}"), ["iban"]);
        assert!(unknown("{{client_name}}").is_empty());
    }
}
