//! Which KMS key an event is about, as one canonical ARN.
//!
//! The same key shows up as `arn:aws:kms:us-west-2:111122223333:key/1234…`
//! in `resources[]`, as a bare `1234…` in `requestParameters.keyId`, or as
//! `responseElements.keyMetadata.arn` on `CreateKey`. Folding them into one
//! ARN is what makes "one key, one history" possible.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::lenient::{self, Text};

/// KMS operations that *use* a key (as opposed to managing it).
pub const KEY_USAGE_EVENTS: &[&str] = &[
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "ReEncrypt",
    "Sign",
    "Verify",
    "GenerateMac",
    "VerifyMac",
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Resource {
    #[serde(rename = "ARN", alias = "arn")]
    arn: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct KeyParams {
    key_id: Text,
    kms_key_id: Text,
    target_key_id: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct KeyResponse {
    key_metadata: Option<KeyMetadata>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KeyMetadata {
    #[serde(rename = "arn", alias = "Arn")]
    arn: Text,
}

/// The AWS partition a region belongs to.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso") {
        "aws-iso"
    } else {
        "aws"
    }
}

fn is_key_id(s: &str) -> bool {
    let id = s.strip_prefix("mrk-").unwrap_or(s);
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// A key reference (ARN or bare key id) as a key ARN; `None` for aliases and
/// for bare ids when the region or account is unknown.
pub fn key_ref_to_arn(
    reference: &str,
    region: Option<&str>,
    account: Option<&str>,
) -> Option<String> {
    let r = reference.trim();
    if r.starts_with("arn:") {
        return (r.contains(":kms:") && r.contains(":key/")).then(|| r.to_owned());
    }
    if !is_key_id(r) {
        return None;
    }
    let (region, account) = (region?, account?);
    Some(format!(
        "arn:{}:kms:{region}:{account}:key/{r}",
        partition_of(region)
    ))
}

/// Every resource ARN of `resources[]`, and the first KMS key among them.
pub(crate) fn resources(raw: Option<&RawValue>) -> (Vec<String>, Option<String>) {
    let list: Vec<Resource> = lenient::object(raw).unwrap_or_default();
    let mut key = None;
    let mut arns = Vec::with_capacity(list.len());
    for r in list {
        let Some(arn) = r.arn.0 else { continue };
        // Alias ARNs are listed with the key's resource type too: only a
        // `key/` ARN names a key.
        let is_key = arn.contains(":kms:") && arn.contains(":key/");
        if key.is_none() && is_key {
            key = Some(arn.clone());
        }
        arns.push(arn);
    }
    (arns, key)
}

pub(crate) struct KeyContext<'a> {
    pub event_source: Option<&'a str>,
    pub region: Option<&'a str>,
    pub account: Option<&'a str>,
    pub request_parameters: Option<&'a RawValue>,
    pub response_elements: Option<&'a RawValue>,
    pub service_event_details: Option<&'a RawValue>,
}

/// The key an event is about when `resources[]` did not name one.
pub(crate) fn from_parameters(cx: &KeyContext<'_>) -> Option<String> {
    let to_arn = |t: &Text| {
        t.get()
            .and_then(|r| key_ref_to_arn(r, cx.region, cx.account))
    };
    let is_kms = cx.event_source == Some("kms.amazonaws.com");
    let params: Option<KeyParams> = lenient::object(cx.request_parameters);
    if let Some(p) = &params {
        let found = if is_kms {
            to_arn(&p.key_id).or_else(|| to_arn(&p.target_key_id))
        } else {
            None
        };
        if let Some(k) = found.or_else(|| to_arn(&p.kms_key_id)) {
            return Some(k);
        }
    }
    if is_kms {
        let resp: Option<KeyResponse> = lenient::object(cx.response_elements);
        if let Some(k) = resp
            .and_then(|r| r.key_metadata)
            .and_then(|m| to_arn(&m.arn))
        {
            return Some(k);
        }
        let details: Option<KeyParams> = lenient::object(cx.service_event_details);
        return details.and_then(|d| to_arn(&d.key_id));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let arn = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(key_ref_to_arn(arn, None, None).as_deref(), Some(arn));
        assert_eq!(
            key_ref_to_arn(
                "1234abcd-12ab-34cd-56ef-1234567890ab",
                Some("us-west-2"),
                Some("111122223333")
            )
            .as_deref(),
            Some(arn)
        );
        assert_eq!(
            key_ref_to_arn(
                "mrk-1234abcd12ab34cd56ef1234567890ab",
                Some("cn-north-1"),
                Some("1")
            )
            .as_deref(),
            Some("arn:aws-cn:kms:cn-north-1:1:key/mrk-1234abcd12ab34cd56ef1234567890ab")
        );
        assert_eq!(
            key_ref_to_arn("alias/ExampleAlias", Some("us-west-2"), Some("1")),
            None
        );
        assert_eq!(
            key_ref_to_arn("arn:aws:kms:us-west-2:1:alias/x", None, None),
            None
        );
        assert_eq!(
            key_ref_to_arn("1234abcd-12ab-34cd-56ef-1234567890ab", None, Some("1")),
            None
        );
    }
}
