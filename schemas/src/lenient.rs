//! Lenient readers for the shapes real log records take.
//!
//! CloudTrail and gateway logs are written by many producers over many
//! years: a boolean may arrive as `"true"`, a number as `"42"`, an object as
//! a JSON *string* holding the object. These helpers accept every such form
//! without allocating for the common case.

use std::{borrow::Cow, fmt};

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON value read as a scalar: strings stay borrowed where the input
/// allows, numbers and booleans are kept, objects and arrays are skipped.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    Str(Cow<'a, str>),
    Bool(bool),
    Int(i64),
    Float(f64),
    /// An object or array where a scalar was expected.
    Nested,
    Null,
}

impl<'a> Scalar<'a> {
    /// The value as text: strings as they are, numbers and booleans printed;
    /// `None` for nested values and empty strings.
    pub fn text(&self) -> Option<Cow<'a, str>> {
        match self {
            Scalar::Str(s) if s.is_empty() => None,
            Scalar::Str(s) => Some(s.clone()),
            Scalar::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Scalar::Int(i) => Some(Cow::Owned(i.to_string())),
            Scalar::Float(f) => Some(Cow::Owned(f.to_string())),
            Scalar::Nested | Scalar::Null => None,
        }
    }

    /// `true`/`false` from a boolean or from the strings `"true"`/`"false"`
    /// (any case); numbers 0 and 1 too.
    pub fn boolean(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            Scalar::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            Scalar::Int(0) => Some(false),
            Scalar::Int(1) => Some(true),
            _ => None,
        }
    }

    /// A number from a JSON number or a numeric string.
    pub fn number(&self) -> Option<f64> {
        match self {
            Scalar::Int(i) => Some(*i as f64),
            Scalar::Float(f) => Some(*f),
            Scalar::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// Text of an optional scalar, owned.
pub fn text(v: &Option<Scalar<'_>>) -> Option<String> {
    v.as_ref().and_then(Scalar::text).map(Cow::into_owned)
}

/// An owned, leniently read text field: any scalar becomes its text; null,
/// empty strings and nested values become `None`. For side structures that
/// are parsed from a temporary string and cannot borrow.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Text(pub Option<String>);

impl Text {
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Text(Scalar::deserialize(d)?.text().map(Cow::into_owned)))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Nested)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Nested)
            }
        }
        d.deserialize_any(V)
    }
}

/// The JSON text of a value that should be an object but may arrive as a
/// string holding the object's JSON.
///
/// - an object or array: its text, verbatim;
/// - a string whose content is a JSON object or array: the decoded content;
/// - any other string, number or boolean: its JSON text (so the column always
///   holds valid JSON);
/// - `null` (or absent): `None`.
pub fn object_text<'a>(raw: Option<&'a RawValue>) -> Option<Cow<'a, str>> {
    let raw = raw?;
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => {
            let decoded: String = serde_json::from_str(text).ok()?;
            let inner = decoded.trim_start();
            if (inner.starts_with('{') || inner.starts_with('['))
                && serde_json::from_str::<IgnoredAny>(&decoded).is_ok()
            {
                Some(Cow::Owned(decoded))
            } else {
                Some(Cow::Borrowed(text))
            }
        }
        Some(b'n') => None,
        _ => Some(Cow::Borrowed(text)),
    }
}

/// Deserialize a value that should be an object of type `T` but may arrive
/// as a JSON string holding it. `None` when absent, null, or not readable as
/// `T` (a lenient reader never fails a record over a side field).
pub fn object<T: for<'x> Deserialize<'x>>(raw: Option<&RawValue>) -> Option<T> {
    let text = object_text(raw)?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_forms() {
        let v: Vec<Scalar<'_>> =
            serde_json::from_str(r#"["true", true, 1, 2.5, "", {"a":1}, [1], "x"]"#).unwrap();
        assert_eq!(v[0].boolean(), Some(true));
        assert_eq!(v[1].boolean(), Some(true));
        assert_eq!(v[2].text().as_deref(), Some("1"));
        assert_eq!(v[3].number(), Some(2.5));
        assert_eq!(v[4].text(), None);
        assert_eq!(v[5], Scalar::Nested);
        assert_eq!(v[6], Scalar::Nested);
        assert_eq!(v[7].text().as_deref(), Some("x"));
    }

    #[test]
    fn object_text_unwraps_json_strings() {
        let raw: Vec<&RawValue> =
            serde_json::from_str(r#"[{"a": 1}, "{\"b\":2}", "plain", null, 3]"#).unwrap();
        assert_eq!(object_text(Some(raw[0])).as_deref(), Some(r#"{"a": 1}"#));
        assert_eq!(object_text(Some(raw[1])).as_deref(), Some(r#"{"b":2}"#));
        assert_eq!(object_text(Some(raw[2])).as_deref(), Some(r#""plain""#));
        assert_eq!(object_text(Some(raw[3])), None);
        assert_eq!(object_text(Some(raw[4])).as_deref(), Some("3"));
    }
}
