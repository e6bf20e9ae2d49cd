use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::{
    identity::Principal,
    key_arn::{self, KeyContext},
};
use crate::{
    RecordError, Result,
    lenient::{self, Scalar, text},
    time,
};

/// The fields of a CloudTrail record as written, read without copying.
/// Unknown fields are ignored; every field may be missing or null.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    #[serde(borrow, default)]
    event_version: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    user_identity: Option<&'a RawValue>,
    #[serde(borrow, default)]
    event_time: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    event_source: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    event_name: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    aws_region: Option<Scalar<'a>>,
    #[serde(borrow, default, rename = "sourceIPAddress")]
    source_ip_address: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    user_agent: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    error_code: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    error_message: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    request_parameters: Option<&'a RawValue>,
    #[serde(borrow, default)]
    response_elements: Option<&'a RawValue>,
    #[serde(borrow, default)]
    additional_event_data: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "requestID")]
    request_id: Option<Scalar<'a>>,
    #[serde(borrow, default, rename = "eventID")]
    event_id: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    read_only: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    resources: Option<&'a RawValue>,
    #[serde(borrow, default)]
    event_type: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    management_event: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    recipient_account_id: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    service_event_details: Option<&'a RawValue>,
    #[serde(borrow, default)]
    event_category: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    insight_details: Option<&'a RawValue>,
}

/// One CloudTrail event, normalised. The original bytes are not copied here;
/// [`super::BatchBuilder::push`] stores them next to these columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloudTrailRecord {
    /// Microseconds since the epoch, UTC.
    pub event_time: i64,
    pub event_id: String,
    /// True when the record had no `eventID` and the id is the hash of its bytes.
    pub event_id_derived: bool,
    pub event_version: Option<String>,
    pub event_source: Option<String>,
    pub event_name: Option<String>,
    pub event_type: Option<String>,
    pub event_category: Option<String>,
    pub aws_region: Option<String>,
    pub recipient_account_id: Option<String>,
    #[serde(flatten)]
    pub principal: Principal,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub read_only: Option<bool>,
    pub management_event: Option<bool>,
    pub request_id: Option<String>,
    pub key_arn: Option<String>,
    pub resource_arns: Vec<String>,
    pub request_parameters: Option<String>,
    pub response_elements: Option<String>,
    pub additional_event_data: Option<String>,
    pub service_event_details: Option<String>,
    pub insight_details: Option<String>,
}

/// The id of a record that came without an `eventID`: the SHA-256 of its
/// exact bytes, so a re-delivery of the same record gets the same id.
fn derived_id(raw: &str) -> String {
    let h = Sha256::digest(raw.as_bytes());
    format!("sha256:{}", hex::encode(&h[..16]))
}

fn owned(v: Option<Cow<'_, str>>) -> Option<String> {
    v.map(Cow::into_owned)
}

/// Parse the exact bytes of one CloudTrail record.
///
/// A record is accepted when it is a JSON object with a readable `eventTime`
/// and at least one of `eventID`, `eventName`, `eventSource`, `eventType`
/// (Insights events have no `eventName`; some service events no `eventID`).
pub fn parse(raw: &str) -> Result<CloudTrailRecord> {
    let first = raw.trim_start().as_bytes().first().copied();
    if first != Some(b'{') {
        return Err(RecordError::NotAnObject(match first {
            Some(b'[') => "an array",
            Some(b'"') => "a string",
            None => "nothing",
            _ => "a scalar",
        }));
    }
    let w: Wire<'_> =
        serde_json::from_str(raw).map_err(|e| RecordError::InvalidJson(e.to_string()))?;

    let time_value = w.event_time.as_ref().ok_or(RecordError::MissingEventTime)?;
    let event_time = match time_value {
        Scalar::Null => return Err(RecordError::MissingEventTime),
        v => time::parse_scalar(v)
            .ok_or_else(|| RecordError::BadEventTime(v.text().unwrap_or_default().into_owned()))?,
    };
    let event_id = text(&w.event_id);
    if event_id.is_none()
        && w.event_name.is_none()
        && w.event_source.is_none()
        && w.event_type.is_none()
    {
        return Err(RecordError::NotAnEvent);
    }
    let event_id_derived = event_id.is_none();
    let event_id = event_id.unwrap_or_else(|| derived_id(raw));

    let principal = Principal::from_user_identity(w.user_identity);
    let event_source = text(&w.event_source);
    let aws_region = text(&w.aws_region);
    let recipient_account_id = text(&w.recipient_account_id);
    let (resource_arns, resource_key) = key_arn::resources(w.resources);
    let key_arn = resource_key.or_else(|| {
        key_arn::from_parameters(&KeyContext {
            event_source: event_source.as_deref(),
            region: aws_region.as_deref(),
            account: recipient_account_id
                .as_deref()
                .or(principal.principal_account_id.as_deref()),
            request_parameters: w.request_parameters,
            response_elements: w.response_elements,
            service_event_details: w.service_event_details,
        })
    });

    Ok(CloudTrailRecord {
        event_time: time::to_micros(event_time),
        event_id,
        event_id_derived,
        event_version: text(&w.event_version),
        event_source,
        event_name: text(&w.event_name),
        event_type: text(&w.event_type),
        event_category: text(&w.event_category),
        aws_region,
        recipient_account_id,
        principal,
        source_ip: text(&w.source_ip_address),
        user_agent: text(&w.user_agent),
        error_code: text(&w.error_code),
        error_message: text(&w.error_message),
        read_only: w.read_only.as_ref().and_then(Scalar::boolean),
        management_event: w.management_event.as_ref().and_then(Scalar::boolean),
        request_id: text(&w.request_id),
        key_arn,
        resource_arns,
        request_parameters: owned(lenient::object_text(w.request_parameters)),
        response_elements: owned(lenient::object_text(w.response_elements)),
        additional_event_data: owned(lenient::object_text(w.additional_event_data)),
        service_event_details: owned(lenient::object_text(w.service_event_details)),
        insight_details: owned(lenient::object_text(w.insight_details)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_an_event() {
        assert_eq!(parse("[1]"), Err(RecordError::NotAnObject("an array")));
        assert_eq!(
            parse(r#"{"eventTime": null}"#),
            Err(RecordError::MissingEventTime)
        );
        assert_eq!(
            parse(r#"{"eventName": "X"}"#),
            Err(RecordError::MissingEventTime)
        );
        assert_eq!(
            parse(r#"{"eventTime": "2020-01-01T00:00:00Z"}"#),
            Err(RecordError::NotAnEvent)
        );
        assert!(matches!(
            parse(r#"{"eventTime": "ThisIsAWrongEventTime", "eventName": "X"}"#),
            Err(RecordError::BadEventTime(_))
        ));
        assert!(matches!(
            parse(r#"{"eventTime": "#),
            Err(RecordError::InvalidJson(_))
        ));
    }

    #[test]
    fn derived_ids_are_deterministic() {
        let raw = r#"{"eventTime":"2020-01-01T00:00:00Z","eventName":"X"}"#;
        let a = parse(raw).unwrap();
        assert!(a.event_id_derived);
        assert_eq!(a.event_id, parse(raw).unwrap().event_id);
        assert_ne!(a.event_id, parse(&raw.replace('X', "Y")).unwrap().event_id);
    }

    #[test]
    fn string_booleans_and_string_objects() {
        let raw = r#"{"eventTime":"1577836800","eventID":"e1","readOnly":"true",
            "requestParameters":"{\"keyId\":\"1234abcd-12ab-34cd-56ef-1234567890ab\"}",
            "eventSource":"kms.amazonaws.com","awsRegion":"eu-west-1","recipientAccountId":"111122223333"}"#;
        let r = parse(raw).unwrap();
        assert_eq!(r.read_only, Some(true));
        assert_eq!(r.event_time, 1_577_836_800_000_000);
        assert_eq!(
            r.request_parameters.as_deref(),
            Some(r#"{"keyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}"#)
        );
        assert_eq!(
            r.key_arn.as_deref(),
            Some("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
        );
    }
}
