//! Is a key policy open to the world?

use serde_json::Value;

/// Condition keys that restrict a `*` principal to known callers.
const RESTRICTING: &[&str] = &[
    "kms:calleraccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:sourceaccount",
    "aws:principalarn",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceorgid",
];

fn is_everyone(p: &Value) -> bool {
    match p {
        Value::String(s) => s == "*",
        Value::Object(o) => o.get("AWS").is_some_and(|a| match a {
            Value::String(s) => s == "*",
            Value::Array(items) => items.iter().any(|i| i.as_str() == Some("*")),
            _ => false,
        }),
        _ => false,
    }
}

fn restricted(condition: Option<&Value>) -> bool {
    let Some(Value::Object(ops)) = condition else {
        return false;
    };
    ops.values().any(|keys| {
        keys.as_object().is_some_and(|k| {
            k.keys()
                .any(|name| RESTRICTING.contains(&name.to_ascii_lowercase().as_str()))
        })
    })
}

/// The `Sid`s (or positions) of Allow statements that grant to principal
/// `*` without a condition restricting who the caller can be.
pub fn public_statements(policy: &str) -> Vec<String> {
    let Ok(doc) = serde_json::from_str::<Value>(policy) else {
        return Vec::new();
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => return Vec::new(),
    };
    statements
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.get("Effect").and_then(Value::as_str) == Some("Allow")
                && s.get("Principal").is_some_and(is_everyone)
                && !restricted(s.get("Condition"))
        })
        .map(|(i, s)| {
            s.get("Sid")
                .and_then(Value::as_str)
                .map_or_else(|| format!("statement {i}"), str::to_owned)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_and_restricted_policies() {
        let open = r#"{"Statement":[{"Sid":"Open","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt"}]}"#;
        assert_eq!(public_statements(open), vec!["Open"]);
        let star = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*"}}"#;
        assert_eq!(public_statements(star), vec!["statement 0"]);
        let org = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt",
            "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}}]}"#;
        assert!(public_statements(org).is_empty());
        let caller = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"kms:Decrypt",
            "Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]}"#;
        assert!(public_statements(caller).is_empty());
        let other = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt",
            "Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#;
        assert_eq!(public_statements(other).len(), 1);
        let deny = r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:*"}]}"#;
        assert!(public_statements(deny).is_empty());
        let account = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"kms:*"}]}"#;
        assert!(public_statements(account).is_empty());
    }
}
