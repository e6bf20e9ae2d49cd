//! Who made a call: from `userIdentity` to a *stable* principal.
//!
//! A role's sessions have a new ARN every time
//! (`arn:aws:sts::111122223333:assumed-role/app/i-0abc`); the identity that
//! keeps its meaning across sessions is the role itself (the session
//! issuer). Baselines, findings and reports are all keyed by that stable
//! principal; the raw session ARN is kept beside it.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::lenient::{self, Text};

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Identity {
    #[serde(rename = "type")]
    kind: Text,
    principal_id: Text,
    arn: Text,
    account_id: Text,
    access_key_id: Text,
    user_name: Text,
    invoked_by: Text,
    identity_provider: Text,
    session_context: Option<SessionContext>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SessionContext {
    session_issuer: Option<Issuer>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Issuer {
    arn: Text,
}

/// The caller of one event, normalised.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// `userIdentity.type` (`AssumedRole`, `IAMUser`, `AWSService`, `Root`, …).
    pub principal_type: Option<String>,
    /// The stable identity: the role for assumed-role sessions, the IAM user,
    /// the root, or the AWS service for service events.
    pub principal_arn: Option<String>,
    pub principal_account_id: Option<String>,
    /// The raw `userIdentity.arn` (for a role: the session).
    pub session_arn: Option<String>,
    /// The AWS service that made the call on the principal's behalf.
    pub invoked_by: Option<String>,
    pub access_key_id: Option<String>,
    pub user_name: Option<String>,
}

/// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` → `arn:aws:iam::ACCOUNT:role/ROLE`.
/// (The role's path is not in the session ARN; the session issuer has it.)
fn role_of_session(arn: &str) -> Option<String> {
    let (head, rest) = arn.split_once(":assumed-role/")?;
    let role = rest.split('/').next()?;
    let head = head.replacen(":sts:", ":iam:", 1);
    Some(format!("{head}:role/{role}"))
}

impl Principal {
    /// Read `userIdentity`, which may be absent, null, `{}`, a JSON string,
    /// or lack `type` (`{"invokedBy": "AWS Internal"}`).
    pub fn from_user_identity(raw: Option<&RawValue>) -> Principal {
        let Some(id) = lenient::object::<Identity>(raw) else {
            return Principal::default();
        };
        let kind = id.kind.0;
        let arn = id.arn.0;
        let invoked_by = id.invoked_by.0;
        let account = id.account_id.0;
        let issuer = id
            .session_context
            .and_then(|c| c.session_issuer)
            .and_then(|i| i.arn.0);
        let principal_arn = match kind.as_deref() {
            Some("AssumedRole") => issuer.or_else(|| arn.as_deref().and_then(role_of_session)),
            Some("FederatedUser") => issuer.or_else(|| arn.clone()),
            Some("AWSService") => invoked_by.clone(),
            Some("AWSAccount") => arn
                .clone()
                .or_else(|| account.as_ref().map(|a| format!("arn:aws:iam::{a}:root"))),
            Some("WebIdentityUser" | "SAMLUser") => {
                arn.clone()
                    .or_else(|| match (id.identity_provider.get(), id.user_name.get()) {
                        (Some(p), Some(u)) => Some(format!("{p}:{u}")),
                        _ => id.principal_id.0.clone(),
                    })
            }
            Some(_) => arn.clone().or_else(|| id.principal_id.0.clone()),
            // No type: a service acting on its own (`{"invokedBy": "AWS Internal"}`).
            None => invoked_by.clone().or_else(|| arn.clone()),
        };
        Principal {
            principal_type: kind,
            principal_arn,
            principal_account_id: account,
            session_arn: arn,
            invoked_by,
            access_key_id: id.access_key_id.0,
            user_name: id.user_name.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(json: &str) -> Principal {
        let raw: Box<RawValue> = serde_json::from_str(json).unwrap();
        Principal::from_user_identity(Some(&raw))
    }

    #[test]
    fn assumed_role_is_the_role() {
        let got = p(
            r#"{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/i-1",
            "accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"Role",
            "arn":"arn:aws:iam::111122223333:role/svc/app"}}}"#,
        );
        assert_eq!(
            got.principal_arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/svc/app")
        );
        assert_eq!(
            got.session_arn.as_deref(),
            Some("arn:aws:sts::111122223333:assumed-role/app/i-1")
        );
        // Without a session issuer, the role comes from the session ARN.
        let got =
            p(r#"{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/i-1"}"#);
        assert_eq!(
            got.principal_arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/app")
        );
    }

    #[test]
    fn services_and_odd_shapes() {
        let got = p(r#"{"type":"AWSService","invokedBy":"rds.amazonaws.com"}"#);
        assert_eq!(got.principal_arn.as_deref(), Some("rds.amazonaws.com"));
        let got = p(r#"{"accountId":"111122223333","invokedBy":"AWS Internal"}"#);
        assert_eq!(got.principal_arn.as_deref(), Some("AWS Internal"));
        assert_eq!(got.principal_type, None);
        assert_eq!(p("{}"), Principal::default());
        assert_eq!(p("null"), Principal::default());
        let got = p(r#""{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/a\"}""#);
        assert_eq!(got.principal_arn.as_deref(), Some("arn:aws:iam::1:user/a"));
        assert_eq!(Principal::from_user_identity(None), Principal::default());
    }
}
