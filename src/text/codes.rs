//! Every code sendercheck publishes, with the parameters its message is given. A constructor
//! per code (`codes::spf_missing(domain)`) is the only way the core makes a finding, so a code
//! is always given exactly its parameters. Codes are dotted (`area.finding`), lower case, with
//! underscores; once published a code keeps its meaning (a new meaning gets a new code).

use fluent_syntax::ast;

use super::{Arg, Text};

/// A code and the names of its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub params: &'static [&'static str],
}

macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $name:ident = $code:literal ( $($param:ident),* ); )*) => {
        $(
            $(#[doc = $doc])*
            #[allow(clippy::too_many_arguments)]
            pub fn $name($($param: impl Into<Arg>),*) -> Text {
                Text::new($code, vec![$((stringify!($param), $param.into())),*])
            }
        )*
        /// Every code, in the order of this file.
        pub const ALL: &[Code] = &[$(Code { code: $code, params: &[$(stringify!($param)),*] }),*];

        /// Each code as a constant named like its constructor, to tell a finding's kind
        /// (`text.code == codes::id::dkim_key_not_given`) without making one.
        #[allow(non_upper_case_globals)]
        pub mod id {
            $(pub const $name: &str = $code;)*
        }
    };
}

/// The code `code`, if it is one.
pub fn find(code: &str) -> Option<&'static Code> {
    ALL.iter().find(|known| known.code == code)
}

/// A catalog pattern written back as Fluent source (the template `GET /v1/codes` shows).
pub(super) fn pattern_source(pattern: &ast::Pattern<&str>) -> String {
    let resource = ast::Resource {
        body: vec![ast::Entry::Message(ast::Message {
            id: ast::Identifier { name: "m" },
            value: Some(pattern.clone()),
            attributes: Vec::new(),
            comment: None,
        })],
    };
    let source = fluent_syntax::serializer::serialize(&resource);
    let body = source.strip_prefix("m =").unwrap_or(&source);
    body.strip_prefix(' ')
        .unwrap_or(body)
        .trim_end()
        .to_string()
}

codes! {
    /// A result stored before findings had codes (a release before 2026-12-03): its English
    /// words as they were stored; the next check replaces it.
    stored_text = "stored.text" (text);

    // ---- DNS answers
    /// DNS gave no answer to a query: no verdict.
    dns_lookup_failed = "dns.lookup_failed" (query, reason);
    /// The check stopped before this query was asked (collection is bounded): no verdict.
    dns_not_looked_up = "dns.not_looked_up" (query);
    /// The query timed out.
    dns_timeout = "dns.timeout" ();
    /// The server answered SERVFAIL.
    dns_servfail = "dns.servfail" ();
    /// The server answered REFUSED.
    dns_refused = "dns.refused" ();
    /// No DNS server listens at the configured addresses.
    dns_unreachable = "dns.unreachable" (servers);
    /// Another failure, as the resolver described it.
    dns_other = "dns.other" (reason);

    // ---- any record
    /// The record is what the profile requires (a check that found nothing to say).
    record_as_expected = "record.as_expected" (name);
    /// The registration lacks a parameter the requirement needs: never a pass.
    record_parameter_missing = "record.parameter_missing" (parameter);
    /// Other alternatives of the requirement would also do.
    record_also_accepted = "record.also_accepted" (alternatives);
    /// One alternative of a requirement: its records.
    alternative = "record.alternative" (records);
    alternative_cname = "record.alternative_cname" (name, target);
    alternative_dkim_key = "record.alternative_dkim_key" (name);
    alternative_mx = "record.alternative_mx" (name, hosts);
    alternative_spf = "record.alternative_spf" (name, include);
    alternative_txt = "record.alternative_txt" (name, value);
    alternative_dmarc = "record.alternative_dmarc" (name);

    // ---- what a profile expects (`expected`)
    expect_spf = "expect.spf" (include);
    expect_cname = "expect.cname" (target);
    /// A DKIM key with the provider's value.
    expect_dkim_key = "expect.dkim_key" (key);
    expect_dkim_key_typed = "expect.dkim_key_typed" (key, key_type);
    expect_dkim_any_key = "expect.dkim_any_key" ();
    expect_dkim_any_key_typed = "expect.dkim_any_key_typed" (key_type);
    expect_mx = "expect.mx" (hosts);
    /// An exact TXT value: the value itself, in every language.
    expect_txt = "expect.txt" (value);
    expect_dmarc = "expect.dmarc" ();
    expect_dmarc_policy = "expect.dmarc_policy" (policy);

    // ---- SPF syntax (RFC 7208 §12): the problem of one term
    /// A syntax error of the whole record.
    spf_syntax_record = "spf.syntax.record" (problem, section);
    /// A syntax error of one term.
    spf_syntax_term = "spf.syntax.term" (number, term, problem, section);
    spf_syntax_modifier_repeated = "spf.syntax.modifier_repeated" (modifier);
    spf_syntax_modifier_no_name = "spf.syntax.modifier_no_name" ();
    spf_syntax_modifier_name_letter = "spf.syntax.modifier_name_letter" (name);
    spf_syntax_all_argument = "spf.syntax.all_argument" ();
    spf_syntax_needs_domain = "spf.syntax.needs_domain" (mechanism);
    spf_syntax_unexpected_after = "spf.syntax.unexpected_after" (text, mechanism);
    spf_syntax_ptr_prefix = "spf.syntax.ptr_prefix" ();
    spf_syntax_needs_address = "spf.syntax.needs_address" (mechanism);
    spf_syntax_ip4_invalid = "spf.syntax.ip4_invalid" (address);
    spf_syntax_ip4_prefix = "spf.syntax.ip4_prefix" (prefix);
    spf_syntax_ip6_invalid = "spf.syntax.ip6_invalid" (address);
    spf_syntax_ip6_prefix = "spf.syntax.ip6_prefix" (prefix);
    spf_syntax_bad_prefix = "spf.syntax.bad_prefix" (text);
    spf_syntax_empty_mechanism = "spf.syntax.empty_mechanism" ();
    spf_syntax_unknown_mechanism = "spf.syntax.unknown_mechanism" (name);
    spf_syntax_domain_needed = "spf.syntax.domain_needed" (what);
    spf_syntax_domain_two_labels = "spf.syntax.domain_two_labels" (text);
    spf_syntax_domain_empty_label = "spf.syntax.domain_empty_label" (text);
    spf_syntax_domain_bad_toplabel = "spf.syntax.domain_bad_toplabel" (text, label);
    spf_syntax_bad_character = "spf.syntax.bad_character" (character);
    spf_syntax_macro_unclosed = "spf.syntax.macro_unclosed" ();
    spf_syntax_percent = "spf.syntax.percent" ();
    spf_syntax_macro_empty = "spf.syntax.macro_empty" ();
    spf_syntax_macro_letter = "spf.syntax.macro_letter" (body);
    spf_syntax_macro_exp_only = "spf.syntax.macro_exp_only" (body);
    spf_syntax_macro_zero_parts = "spf.syntax.macro_zero_parts" (body);
    spf_syntax_macro_delimiter = "spf.syntax.macro_delimiter" (body, delimiter);

    // ---- SPF evaluation (RFC 7208 §4-§6): where a permerror was found
    /// A problem found through a term: `where` then the problem.
    spf_at = "spf.at" (via, problem);
    /// A term of a record, by number and text, and the domain whose record holds it.
    spf_term_of = "spf.term_of" (number, term, domain);
    /// A term, by its text, and the domain whose record holds it.
    spf_quoted_term_of = "spf.quoted_term_of" (term, domain);
    spf_record_invalid_at = "spf.record_invalid_at" (domain, errors);
    spf_several_records_at = "spf.several_records_at" (domain, count);
    spf_too_many_lookups = "spf.too_many_lookups" (term, domain, lookup, max);
    spf_too_many_void_lookups = "spf.too_many_void_lookups" (term, domain, lookup, max);
    spf_loop = "spf.loop" (via, target);
    spf_redirect_no_record = "spf.redirect_no_record" (target);
    spf_include_no_record = "spf.include_no_record" (target);
    spf_too_many_mx = "spf.too_many_mx" (target, count, max);
    spf_ptr_used = "spf.ptr_used" (term, domain);
    spf_target_not_fqdn = "spf.target_not_fqdn" (name);
    spf_target_empty_label = "spf.target_empty_label" (name);
    spf_target_long_label = "spf.target_long_label" (label);

    // ---- the SPF record to publish: what the suggestion changed and why
    spf_fix_drops_voids = "spf.fix.drops_voids" (terms, max);
    spf_fix_near_limit = "spf.fix.near_limit" (lookups, max);
    spf_fix_corrected_term = "spf.fix.corrected_term" (from, to);
    spf_fix_corrects = "spf.fix.corrects" (terms);
    spf_fix_misspelled_include = "spf.fix.misspelled_include" (term, target, provider);
    spf_fix_drops_invalid = "spf.fix.drops_invalid" (terms);
    spf_fix_target_no_record = "spf.fix.target_no_record" (target);
    spf_fix_target_invalid = "spf.fix.target_invalid" (target);
    spf_fix_drops_broken = "spf.fix.drops_broken" (term, reason, target);
    spf_fix_flattened = "spf.fix.flattened" (term, count, target, max);
    spf_fix_too_many_lookups = "spf.fix.too_many_lookups" (lookups, max);
    /// No single record can pass: the suggestion's own failure.
    spf_fix_unfixable = "spf.fix.unfixable" (reason);
    /// No single record can pass: the provider's mail still does not pass.
    spf_fix_provider_still_fails = "spf.fix.provider_still_fails" (provider, address, result);
    spf_fix_unproven = "spf.fix.unproven" ();

    // ---- DNS lookups behind a verdict
    dns_query_failed = "dns.query_failed" (query, reason);
    dns_lookups_failed = "dns.lookups_failed" (failures);

    // ---- the SPF record (RFC 7208)
    spf_expected = "spf.expected" (provider);
    spf_missing = "spf.missing" (domain);
    /// A TXT record meant as SPF that is not one.
    spf_lookalike = "spf.lookalike" (domain, record);
    spf_cname = "spf.cname" (domain, target);
    spf_several_records = "spf.several_records" (domain, count);
    spf_invalid = "spf.invalid" (errors);
    /// A permanent error on one address family only.
    spf_one_family = "spf.one_family" (family, problem, other);
    spf_unfollowed = "spf.unfollowed" (term);
    spf_include_missing = "spf.include_missing" (provider);
    /// Passes, judged by a stand-in address (the provider's record lists none).
    spf_pass_authorised = "spf.pass_authorised" (provider, lookups, max);
    spf_pass = "spf.pass" (provider, samples, lookups, max);
    spf_addresses_without_include = "spf.addresses_without_include" (provider);
    spf_near_limit = "spf.near_limit" (lookups, max);
    spf_mail_from = "spf.mail_from" (provider);
    spf_mail_from_sampled = "spf.mail_from_sampled" (provider, failing, tried, address);
    /// The provider's mail is caught by an earlier term.
    spf_matched_first = "spf.matched_first" (who, result, domain, number, term);
    /// No term authorises the provider's mail.
    spf_not_authorised = "spf.not_authorised" (who, result, domain, provider);
    spf_incomplete = "spf.incomplete" (queries);
    spf_plus_all = "spf.plus_all" (domain);
    spf_bare_all = "spf.bare_all" (domain);
    spf_long_record = "spf.long_record" (bytes, max);

    // ---- delegation by CNAME (DKIM selectors, provider hosts); `what` is `dkim_key` or
    // `txt_mx`: what the provider publishes at the target
    cname_pass = "cname.pass" (name, target);
    cname_chain_pass = "cname.chain_pass" (name, target);
    cname_chain = "cname.chain" (name, hops, target);
    cname_wrong_target = "cname.wrong_target" (name, found, target);
    cname_misspelled = "cname.misspelled" (found, target);
    cname_chain_ends = "cname.chain_ends" (hops);
    cname_nxdomain = "cname.nxdomain" (name);
    cname_missing = "cname.missing" (name, what);
    cname_flattened_pass = "cname.flattened_pass" (name, what, target);
    cname_flattened = "cname.flattened" (name, target, what);
    cname_copy_differs = "cname.copy_differs" (name, what, target);

    // ---- tag lists (RFC 6376 §3.2)
    tags_empty = "tags.empty" ();
    tags_not_a_pair = "tags.not_a_pair" (part);
    tags_bad_name = "tags.bad_name" (name);
    tags_repeated = "tags.repeated" (name);

    // ---- a DKIM key published as TXT (RFC 6376, RFC 8301, RFC 8463)
    dkim_expected_any = "dkim.expected_any" (key_type);
    dkim_key_not_given = "dkim.key_not_given" ();
    dkim_missing = "dkim.missing" (name);
    dkim_not_a_key = "dkim.not_a_key" (name);
    dkim_several_keys = "dkim.several_keys" (name, count);
    dkim_unusable = "dkim.unusable" (name, problems);
    dkim_wrong_type = "dkim.wrong_type" (name, found, wanted);
    dkim_wrong_key = "dkim.wrong_key" (name);
    dkim_pass = "dkim.pass" (name, key_type);
    dkim_tag_list_problem = "dkim.tag_list_problem" (problem);
    dkim_version_first = "dkim.version_first" ();
    dkim_no_p = "dkim.no_p" ();
    dkim_revoked = "dkim.revoked" ();
    dkim_not_base64 = "dkim.not_base64" ();
    dkim_not_rsa = "dkim.not_rsa" ();
    dkim_rsa_too_short = "dkim.rsa_too_short" (bits, min);
    dkim_rsa_short = "dkim.rsa_short" (bits, recommended);
    dkim_ed25519_size = "dkim.ed25519_size" (bytes);
    dkim_ed25519_only = "dkim.ed25519_only" ();
    dkim_unknown_type = "dkim.unknown_type" (key_type);
    dkim_no_sha256 = "dkim.no_sha256" (hashes);
    dkim_not_email = "dkim.not_email" (services);
    dkim_testing = "dkim.testing" ();

    // ---- a DKIM-Signature of a message (RFC 6376 §6, RFC 8301): `POST /v1/dkim/verify`, the
    // paste box, test messages
    dkim_sig_pass = "dkim.sig.pass" ();
    dkim_sig_none = "dkim.sig.none" ();
    dkim_sig_body_changed = "dkim.sig.body_changed" ();
    dkim_sig_expired = "dkim.sig.expired" ();
    dkim_sig_identity_strict = "dkim.sig.identity_strict" ();
    dkim_sig_length = "dkim.sig.length" ();
    dkim_sig_failed = "dkim.sig.failed" ();
    dkim_sig_unsupported_algorithm = "dkim.sig.unsupported_algorithm" ();
    /// The header does not parse; `detail` is the verifier's (mail-auth's) own words.
    dkim_sig_malformed = "dkim.sig.malformed" (detail);
    dkim_sig_malformed_tags = "dkim.sig.malformed_tags" (problem);
    dkim_sig_version = "dkim.sig.version" ();
    dkim_sig_tag_missing = "dkim.sig.tag_missing" (tag);
    dkim_sig_tag_case = "dkim.sig.tag_case" (written, tag);
    dkim_sig_tag_case_alone = "dkim.sig.tag_case_alone" (written, tag);
    dkim_sig_from_unsigned = "dkim.sig.from_unsigned" ();
    dkim_sig_identity_outside = "dkim.sig.identity_outside" (identity, domain);
    dkim_sig_key_timeout = "dkim.sig.key_timeout" (name);
    dkim_sig_key_dns_failed = "dkim.sig.key_dns_failed" (name, reason);
    dkim_sig_key_not_found = "dkim.sig.key_not_found" (name);
    dkim_sig_key_revoked = "dkim.sig.key_revoked" (name);
    dkim_sig_key_unsupported = "dkim.sig.key_unsupported" (name);
    dkim_sig_key_invalid = "dkim.sig.key_invalid" (name);
    /// `detail` is the verifier's (mail-auth's) own words.
    dkim_sig_key_unusable = "dkim.sig.key_unusable" (name, detail);
    dkim_sig_key_tags = "dkim.sig.key_tags" (name, problem);
    dkim_sig_key_version = "dkim.sig.key_version" (name);
    dkim_sig_key_tag_case = "dkim.sig.key_tag_case" (name, written);
    dkim_sig_key_hash = "dkim.sig.key_hash" (name, hashes, hash);
    dkim_sig_key_service = "dkim.sig.key_service" (name, services);
    dkim_sig_key_type = "dkim.sig.key_type" (name, key_type, algorithm);
    dkim_sig_rsa_sha1 = "dkim.sig.rsa_sha1" ();
    dkim_sig_rsa_too_short = "dkim.sig.rsa_too_short" (bits, min);
    dkim_sig_partial_body = "dkim.sig.partial_body" (bytes);
    dkim_sig_testing = "dkim.sig.testing" ();
    dkim_sig_skipped = "dkim.sig.skipped" (max);

    /// A value shown as it is (a tag with its default, e.g. `pct=100`).
    value = "value" (value);

    // ---- the DMARC record (RFC 7489 §6.3; what OpenDMARC discards)
    dmarc_expected = "dmarc.expected" ();
    dmarc_expected_at_least = "dmarc.expected_at_least" (policy);
    dmarc_not_a_pair = "dmarc.not_a_pair" (text);
    /// v=, p= or sp= twice: the record is unusable.
    dmarc_repeated_policy_tag = "dmarc.repeated_policy_tag" (tag);
    dmarc_repeated_tag = "dmarc.repeated_tag" (tag);
    dmarc_version_first = "dmarc.version_first" ();
    dmarc_no_policy = "dmarc.no_policy" ();
    dmarc_policy_second = "dmarc.policy_second" ();
    /// A tag value receivers ignore, and the default they use instead.
    dmarc_ignored_value = "dmarc.ignored_value" (tag, default);
    dmarc_default_np = "dmarc.default_np" ();
    dmarc_default_relaxed = "dmarc.default_relaxed" ();
    dmarc_default_interval = "dmarc.default_interval" ();
    dmarc_default_afrf = "dmarc.default_afrf" ();
    dmarc_bad_policy = "dmarc.bad_policy" (tag);
    dmarc_bad_subdomain_policy = "dmarc.bad_subdomain_policy" (tag);
    dmarc_bad_alignment = "dmarc.bad_alignment" (tag);
    dmarc_bad_pct = "dmarc.bad_pct" (tag);
    dmarc_partial_pct = "dmarc.partial_pct" (pct);
    dmarc_bad_interval = "dmarc.bad_interval" (tag);
    dmarc_bad_report_format = "dmarc.bad_report_format" (tag);
    dmarc_unknown_tag = "dmarc.unknown_tag" (tag);
    /// `tag` is `rua` (aggregate reports) or `ruf` (failure reports).
    dmarc_uri_no_scheme = "dmarc.uri_no_scheme" (tag, uri);
    dmarc_uri_invalid = "dmarc.uri_invalid" (tag, uri);
    dmarc_uri_not_mailto = "dmarc.uri_not_mailto" (tag, uri);
    dmarc_uri_not_address = "dmarc.uri_not_address" (tag, uri);
    dmarc_missing = "dmarc.missing" (name);
    dmarc_missing_both = "dmarc.missing_both" (name, organizational);
    dmarc_spf_at_dmarc = "dmarc.spf_at_dmarc" (name, record);
    dmarc_not_dmarc = "dmarc.not_dmarc" (name, record);
    dmarc_policy_too_weak = "dmarc.policy_too_weak" (policy, required);
    dmarc_several_records = "dmarc.several_records" (name, count);
    dmarc_invalid = "dmarc.invalid" (name, errors);
    dmarc_reports_unauthorised = "dmarc.reports_unauthorised" (tag, host, authorization);
    dmarc_reports_lookup_failed = "dmarc.reports_lookup_failed" (host, domain, authorization, reason);
    dmarc_reports_not_looked_up = "dmarc.reports_not_looked_up" (host, domain, authorization);
    dmarc_inherited = "dmarc.inherited" (name, policy);
    dmarc_pass = "dmarc.pass" (name, policy);
    dmarc_policy_none = "dmarc.policy_none" ();
    dmarc_lookup_failed = "dmarc.lookup_failed" (name, reason);
    dmarc_unusable = "dmarc.unusable" (name, error);
    dmarc_not_fetched = "dmarc.not_fetched" (name);

    // ---- an MX set
    mx_missing = "mx.missing" (name);
    mx_null = "mx.null" (name);
    mx_absent = "mx.absent" (name, hosts);
    mx_extra = "mx.extra" (name, hosts);
    mx_preference = "mx.preference" (host, found, wanted);
    mx_pass = "mx.pass" (name);

    // ---- an exact TXT record: ownership (`verification`) or another (`txt`)
    verification_pass = "verification.pass" (name);
    verification_other_token = "verification.other_token" (name, found);
    txt_pass = "txt.pass" (name);
    txt_missing = "txt.missing" (value, name);
    txt_other_value = "txt.other_value" (name, found);

    // ---- a record published at a look-alike name; `why` is `doubled_zone`, `no_domainkey`,
    // `dkim_at_domain`, `dmarc_at_domain` or `spf_at_spf`
    lookalike_misplaced = "lookalike.misplaced" (name, why);
    lookalike_move = "lookalike.move" (name, values, wanted);
    lookalike_wildcard = "lookalike.wildcard" (name, probe);

    // ---- DNSSEC behind a verdict
    dnssec_not_valid = "dnssec.not_valid" ();
    /// The resolver strips RRSIGs: nothing can be proven (`indeterminate`).
    dnssec_resolver_strips = "dnssec.resolver_strips" ();
    /// The trust anchors match none of the resolver's keys: nothing can be proven.
    dnssec_anchors_mismatch = "dnssec.anchors_mismatch" (zone, tags, anchors);
    dnssec_bogus = "dnssec.bogus" (cause);
    dnssec_bogus_besides = "dnssec.bogus_besides" (cause, besides);
    // Why an answer's DNSSEC state is bogus or could not be decided (a `cause` above, and a
    // record's `dnssec.reason`). `what` is one of the `dnssec.what_*` below.
    dnssec_anchors_builtin = "dnssec.anchors_builtin" ();
    dnssec_anchors_file = "dnssec.anchors_file" (path);
    dnssec_what_rrset = "dnssec.what_rrset" (record_type, owner);
    dnssec_what_dnskey_set = "dnssec.what_dnskey_set" (zone);
    dnssec_what_ds = "dnssec.what_ds" (zone, parent);
    dnssec_chain_failed = "dnssec.chain_failed" (detail);
    dnssec_chain_unfetched = "dnssec.chain_unfetched" ();
    dnssec_fetch_failed = "dnssec.fetch_failed" (record_type, name, detail);
    dnssec_no_anchor_keys_error = "dnssec.no_anchor_keys_error" (zone, detail);
    dnssec_no_anchor_keys = "dnssec.no_anchor_keys" (zone);
    dnssec_strips_signatures = "dnssec.strips_signatures" ();
    dnssec_anchors_unmatched = "dnssec.anchors_unmatched" (zone, tags, anchors);
    dnssec_unsigned_in_signed_zone = "dnssec.unsigned_in_signed_zone" (what, zone);
    dnssec_unvalidated = "dnssec.unvalidated" ();
    dnssec_no_dnskey_with_ds = "dnssec.no_dnskey_with_ds" (zone);
    dnssec_ds_mismatch = "dnssec.ds_mismatch" (zone, parent, ds_tags, key_tags);
    dnssec_keys_not_signed_by_ds = "dnssec.keys_not_signed_by_ds" (what, parent, tags);
    dnssec_ds_unsigned = "dnssec.ds_unsigned" (what);
    dnssec_zone_bogus = "dnssec.zone_bogus" (zone, anchors);
    dnssec_expired = "dnssec.expired" (what, at);
    dnssec_not_yet_valid = "dnssec.not_yet_valid" (what, at);
    dnssec_key_removed = "dnssec.key_removed" (what, tags, zone);
    dnssec_signature_mismatch = "dnssec.signature_mismatch" (what, zone);

    // ---- the zone's authoritative servers (propagation)
    server_no_answer = "server.no_answer" ();
    server_held_back = "server.held_back" (since);
    server_timed_out = "server.timed_out" (milliseconds);
    server_port_closed = "server.port_closed" (port);
    server_not_serving = "server.not_serving" (zone, answered);
    server_bogus = "server.bogus" (server, address, name, cause);
    server_lame = "server.lame" (server, address, problem);
    server_view = "server.view" (server, address, serial, status);
    server_view_no_serial = "server.view_no_serial" (server, address, status);
    propagation_inconsistent = "propagation.inconsistent" (servers);
    propagation_withdrawn = "propagation.withdrawn" ();
    propagation_withdrawn_for = "propagation.withdrawn_for" (seconds);
    propagation_nothing_to_change = "propagation.nothing_to_change" ();
    propagation_nothing_to_change_by = "propagation.nothing_to_change_by" (at);
    propagation_propagating = "propagation.propagating" ();
    propagation_propagating_until = "propagation.propagating_until" (at);

    // ---- the SMTP gateway probe: one code per step outcome; `reply` is the server's own
    // words (code and text), shown as they are
    smtp_dns_resolved = "smtp.dns.resolved" (addresses);
    smtp_dns_failed = "smtp.dns.failed" (host, reason);
    smtp_dns_no_address = "smtp.dns.no_address" (host);
    smtp_connect_ok = "smtp.connect.ok" (address);
    smtp_connect_refused = "smtp.connect.refused" (address, port);
    smtp_connect_failed = "smtp.connect.failed" (address, reason);
    smtp_connect_timeout = "smtp.connect.timeout" (address, seconds, port);
    /// The whole probe's time ran out after `step`.
    smtp_deadline = "smtp.deadline" (seconds, step);
    smtp_tls_plain_greeting = "smtp.tls.plain_greeting" (port);
    smtp_tls_ok = "smtp.tls.ok" (version, cipher);
    smtp_tls_bad_name = "smtp.tls.bad_name" (host, reason);
    /// The server answered the TLS hello with something else (plain SMTP).
    smtp_tls_not_tls = "smtp.tls.not_tls" (detail, port);
    smtp_tls_no_shared = "smtp.tls.no_shared" (detail);
    smtp_tls_failed = "smtp.tls.failed" (detail);
    smtp_tls_timeout = "smtp.tls.timeout" (seconds);
    smtp_certificate_ok = "smtp.certificate.ok" (names, until);
    smtp_certificate_none = "smtp.certificate.none" ();
    /// A certificate problem let through by `--insecure` (a warning).
    smtp_certificate_accepted = "smtp.certificate.accepted" (problem);
    smtp_certificate_refused = "smtp.certificate.refused" (problem);
    smtp_certificate_untrusted = "smtp.certificate.untrusted" (issuer);
    smtp_certificate_expired_on = "smtp.certificate.expired_on" (at);
    smtp_certificate_expired = "smtp.certificate.expired" ();
    smtp_certificate_not_yet_valid = "smtp.certificate.not_yet_valid" ();
    smtp_certificate_revoked = "smtp.certificate.revoked" ();
    smtp_certificate_unverifiable = "smtp.certificate.unverifiable" (detail);
    smtp_certificate_wrong_name = "smtp.certificate.wrong_name" (names, host);
    /// After another certificate problem: it is for other names too.
    smtp_certificate_also_wrong_name = "smtp.certificate.also_wrong_name" (names, host);
    smtp_certificate_no_name = "smtp.certificate.no_name" ();
    smtp_greeting_ok = "smtp.greeting.ok" (reply);
    smtp_greeting_refused = "smtp.greeting.refused" (reply);
    smtp_greeting_timeout = "smtp.greeting.timeout" (seconds, port);
    smtp_greeting_garbled = "smtp.greeting.garbled" (line);
    smtp_greeting_failed = "smtp.greeting.failed" (reason);
    smtp_ehlo_ok = "smtp.ehlo.ok" (reply, extensions);
    /// The second EHLO, after STARTTLS.
    smtp_ehlo_ok_tls = "smtp.ehlo.ok_tls" (reply, extensions);
    smtp_ehlo_no_extensions = "smtp.ehlo.no_extensions" ();
    smtp_ehlo_helo_only = "smtp.ehlo.helo_only" (reply);
    smtp_ehlo_refused = "smtp.ehlo.refused" (reply);
    smtp_ehlo_failed = "smtp.ehlo.failed" (reason);
    smtp_starttls_ok = "smtp.starttls.ok" (reply);
    smtp_starttls_not_offered = "smtp.starttls.not_offered" (port);
    smtp_starttls_refused = "smtp.starttls.refused" (reply);
    smtp_starttls_failed = "smtp.starttls.failed" (reason);
    smtp_auth_ok = "smtp.auth.ok" (username, mechanism, reply);
    smtp_auth_skipped = "smtp.auth.skipped" ();
    smtp_auth_no_password = "smtp.auth.no_password" ();
    smtp_auth_plaintext_refused = "smtp.auth.plaintext_refused" ();
    smtp_auth_refused = "smtp.auth.refused" (reply);
    smtp_auth_not_offered = "smtp.auth.not_offered" ();
    smtp_auth_mechanisms = "smtp.auth.mechanisms" (mechanisms);
    smtp_auth_failed = "smtp.auth.failed" (reason);
    smtp_quit_ok = "smtp.quit.ok" (reply);
    smtp_quit_unexpected = "smtp.quit.unexpected" (reply);
    smtp_quit_closed = "smtp.quit.closed" ();
    smtp_quit_failed = "smtp.quit.failed" (reason);
    /// A warning: addresses of the host the probe policy left out.
    smtp_not_dialled = "smtp.not_dialled" (host, addresses);
    // What went wrong on the wire (a `reason` of the steps above).
    smtp_io_timeout = "smtp.io.timeout" (seconds);
    smtp_io_closed = "smtp.io.closed" ();
    smtp_io_garbled = "smtp.io.garbled" (line);
    smtp_io_error = "smtp.io.error" (detail);
    // Plain words for server replies support staff see often (`presets.toml` names them).
    smtp_hint_google_app_password = "smtp.hint.google_app_password" ();
    smtp_hint_google_credentials = "smtp.hint.google_credentials" ();
    smtp_hint_m365_auth_disabled = "smtp.hint.m365_auth_disabled" ();
    smtp_hint_m365_credentials = "smtp.hint.m365_credentials" ();
    smtp_hint_starttls_first = "smtp.hint.starttls_first" ();
    smtp_hint_encryption_required = "smtp.hint.encryption_required" ();
    smtp_hint_credentials = "smtp.hint.credentials" ();
    smtp_hint_temporary = "smtp.hint.temporary" ();

    // ---- a received test message: SPF, DMARC and ARC as a receiver judges them
    message_unreadable = "message.unreadable" (detail);
    message_spf_not_a_domain = "message.spf_not_a_domain" (domain);
    /// `by`: the term that decided and whose record it is in (`message.spf_decided_by`), or "".
    message_spf_pass = "message.spf_pass" (ip, domain, by);
    message_spf_fail = "message.spf_fail" (ip, domain, by);
    message_spf_softfail = "message.spf_softfail" (ip, domain, by);
    message_spf_neutral = "message.spf_neutral" (ip, domain, by);
    message_spf_decided_by = "message.spf_decided_by" (term, domain);
    message_spf_none = "message.spf_none" (domain);
    message_spf_dns_failed = "message.spf_dns_failed" (name, domain, reason);
    message_spf_dns_failed_somewhere = "message.spf_dns_failed_somewhere" (domain);
    message_spf_too_many_lookups = "message.spf_too_many_lookups" (domain);
    message_from_fields = "message.from_fields" (count);
    message_no_from = "message.no_from" ();
    message_from_domains = "message.from_domains" (domains);
    message_dmarc_none = "message.dmarc_none" (domain, record);
    message_alignment_strict = "message.alignment_strict" ();
    message_alignment_relaxed = "message.alignment_relaxed" ();
    message_aligned_dkim = "message.aligned_dkim" (domain, mode);
    message_aligned_spf = "message.aligned_spf" (domain, mode);
    message_dmarc_aligned = "message.dmarc_aligned" (passes);
    message_dkim_not_aligned = "message.dkim_not_aligned" ();
    message_dmarc_fail = "message.dmarc_fail" (domain, dkim, spf, policy);
    message_dkim_unsigned = "message.dkim_unsigned" ();
    message_dkim_passes_elsewhere = "message.dkim_passes_elsewhere" (domains, domain);
    message_dkim_result = "message.dkim_result" (result, domain, reason);
    message_spf_not_aligned = "message.spf_not_aligned" (spf_domain, domain);
    message_spf_result = "message.spf_result" (result, domain);
    message_wrong_from = "message.wrong_from" (from, domain);
    message_dmarc_passes_for = "message.dmarc_passes_for" (domain, reason);
    message_dmarc_fails_for = "message.dmarc_fails_for" (domain, reason);
    message_dmarc_error = "message.dmarc_error" (result, reason);
    message_arc_none = "message.arc_none" ();
    message_arc_unreadable = "message.arc_unreadable" ();
    message_arc_pass = "message.arc_pass" (sets);
    message_arc_key_failed = "message.arc_key_failed" (detail);
    message_arc_fail = "message.arc_fail" (reason);
    message_arc_tag_missing = "message.arc_tag_missing" (header, instance, tag);
    message_arc_tag_case = "message.arc_tag_case" (header, instance, written, tag);
    message_arc_tag_alone = "message.arc_tag_alone" (header, instance, written, tag);

    // ---- why a domain's status changed (its history). `changes` is `history.changes` or "";
    // `failing` lists records as "kind name: status" (never translated).
    history_registered = "history.registered" ();
    history_registered_again = "history.registered_again" ();
    history_unregistered = "history.unregistered" ();
    history_profile_changed = "history.profile_changed" (from, to);
    history_token_changed = "history.token_changed" ();
    history_params_changed = "history.params_changed" ();
    history_passes = "history.passes" (changes);
    history_passes_again = "history.passes_again" (changes);
    history_window_expired = "history.window_expired" (window, failing);
    history_checks_failed = "history.checks_failed" (count, failing, changes);
    /// The records whose status differs from the check before ("spf shop.example: fail → pass").
    history_changes = "history.changes" (list);
}
