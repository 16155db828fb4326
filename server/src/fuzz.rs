//! Property tests over every parser that takes input from outside: WebSocket
//! frames, the validators behind them, signed visitor identities and visitor
//! cookies, schedule and recurrence input, and the announcement sanitizer.
//!
//! They run in `make test` with a bounded number of cases each (proptest's
//! `PROPTEST_CASES` raises it for a longer hunt: `PROPTEST_CASES=100000 cargo
//! test -p server --lib fuzz`). The property is always at least "no panic, and
//! an error that names what was wrong"; where there is more to say (a
//! signature covers every field; sanitized HTML has no script, handler or
//! image), it is checked too.

use crate::{
    push::{render_markdown, ScheduleSpec},
    support::identity::{sign_identity, verify_identity, CookieSigner},
    ws::dispatch,
};
use app::{
    protocol::{Repeat, ScheduleRequest, Severity, SignedIdentity, Target},
    validate::{
        AnnouncementBody, AnnouncementTitle, ClientId, Email, KeyName, MessageBody, Password,
        RoomName, Username, VisitorName,
    },
};
use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{json, Value};

fn config() -> ProptestConfig {
    // Bounded by default; PROPTEST_CASES overrides.
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(512),
        // Failures are reported with their minimal input; turn one into a
        // named regression test rather than a file in the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Field names and frame types the server knows, so generated frames often
/// get past serde's first checks and reach the deeper ones.
const FIELDS: &[&str] = &[
    "type",
    "room",
    "body",
    "client_id",
    "since",
    "changes_since",
    "id",
    "conversation",
    "name",
    "email",
    "page",
    "text",
    "status",
    "agent",
    "score",
    "comment",
    "identity",
    "before",
    "limit",
    "note",
    "ts",
    "signature",
    "external_id",
];

fn frame_type() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(dispatch::CLIENT_TYPES.to_vec()).prop_map(str::to_owned),
        "[a-z._]{0,20}",
    ]
}

/// Any JSON value, with integers at the edges of their ranges.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(-1i64), Just(0i64)].prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::vec((proptest::sample::select(FIELDS.to_vec()), inner), 0..6)
                .prop_map(|kv| Value::Object(
                    kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
                )),
        ]
    })
}

/// A frame-shaped object: a known or random type and known fields.
fn frame() -> impl Strategy<Value = String> {
    (
        frame_type(),
        proptest::collection::vec(
            (proptest::sample::select(FIELDS.to_vec()), json_value()),
            0..6,
        ),
    )
        .prop_map(|(kind, fields)| {
            let mut obj: serde_json::Map<String, Value> =
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            obj.insert("type".into(), Value::from(kind));
            Value::Object(obj).to_string()
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn frames_parse_or_are_refused_without_panic(text in prop_oneof![frame(), ".{0,200}"]) {
        // Either a frame, or a refusal naming what was wrong.
        if let Err(refusal) = dispatch::parse(&text) {
            prop_assert!(!refusal.message.is_empty());
        }
    }

    #[test]
    fn validators_never_panic(s in ".{0,300}", n in any::<u8>()) {
        let _ = Username::parse(&s);
        let _ = Password::parse(&s);
        let _ = RoomName::parse(&s);
        let _ = MessageBody::parse(&s);
        let _ = ClientId::parse(&s);
        let _ = AnnouncementTitle::parse(Some(&s));
        let _ = AnnouncementBody::parse(&s);
        let _ = KeyName::parse(&s);
        let _ = VisitorName::parse(Some(&s));
        let _ = Email::parse(Some(&s));
        let _ = app::validate::Rating::parse(n, Some(&s));
    }

    #[test]
    fn visitor_cookies_verify_only_as_issued(value in ".{0,120}") {
        let signer = CookieSigner::new("fuzz-secret");
        let (issued, key) = signer.issue();
        prop_assert_eq!(signer.verify(&issued), Some(key.as_str()));
        if value != issued {
            // A forged or random value never verifies as the issued key.
            prop_assert_ne!(signer.verify(&value), Some(key.as_str()));
        }
    }

    #[test]
    fn identities_verify_only_when_every_field_is_signed(
        external_id in ".{0,40}",
        name in proptest::option::of(".{0,20}"),
        email in proptest::option::of(".{0,20}"),
        ts in prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), 1_700_000_000i64..1_900_000_000],
        now in prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), 1_700_000_000i64..1_900_000_000],
        signature in "[0-9a-fA-F]{0,80}|.{0,20}",
        moved in ".{0,5}",
    ) {
        let secret = "fuzz-widget-secret";
        let mut id = SignedIdentity { external_id, name, email, ts, signature };
        // Random signatures: refused (almost surely), never a panic.
        let _ = verify_identity(Some(secret), &id, now);
        let _ = verify_identity(None, &id, now);
        id.signature = sign_identity(secret, &id);
        let _ = verify_identity(Some(secret), &id, id.ts);
        // Moving text across a field boundary never keeps a signature valid
        // (issue 9.10: fields were joined with `\n`, so ("a", "b\nc") was
        // also ("a\nb", "c")).
        let mut joined = id.clone();
        joined.name = Some(format!("{moved}\n{}", id.name.clone().unwrap_or_default()));
        joined.signature = sign_identity(secret, &joined);
        if verify_identity(Some(secret), &joined, joined.ts).is_ok() {
            let mut shifted = joined.clone();
            shifted.external_id = format!("{}\n{moved}", joined.external_id);
            shifted.name = id.name.clone();
            prop_assert!(
                verify_identity(Some(secret), &shifted, joined.ts).is_err(),
                "{:?} verified with the signature of {:?}", shifted, joined
            );
        }
    }

    #[test]
    fn schedule_input_is_checked_without_panic(
        at in prop_oneof![
            ".{0,30}",
            "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9][+-][01][0-9]:[0-5][0-9]",
            Just("2026-12-01T09:00:00+01:00".to_owned()),
        ],
        zone in prop_oneof![
            Just("Europe/Berlin".to_owned()),
            Just("UTC".to_owned()),
            Just("Pacific/Chatham".to_owned()),
            ".{0,20}",
        ],
        cron in prop_oneof![
            "[0-9*/,\\- ]{0,30}",
            "([0-9*/,\\-LW#?]{1,6} ){4,6}[0-9*/,\\-LW#?]{1,6}",
            ".{0,30}",
        ],
        use_cron in any::<bool>(),
        until in proptest::option::of(prop_oneof![
            ".{0,30}",
            Just("2027-01-01T00:00:00Z".to_owned()),
        ]),
        body in ".{0,50}",
    ) {
        let req = ScheduleRequest {
            title: None,
            body,
            severity: Severity::Info,
            target: Target::All,
            at,
            zone,
            repeat: use_cron.then_some(Repeat::Cron { cron }),
            until,
        };
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        if let Ok(spec) = ScheduleSpec::parse(&req, now, true, std::time::Duration::from_secs(60)) {
            // Whatever was accepted can be iterated, and respects the floor.
            let times = spec.recurrence.upcoming(now, 5);
            for w in times.windows(2) {
                prop_assert!(w[1] - w[0] >= chrono::Duration::seconds(60), "{:?}", times);
            }
        }
    }

    #[test]
    fn sanitized_markdown_has_no_script_handler_or_image(
        parts in proptest::collection::vec(prop_oneof![
            Just("<script>alert(1)</script>"),
            Just("<img src=x onerror=alert(1)>"),
            Just("![a](https://evil.example/p.png)"),
            Just("[x](javascript:alert(1))"),
            Just("<a href=\"https://ok.example\" onclick=\"x()\">ok</a>"),
            Just("<svg onload=alert(1)>"),
            Just("<iframe src=//evil.example>"),
            Just("<style>*{}</style>"),
            Just("**bold** _it_ `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |"),
            Just("<"), Just(">"), Just("\""), Just("'"), Just("&"), Just("\n"),
        ], 0..12),
        noise in ".{0,40}",
    ) {
        let md = format!("{}{}", parts.concat(), noise);
        let html = render_markdown(&md).to_ascii_lowercase();
        // Text is escaped (`&lt;`), so every literal `<` opens a real tag:
        // look inside each one.
        for tag in html.split('<').skip(1).map(|t| t.split('>').next().unwrap_or(t)) {
            for bad in ["script", "img", "svg", "iframe", "style", "object", "embed"] {
                prop_assert!(!tag.starts_with(bad), "<{tag}> survived in {html}");
            }
            prop_assert!(!tag.contains(" on"), "a handler survived: <{tag}> in {html}");
            prop_assert!(!tag.contains("javascript:"), "<{tag}> survived in {html}");
        }
    }
}
