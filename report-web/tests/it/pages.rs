//! Every page renders, and its content is pinned (insta, volatile values
//! filtered).

use axum::http::StatusCode;

use crate::support::{KEY, app, enc, send};

fn stable(html: &str) -> String {
    // The page's own content (the shared head and styles are not the
    // subject); the chain head and commit differ per run.
    let main = &html[html.find("<main>").unwrap()..html.find("</main>").unwrap()];
    let mut out = String::new();
    for line in main.lines() {
        if line.contains("chain head") {
            out.push_str("[store commit and chain head]\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[tokio::test]
async fn every_page_renders() {
    let app = app(false).await;
    let key = enc(KEY);
    for uri in [
        "/".to_owned(),
        "/?start=2026-01-01&end=2026-03-31&policy_days=90".to_owned(),
        "/rotation".to_owned(),
        "/rotation?as_of=2026-02-15&policy_days=180&start=2026-01-01&end=2026-03-31&status=COMPLIANT".to_owned(),
        format!("/keys/{key}"),
        "/rds".to_owned(),
        "/findings".to_owned(),
        "/findings?severity=critical&sort=oldest".to_owned(),
        "/anomalies".to_owned(),
        "/events".to_owned(),
        "/events?event_name=Decrypt&limit=5".to_owned(),
        "/events/use-3".to_owned(),
        "/reports/pci-dss?start=2026-01-01&end=2026-03-31".to_owned(),
        "/reports/soc2?start=2026-01-01&end=2026-03-31".to_owned(),
        "/packs".to_owned(),
    ] {
        let (status, ctype, body) = send(&app, "GET", &uri, None, None).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        assert!(ctype.starts_with("text/html"), "{uri}: {ctype}");
        assert!(body.contains("</html>"), "{uri}");
    }
    for (uri, want) in [
        (
            "/keys/arn%3Aaws%3Akms%3Aus-east-1%3A1%3Akey%2Fnope",
            StatusCode::NOT_FOUND,
        ),
        ("/events/nope", StatusCode::NOT_FOUND),
        ("/reports/iso27001", StatusCode::NOT_FOUND),
        ("/rotation?as_of=yesterday", StatusCode::BAD_REQUEST),
        ("/?start=2026-05-01&end=2026-01-01", StatusCode::BAD_REQUEST),
        ("/events?cursor=garbage", StatusCode::BAD_REQUEST),
    ] {
        let (status, _, body) = send(&app, "GET", uri, None, None).await;
        assert_eq!(status, want, "{uri}: {body}");
    }
}

#[tokio::test]
async fn pages_show_what_the_views_compute() {
    let app = app(false).await;
    let (_, _, rotation) = send(
        &app,
        "GET",
        "/rotation?as_of=2026-03-31&start=2026-01-01&end=2026-03-31",
        None,
        None,
    )
    .await;
    assert!(rotation.contains("NON_COMPLIANT") && rotation.contains("rotation_disabled"));
    // Out of compliance from the day rotation was switched off to the period end.
    assert!(rotation.contains("31 days"), "{rotation}");
    insta::assert_snapshot!("rotation", stable(&rotation));

    let (_, _, report) = send(
        &app,
        "GET",
        "/reports/pci-dss?start=2026-01-01&end=2026-03-31",
        None,
        None,
    )
    .await;
    for section in [
        "3.6.1", "3.7.1", "3.7.2", "3.7.3", "3.7.4", "3.7.5", "3.7.6", "3.7.7", "10.2.1", "10.3.1",
        "10.3.2", "10.3.3", "10.3.4", "10.4.1", "10.5.1", "10.7.2",
    ] {
        assert!(
            report.contains(&format!("id=\"req-{section}\"")),
            "PCI report lacks {section}"
        );
    }
    insta::assert_snapshot!("pci_report", stable(&report));
    let (_, _, soc2) = send(
        &app,
        "GET",
        "/reports/soc2?start=2026-01-01&end=2026-03-31",
        None,
        None,
    )
    .await;
    for section in ["CC6.1", "CC6.7", "CC7.2", "CC7.3", "CC8.1"] {
        assert!(
            soc2.contains(&format!("id=\"req-{section}\"")),
            "SOC 2 report lacks {section}"
        );
    }

    let (_, _, key) = send(&app, "GET", &format!("/keys/{}", enc(KEY)), None, None).await;
    assert!(key.contains("<svg") && key.contains("DisableKeyRotation"));
    insta::assert_snapshot!("key_detail", stable(&key));

    let (_, _, events) = send(&app, "GET", "/events?limit=5", None, None).await;
    assert!(
        events.contains("older →"),
        "a full page links to the next one"
    );
}
