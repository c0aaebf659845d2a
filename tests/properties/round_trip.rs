//! Property 2: a request generated from the RFC 9112 grammar parses to
//! exactly what generated it: method, target and its form, version, every
//! field name and value (OWS stripped, RFC 9112 §5), where the head ends;
//! its framing is the one it was given (RFC 9112 §6.3) and its body
//! decodes to the content it was built from.
use harness::strategies::{chunked_body, valid_request, Body, Form, GeneratedRequest};
use proptest::prelude::*;
use server::parse::TargetForm;

use crate::invariants::{decode_pieces, parse, Parsed};
use crate::oracle::{server_framing, Framing};
use crate::support::config;

fn form(f: Form) -> TargetForm {
    match f {
        Form::Origin => TargetForm::Origin,
        Form::Absolute => TargetForm::Absolute,
        Form::Authority => TargetForm::Authority,
        Form::Asterisk => TargetForm::Asterisk,
    }
}

fn check(req: &GeneratedRequest) -> Result<(), TestCaseError> {
    let bytes = req.to_bytes();
    let Parsed::Complete(head) = parse(&bytes) else {
        return Err(TestCaseError::fail(format!(
            "a valid request did not parse: {:?}",
            parse(&bytes)
        )));
    };
    prop_assert_eq!(&head.method, &req.method);
    prop_assert_eq!(&head.target, &req.target);
    prop_assert_eq!(head.form, form(req.form));
    prop_assert_eq!(head.version, req.version);
    let shown = |fields: &mut dyn Iterator<Item = (&String, &Vec<u8>)>| -> Vec<String> {
        fields
            .map(|(n, v)| format!("{n}: {}", v.escape_ascii()))
            .collect()
    };
    let got = shown(&mut head.fields.iter().map(|(n, v)| (n, v)));
    let want = shown(&mut req.fields.iter().map(|f| (&f.name, &f.value.0)));
    prop_assert_eq!(
        got,
        want,
        "field names and values, OWS stripped (RFC 9112 §5)"
    );
    prop_assert_eq!(head.head_len, req.head().len());

    let (_, _, framing) = server_framing(&bytes).expect("parsed above");
    let body = &bytes[head.head_len..];
    match &req.body {
        Body::None => prop_assert_eq!(framing, Framing::Empty),
        Body::Length(b) => prop_assert_eq!(framing, Framing::Length(b.0.len() as u64)),
        Body::Chunked(_) => {
            prop_assert_eq!(framing, Framing::Chunked);
            let d = decode_pieces(&[body]).map_err(TestCaseError::fail)?;
            prop_assert!(d.error.is_none(), "decoder error {:?}", d.error);
            prop_assert!(d.done);
            prop_assert_eq!(d.consumed, body.len());
            prop_assert_eq!(d.content, req.content());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config("proptest-regressions/round_trip.txt"))]

    #[test]
    fn generated_request_parses_to_what_generated_it(req in valid_request()) {
        check(&req)?;
    }

    #[test]
    fn generated_chunked_body_decodes_to_its_content(body in chunked_body()) {
        let bytes = body.to_bytes();
        let d = decode_pieces(&[&bytes]).map_err(TestCaseError::fail)?;
        prop_assert!(d.error.is_none(), "decoder error {:?}", d.error);
        prop_assert!(d.done);
        prop_assert_eq!(d.consumed, bytes.len());
        prop_assert_eq!(d.content, body.content());
    }
}
