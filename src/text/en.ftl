# sendercheck's messages in English: one entry per code of src/text/codes.rs (dots written as
# hyphens). Parameters are values (names, terms, records) shown as they are; counts choose
# plural forms. Written for a customer who is not a DNS expert.

join-and = {" and "}
join-or = {"; or "}

stored-text = {$text}

## DNS answers
dns-lookup_failed = DNS lookup of {$query} failed: {$reason}
dns-not_looked_up = {$query} was not looked up
dns-timeout = timed out
dns-servfail = SERVFAIL
dns-refused = REFUSED
dns-unreachable = no DNS server listens at {$servers} (UDP timed out, TCP connection refused)
dns-other = {$reason}

## Any record
record-as_expected = the record at {$name} is as expected
record-parameter_missing = cannot be checked: the registration does not give the parameter {$parameter}
record-also_accepted = also accepted instead: {$alternatives}
record-alternative = {$records}
record-alternative_cname = CNAME {$name} → {$target}
record-alternative_dkim_key = a TXT DKIM key at {$name}
record-alternative_mx = MX {$hosts} at {$name}
record-alternative_spf = SPF at {$name} authorising {$include}
record-alternative_txt = TXT "{$value}" at {$name}
record-alternative_dmarc = DMARC at {$name}

## What a profile expects
expect-spf = an SPF record that authorises {$include}
expect-cname = CNAME to {$target}
expect-dkim_key = a DKIM key with p={$key} (any valid key when not given)
expect-dkim_key_typed = a DKIM key of type {$key_type} with p={$key} (any valid key when not given)
expect-dkim_any_key = a valid DKIM key
expect-dkim_any_key_typed = a valid DKIM key of type {$key_type}
expect-mx = MX {$hosts}
expect-txt = {$value}
expect-dmarc = a valid DMARC record
expect-dmarc_policy = a valid DMARC record with at least p={$policy}

## SPF syntax (RFC 7208 §12)
spf-syntax-record = {$problem} (RFC 7208 {$section})
spf-syntax-term = term {$number} "{$term}": {$problem} (RFC 7208 {$section})
spf-syntax-modifier_repeated = the {$modifier}= modifier may appear only once
spf-syntax-modifier_no_name = a modifier needs a name before '='
spf-syntax-modifier_name_letter = modifier name "{$name}" must start with a letter
spf-syntax-all_argument = 'all' takes no argument
spf-syntax-needs_domain = '{$mechanism}' needs ':' and a domain
spf-syntax-unexpected_after = unexpected "{$text}" after '{$mechanism}'
spf-syntax-ptr_prefix = 'ptr' takes no prefix length
spf-syntax-needs_address = '{$mechanism}' needs ':' and an address
spf-syntax-ip4_invalid = "{$address}" is not an IPv4 address (four numbers 0-255 without leading zeros)
spf-syntax-ip4_prefix = IPv4 prefix length "{$prefix}" must be 0-32 without leading zeros
spf-syntax-ip6_invalid = "{$address}" is not an IPv6 address (RFC 4291 §2.2)
spf-syntax-ip6_prefix = IPv6 prefix length "{$prefix}" must be 0-128 without leading zeros
spf-syntax-bad_prefix = "{$text}" is not a valid prefix length
spf-syntax-empty_mechanism = empty mechanism name
spf-syntax-unknown_mechanism = unknown mechanism "{$name}"
spf-syntax-domain_needed = '{$what}' needs a domain
spf-syntax-domain_two_labels = "{$text}" is not a domain name: it needs at least two labels
spf-syntax-domain_empty_label = "{$text}" ends with an empty label
spf-syntax-domain_bad_toplabel = "{$text}" ends with "{$label}", which is not a valid top-level label (letters, digits and inner hyphens, not all digits)
spf-syntax-bad_character = character {$character} is not allowed here (only visible ASCII)
spf-syntax-macro_unclosed = a macro "%{"{"}" is not closed with '{"}"}'
spf-syntax-percent = '%' must be followed by '{"{"}', '%', '_' or '-' (write %% for a literal %)
spf-syntax-macro_empty = an empty macro "%{"{"}{"}"}"
spf-syntax-macro_letter = "%{"{"}{$body}{"}"}": unknown macro letter
spf-syntax-macro_exp_only = "%{"{"}{$body}{"}"}": the macro letters c, r and t are allowed only in exp= text
spf-syntax-macro_zero_parts = "%{"{"}{$body}{"}"}": the number of parts must not be zero
spf-syntax-macro_delimiter = "%{"{"}{$body}{"}"}": '{$delimiter}' is not a macro delimiter (one of . - + , / _ =)

## SPF evaluation (RFC 7208 §4-§6)
spf-at = {$via}: {$problem}
spf-term_of = term {$number} "{$term}" of {$domain}
spf-quoted_term_of = term "{$term}" of {$domain}
spf-record_invalid_at = the SPF record of {$domain} is invalid: {$errors}
spf-several_records_at = {$domain} publishes {$count} SPF records (RFC 7208 §4.5)
spf-too_many_lookups = SPF needs more than {$max} DNS lookups: term "{$term}" of {$domain} is lookup {$lookup} (RFC 7208 §4.6.4)
spf-too_many_void_lookups = term "{$term}" of {$domain} is lookup {$lookup} that returns no records: more than the limit of {$max} (RFC 7208 §4.6.4)
spf-loop = {$via} loops back to {$target}, whose record is already being evaluated
spf-redirect_no_record = {$target} has no SPF record (RFC 7208 §6.1)
spf-include_no_record = {$target} has no SPF record (RFC 7208 §5.2)
spf-too_many_mx = {$target} has {$count} MX hosts, more than the limit of {$max} (RFC 7208 §4.6.4)
spf-ptr_used = "{$term}" of {$domain} uses 'ptr', which RFC 7208 §5.5 says not to use: it is slow and many receivers ignore it
spf-target_not_fqdn = "{$name}" is not a fully qualified domain name
spf-target_empty_label = "{$name}" has an empty label
spf-target_long_label = label "{$label}" is longer than 63 characters

## The SPF record to publish
spf-fix-drops_voids = the suggested record leaves out {$terms}: their lookups return no records, so they authorise nothing, and more than {$max} such lookups are a permanent error (RFC 7208 §4.6.4)
spf-fix-near_limit = the suggested record needs {$lookups} of {$max} DNS lookups: one more include breaks it
spf-fix-corrected_term = "{$from}" to "{$to}"
spf-fix-corrects = the suggested record corrects {$terms}
spf-fix-misspelled_include = the suggested record replaces "{$term}": {$target} looks like a misspelling of {$provider}, and a name with no SPF record makes include a permanent error (RFC 7208 §5.2)
spf-fix-drops_invalid = the suggested record drops terms that are not valid SPF: {$terms}
spf-fix-target_no_record = {$target} publishes no SPF record
spf-fix-target_invalid = {$target}'s SPF is invalid
spf-fix-drops_broken = the suggested record leaves out "{$term}" ({$reason}), which makes every receiver return permerror; fix the record at {$target} before adding it back
spf-fix-flattened = the suggested record replaces "{$term}" with the {$count ->
    [one] address range
   *[other] {$count} address ranges
} {$target} publishes, to stay within {$max} DNS lookups; when {$target} changes them, this copy goes stale
spf-fix-too_many_lookups = it needs at least {$lookups} DNS lookups (the limit is {$max}) even with the includes that list only addresses flattened; remove includes of services you no longer use, or ask their providers for a smaller record
spf-fix-unfixable = no single record fixes this as it stands: the suggested record still fails because {$reason}
spf-fix-provider_still_fails = no single record fixes this as it stands: with the suggested record, mail from {$provider} ({$address}) still gets '{$result}'
spf-fix-unproven = the suggested record could not be proven with the DNS answers at hand

## DNS lookups behind a verdict
dns-query_failed = {$query}: {$reason}
dns-lookups_failed = DNS lookups failed: {$failures}

## The SPF record (RFC 7208)
spf-expected = include:{$provider} in the SPF record
spf-missing = no SPF record at {$domain}
spf-lookalike = no SPF record at {$domain}: "{$record}" is not one, because an SPF record must start with exactly "v=spf1" followed by a space (RFC 7208 §4.5)
spf-cname = {$domain} is a CNAME to {$target}: receivers read the SPF record of {$target}, and no TXT record can be published beside a CNAME (RFC 2181 §10.1); publish the record at {$target}, or replace the CNAME with address records and publish it at {$domain}
spf-several_records = {$domain} has {$count} SPF records; receivers treat that as a permanent error (RFC 7208 §4.5): publish one
spf-invalid = SPF record is invalid, so receivers return permerror for all mail: {$errors}
spf-one_family = for mail sent from {$family} addresses only: {$problem}; receivers return permerror for {$family} senders, while {$other} senders are not affected
spf-unfollowed = {$term} depends on the sender or the connecting address: its target and its own lookups are not known in advance and are not counted here
spf-include_missing = SPF record does not include {$provider}
spf-pass_authorised = SPF authorises {$provider} ({$lookups} of {$max} DNS lookups)
spf-pass = SPF passes mail from {$provider}'s addresses ({$samples} of {$samples} tried; {$lookups} of {$max} DNS lookups)
spf-addresses_without_include = the record authorises {$provider}'s current addresses without include:{$provider}: when the provider adds addresses, mail from them fails; use include:{$provider}
spf-near_limit = SPF uses {$lookups} of {$max} DNS lookups: one more include breaks it
spf-mail_from = mail from {$provider}
spf-mail_from_sampled = mail from {$provider} ({$failing} of the {$tried} addresses tried, e.g. {$address})
spf-matched_first = {$who} gets '{$result}' at {$domain}: term {$number} "{$term}" matches it first, so the provider is not authorised
spf-not_authorised = {$who} gets '{$result}' at {$domain}: no term authorises it (the SPF record does not include {$provider})
spf-incomplete = SPF lookups did not complete: {$queries}
spf-plus_all = '+all' lets every server on the internet send as {$domain}
spf-bare_all = 'all' without a qualifier means '+all': every server on the internet may send as {$domain}
spf-long_record = the SPF record is {$bytes} bytes long; over {$max} it risks truncated DNS answers (RFC 7208 §3.4)

## Delegation by CNAME
cname-pass = {$name} is a CNAME to {$target}
cname-chain_pass = {$name} reaches {$target} through a chain of CNAMEs
cname-chain = {$name} is a chain of CNAMEs: {$name} → {$hops}; receivers follow it, but every hop is one more record that can break: point {$name} at {$target} directly
cname-wrong_target = {$name} is a CNAME to {$found}, not to {$target}
cname-misspelled = {$found} looks like a misspelling of {$target}: the CNAME leads to a name the provider does not serve
cname-chain_ends = the chain goes on {$hops} and ends there
cname-nxdomain = {$name} does not exist
cname-missing = {$name} has no CNAME and no {$what ->
    [dkim_key] DKIM key
   *[txt_mx] TXT and MX records
}
cname-flattened_pass = {$name} has no CNAME but publishes the same {$what ->
    [dkim_key] DKIM key
   *[txt_mx] TXT and MX records
} as {$target}
cname-flattened = flattened: {$name} is a copy of {$target}'s {$what ->
    [dkim_key] DKIM key, not a CNAME; when the provider changes it
   *[txt_mx] TXT and MX records, not a CNAME; when the provider changes them
}, this copy goes stale
cname-copy_differs = {$name} has no CNAME, and what it publishes is not the {$what ->
    [dkim_key] DKIM key
   *[txt_mx] TXT and MX records
} published at {$target}

## Tag lists (RFC 6376 §3.2)
tags-empty = an empty tag between two ';'
tags-not_a_pair = "{$part}" is not a tag=value pair
tags-bad_name = "{$name}" is not a tag name
tags-repeated = tag {$name}= appears twice

## A DKIM key published as TXT
dkim-expected_any = one valid DKIM key (v=DKIM1; k={$key_type}; p=…), the one the provider shows
dkim-key_not_given = the exact record needs the provider's public key: give the profile's key parameter (e.g. dkim_key) to have it checked and spelled out
dkim-missing = no DKIM key at {$name}
dkim-not_a_key = the TXT record at {$name} is not a DKIM key (no p= tag)
dkim-several_keys = {$name} has {$count} DKIM keys; receivers may use either, so signatures fail at random (RFC 6376 §3.6.2.2): keep one
dkim-unusable = the DKIM key at {$name} is unusable: {$problems}
dkim-wrong_type = the key at {$name} is k={$found}; the provider signs with {$wanted} keys
dkim-wrong_key = the key at {$name} is not the provider's key: its p= differs from the one the provider shows (an old or another account's key)
dkim-pass = DKIM key at {$name} ({$key_type})
dkim-tag_list_problem = {$problem} (RFC 6376 §3.2)
dkim-version_first = v= must come first and be DKIM1 (RFC 6376 §3.6.1)
dkim-no_p = it has no p= tag (RFC 6376 §3.6.1)
dkim-revoked = p= is empty: the key is revoked (RFC 6376 §3.6.1)
dkim-not_base64 = p= is not base64 (RFC 6376 §3.6.1)
dkim-not_rsa = p= is not an RSA public key
dkim-rsa_too_short = an RSA key of {$bits} bits: receivers ignore keys under {$min} bits (RFC 8301 §3.2)
dkim-rsa_short = an RSA key of {$bits} bits: RFC 8301 §3.2 asks signers for at least {$recommended}
dkim-ed25519_size = an ed25519 key must be 32 bytes, this one is {$bytes} (RFC 8463 §4.2)
dkim-ed25519_only = an ed25519 key: many receivers cannot verify ed25519 signatures yet; sign with an RSA key too (RFC 8463 §5)
dkim-unknown_type = k={$key_type} is not a key type receivers know: rsa or ed25519 (RFC 8301, RFC 8463)
dkim-no_sha256 = h={$hashes} does not allow sha256, and receivers refuse sha1 (RFC 8301 §3.1)
dkim-not_email = s={$services} is not for email (RFC 6376 §3.6.1)
dkim-testing = t=y: the key is in test mode, and receivers may treat its signatures as absent (RFC 6376 §3.6.1)

value = {$value}

## The DMARC record (RFC 7489)
-opendmarc-discards = OpenDMARC, and so Exim and the milter-based receivers, discard the whole record and apply no DMARC
dmarc-expected = one valid v=DMARC1 record with p=none, quarantine or reject
dmarc-expected_at_least = one valid v=DMARC1 record with p={$policy} or stronger
dmarc-not_a_pair = "{$text}" is not a tag=value pair; receivers ignore it (RFC 7489 §6.3)
dmarc-repeated_policy_tag = tag '{$tag}' appears twice, so its value is ambiguous
dmarc-repeated_tag = tag '{$tag}' appears twice; receivers may use either value
dmarc-version_first = the record must start with v=DMARC1 (RFC 7489 §6.3)
dmarc-no_policy = the required p= tag is missing (RFC 7489 §6.3): receivers apply no DMARC, or only p=none when rua= is valid (§6.6.3)
dmarc-policy_second = p= must be the second tag, right after v=DMARC1 (RFC 7489 §6.3); many receivers then ignore the policy
dmarc-ignored_value = '{$tag}' is not a valid value: receivers ignore it and use {$default} (RFC 7489 §6.3)
dmarc-default_np = the sp= or p= policy
dmarc-default_relaxed = relaxed alignment (r)
dmarc-default_interval = the default interval of 86400 seconds
dmarc-default_afrf = rf=afrf, the only report format defined
dmarc-bad_policy = '{$tag}' is not a valid policy (none, quarantine or reject): receivers apply no DMARC, or only p=none when rua= is valid (RFC 7489 §6.6.3)
dmarc-bad_subdomain_policy = '{$tag}' is not a valid subdomain policy: receivers treat the record as if p= were invalid (RFC 7489 §6.6.3)
dmarc-bad_alignment = '{$tag}' is neither relaxed (r) nor strict (s): { -opendmarc-discards }
dmarc-bad_pct = '{$tag}' is not a percentage from 0 to 100: { -opendmarc-discards }
dmarc-partial_pct = pct={$pct}: the policy applies to only {$pct}% of failing mail{$pct ->
    [0] ; pct=0 enforces nothing
   *[other] {""}
}
dmarc-bad_interval = '{$tag}' is not a number of seconds: { -opendmarc-discards }
dmarc-bad_report_format = '{$tag}' names a report format other than afrf or iodef: { -opendmarc-discards }
dmarc-unknown_tag = unknown tag '{$tag}' is ignored by receivers (RFC 7489 §6.3)
dmarc-uri_no_scheme = {$tag}="{$uri}" is not a URI (it needs a scheme such as mailto:): receivers ignore it and send no {$tag ->
    [rua] aggregate
   *[ruf] failure
} reports there (RFC 7489 §6.4)
dmarc-uri_invalid = {$tag}="{$uri}" is not a valid URI: receivers ignore it (RFC 7489 §6.4)
dmarc-uri_not_mailto = {$tag}="{$uri}": receivers send {$tag ->
    [rua] aggregate
   *[ruf] failure
} reports only to mailto: addresses, so none arrive there (RFC 7489 §6.2)
dmarc-uri_not_address = {$tag}="{$uri}" is not a mail address: receivers send no {$tag ->
    [rua] aggregate
   *[ruf] failure
} reports there
dmarc-missing = no DMARC record at {$name}
dmarc-missing_both = no DMARC record at {$name} nor at {$organizational}
dmarc-spf_at_dmarc = the TXT record at {$name}, "{$record}", is not a DMARC record (an SPF record, which belongs at the domain itself, not at _dmarc): a DMARC record starts with v=DMARC1
dmarc-not_dmarc = the TXT record at {$name}, "{$record}", is not a DMARC record: a DMARC record starts with v=DMARC1
dmarc-policy_too_weak = the DMARC policy that applies is {$policy}; the provider requires at least {$required}
dmarc-several_records = {$name} has {$count} DMARC records; receivers then apply no DMARC at all (RFC 7489 §6.6.3)
dmarc-invalid = DMARC record at {$name} is invalid: {$errors}
dmarc-reports_unauthorised = {$tag} sends reports to {$host}, another organization, which has not authorised them: receivers send none until {$host} publishes TXT "v=DMARC1" at {$authorization} (RFC 7489 §7.1)
dmarc-reports_lookup_failed = could not tell whether {$host} accepts reports for {$domain}: the lookup of {$authorization} failed ({$reason})
dmarc-reports_not_looked_up = {$authorization} was not looked up, so whether {$host} accepts reports for {$domain} is unknown
dmarc-inherited = no record at _dmarc of the domain itself; the organizational domain's record at {$name} applies to it (policy {$policy})
dmarc-pass = DMARC record at {$name} (policy {$policy})
dmarc-policy_none = policy none only monitors: receivers still deliver mail that fails DMARC, so it does not protect the domain from spoofing
dmarc-lookup_failed = the DNS lookup of the DMARC record at {$name} failed ({$reason}): try again
dmarc-unusable = the DMARC record at {$name} is not usable: {$error}
dmarc-not_fetched = the DMARC record at {$name} was not fetched

## An MX set
mx-missing = no MX record at {$name}
mx-null = {$name} publishes a null MX ("0 .", RFC 7505): it accepts no mail, so bounces to it are lost
mx-absent = {$name} has no MX to {$hosts}
mx-extra = {$name} also lists {$hosts}: mail for it may go there instead of the provider
mx-preference = {$host} has preference {$found}; the provider asks for {$wanted}
mx-pass = {$name} has the provider's MX hosts

## An exact TXT record
verification-pass = ownership record is published
verification-other_token = {$name} has an ownership record with another token: {$found}
txt-pass = {$name} has the TXT record
txt-missing = no {$value} TXT record at {$name}
txt-other_value = {$name} has a record of the same form with another value: {$found}

## A record at a look-alike name
lookalike-misplaced = it is published at {$name} instead, {$why ->
    [doubled_zone] the zone's name appended twice (a DNS panel adds the zone to the name it is given: give it the name without the domain)
    [no_domainkey] the selector without _domainkey: receivers look for the key at SELECTOR._domainkey.DOMAIN
    [dkim_at_domain] the domain itself: receivers look for the key at SELECTOR._domainkey.DOMAIN
    [dmarc_at_domain] the domain itself: receivers read DMARC only at _dmarc.DOMAIN
   *[spf_at_spf] _spf, which nothing references: receivers read SPF only at the domain itself (an _spf record counts only through include:_spf.DOMAIN)
}
lookalike-move = found at the wrong name: {$name} holds {$values} — move it to {$wanted}
lookalike-wildcard = a wildcard answers for {$name}: {$probe} (a name no one publishes) gets the same answer, so this record passes by accident and changes with the wildcard; publish it explicitly at {$name}

## DNSSEC behind a verdict
dnssec-not_valid = its DNSSEC signatures do not validate
dnssec-anchors_mismatch = DNSSEC could not be checked: the DNS resolver's keys for {$zone} (key tags {$tags}) match none of {$anchors}; fix [dns] trust_anchors, or turn the check off with --no-dnssec
dnssec-resolver_strips = DNSSEC could not be checked: the DNS resolver sendercheck asks strips the signatures (RRSIG), so sendercheck cannot tell whether validating receivers can read this record; point sendercheck at a resolver that passes DNSSEC records on, or turn the check off with --no-dnssec
dnssec-bogus = DNSSEC: {$cause}
dnssec-bogus_besides = DNSSEC: {$cause}; besides: {$besides}
dnssec-anchors_builtin = the built-in IANA root anchors
dnssec-anchors_file = the trust anchors in {$path}
dnssec-what_rrset = {$record_type} {$owner}
dnssec-what_dnskey_set = the DNSKEY set of {$zone}
dnssec-what_ds = the DS of {$zone} in {$parent}
dnssec-chain_failed = the chain of trust could not be fetched: {$detail}
dnssec-chain_unfetched = the chain of trust could not be fetched
dnssec-fetch_failed = the {$record_type} of {$name} could not be fetched: {$detail}
dnssec-no_anchor_keys_error = the DNS resolver gave no DNSKEY for {$zone} ({$detail}): DNSSEC could not be checked
dnssec-no_anchor_keys = the DNS resolver gave no DNSKEY for {$zone}: DNSSEC could not be checked
dnssec-strips_signatures = the DNS resolver strips DNSSEC signatures (no RRSIG in answers asked with DO)
dnssec-anchors_unmatched = no DNSKEY of {$zone} (key tags {$tags}) matches {$anchors}
dnssec-unsigned_in_signed_zone = {$what} has no signature (RRSIG), though {$zone} is signed (its parent publishes a DS record): validating resolvers refuse it — re-sign the zone, or ask your DNS host to
dnssec-unvalidated = the answer could not be validated
dnssec-no_dnskey_with_ds = {$zone} publishes no DNSKEY, though its parent publishes a DS record for it: publish the zone's keys again, or remove the DS at your registrar
dnssec-ds_mismatch = the DS for {$zone} in {$parent} (key tag {$ds_tags}) matches no DNSKEY of {$zone} (key tags {$key_tags}): validating resolvers refuse the whole zone — update the DS at your registrar to the zone's current key, or remove it
dnssec-keys_not_signed_by_ds = {$what} is not signed by the key its DS in {$parent} names (key tag {$tags}): sign the key set with that key, or update the DS at your registrar
dnssec-ds_unsigned = {$what} came without signature
dnssec-zone_bogus = the signatures of {$zone} do not validate from {$anchors}: validating resolvers refuse its records — re-sign the zone, or ask your DNS host
dnssec-expired = signatures on {$what} expired on {$at}: the zone is no longer being signed — re-sign it, or ask your DNS host
dnssec-not_yet_valid = signatures on {$what} are valid only from {$at}: the signer's clock is ahead — re-sign the zone with a correct clock, or ask your DNS host
dnssec-key_removed = {$what} is signed with key {$tags}, which {$zone} no longer publishes (a key rollover removed it too early): publish the key again, or re-sign the zone
dnssec-signature_mismatch = the signature on {$what} does not match the record (changed after signing, or corrupted): re-sign the zone {$zone}, or ask your DNS host

## The zone's authoritative servers
server-no_answer = no answer
server-held_back = not asked: no answer since {$since}
server-timed_out = no answer within {$milliseconds} ms
server-port_closed = refused: nothing listens on port {$port}
server-not_serving = does not serve {$zone} ({$answered})
server-bogus = {$server} ({$address}) serves {$name} with DNSSEC that does not validate: {$cause}; receivers whose resolvers pick it get SERVFAIL
server-lame = {$server} ({$address}) {$problem}: receivers that pick it get no answer; remove it from the zone's NS records or have it serve the zone
server-view = {$server} ({$address}, serial {$serial}): {$status}
server-view_no_serial = {$server} ({$address}, no serial): {$status}
propagation-inconsistent = the zone's servers disagree on this record — {$servers}; a secondary may not have the latest zone yet
propagation-withdrawn = the zone's servers no longer publish this record as it passes here: the resolver serves a cached answer, and receivers will stop seeing it
propagation-withdrawn_for = the zone's servers no longer publish this record as it passes here: the resolver serves a cached answer for up to {$seconds} s more, and receivers will stop seeing it
propagation-nothing_to_change = Nothing to change: the record is already on all of the zone's servers. Receivers will see it once their resolvers' cached answer expires.
propagation-nothing_to_change_by = Nothing to change: the record is already on all of the zone's servers. Receivers will see it once their resolvers' cached answer expires, by about {$at}.
propagation-propagating = published on the zone's servers; the resolver does not see it yet
propagation-propagating_until = published on the zone's servers; the resolver still serves an older answer until about {$at}

## The words of `sendercheck check`'s table (status words, column titles and values stay as they are)

## A received test message
message-unreadable = not a message: {$detail}
message-spf_not_a_domain = "{$domain}" is not a domain name SPF can be checked for
message-spf_pass = {$ip} is allowed by the SPF record of {$domain}{$by}
message-spf_fail = {$ip} is not allowed by the SPF record of {$domain}{$by}: receivers refuse mail from this server for {$domain} — send through the provider, or add the server to the record
message-spf_softfail = {$ip} is not allowed by the SPF record of {$domain}{$by} (softfail): receivers mark the mail as suspect
message-spf_neutral = the SPF record of {$domain} says nothing about {$ip}{$by}: it neither allows nor refuses it
message-spf_decided_by = {" "}("{$term}" of {$domain})
message-spf_none = {$domain} publishes no SPF record
message-spf_dns_failed = the DNS lookup of {$name} for {$domain}'s SPF failed ({$reason}): try again
message-spf_dns_failed_somewhere = DNS failed while evaluating the SPF of {$domain}: try again
message-spf_too_many_lookups = the SPF of {$domain} needs more lookups than a receiver makes: it cannot be evaluated
message-from_fields = the message has {$count} From header fields: RFC 5322 §3.6 allows one, and receivers such as Gmail refuse such mail
message-no_from = the message has no From address: DMARC cannot be applied, and receivers refuse such mail
message-from_domains = the From header names several domains ({$domains}): receivers cannot apply one DMARC policy and may refuse the message (RFC 7489 §6.6.1)
message-dmarc_none = {$domain} publishes no DMARC record (at _dmarc.{$domain}): receivers such as Gmail and Yahoo require one from bulk senders — publish "{$record}"
message-alignment_strict = strict
message-alignment_relaxed = relaxed
message-aligned_dkim = DKIM (d={$domain}, {$mode} alignment)
message-aligned_spf = SPF ({$domain}, {$mode} alignment)
message-dmarc_aligned = aligned {$passes}
message-dkim_not_aligned = DKIM is not aligned, so the message fails DMARC once forwarded (forwarding changes the sending server, not the signature): sign with the domain's own DKIM key
message-dmarc_fail = neither DKIM nor SPF passes for a domain aligned with {$domain}: {$dkim}; {$spf} — receivers apply p={$policy}
message-dkim_unsigned = the message has no DKIM signature
message-dkim_passes_elsewhere = DKIM passes only for {$domains}, not for {$domain} — publish the provider's DKIM records for {$domain} so it signs as {$domain}
message-dkim_result = DKIM {$result} for d={$domain}: {$reason}
message-spf_not_aligned = SPF passes for {$spf_domain}, which is not aligned with {$domain} — the provider's return-path (bounce) domain must be under {$domain}
message-spf_result = SPF {$result} for {$domain}
message-wrong_from = the message is From {$from}, not {$domain}: it proves nothing about {$domain} — send the test from an address at {$domain}
message-dmarc_passes_for = DMARC passes for {$domain}: {$reason}
message-dmarc_fails_for = DMARC fails for {$domain}: {$reason}
message-dmarc_error = DMARC {$result}: {$reason}
message-arc_none = the message carries no ARC sets
message-arc_unreadable = the ARC headers could not be read
message-arc_pass = the chain of {$sets} ARC set(s) verifies
message-arc_key_failed = an ARC key could not be fetched: {$detail}
message-arc_fail = the ARC chain does not verify: {$reason}
message-arc_tag_missing = the {$header} of ARC set {$instance} has no {$tag}= tag, which receivers need (RFC 8617 §4.1; tag names are case-sensitive, RFC 6376 §3.2): the hop that added it wrote a broken set
message-arc_tag_case = the {$header} of ARC set {$instance} has both {$tag}= and {$written}= with different values: tag names are case-sensitive, so receivers read only {$tag}= (RFC 6376 §3.2) and the set does not verify for them as written; the hop that added it must remove {$written}=
message-arc_tag_alone = the {$header} of ARC set {$instance} has {$written}= but no {$tag}=: tag names are case-sensitive, so receivers ignore {$written}= (RFC 6376 §3.2) while some verifiers apply it, and the two verdicts differ; the hop that added it must write {$tag}=


## Why a domain's status changed
history-registered = registered
history-registered_again = registered again
history-unregistered = unregistered
history-profile_changed = profile changed from {$from} to {$to}
history-token_changed = verification token changed
history-params_changed = profile parameters changed
history-passes = every required record passes{$changes}
history-passes_again = every required record passes again{$changes}
history-window_expired = still not passing after the {$window} propagation window: {$failing}
history-checks_failed = {$count} consecutive checks failed: {$failing}{$changes}
history-changes = {" "}({$list})

ui-cli-heading = {$domain} (profile {$profile}): {$verdict}, {$attention} of {$total} records need attention
ui-cli-ready = ready
ui-cli-not_ready = not ready
ui-cli-unknown = unknown (DNS did not answer)
ui-cli-dnssec_secure = DNSSEC: secure (zone {$zone})
ui-cli-dnssec_insecure = DNSSEC: insecure (zone {$zone} is not signed)
ui-cli-dnssec_bogus = DNSSEC: {$state} (zone {$zone}): {$reason}
ui-cli-dnssec_not_valid = the signatures do not validate
ui-cli-dnssec_unchecked = DNSSEC: could not be checked: {$reason}
ui-cli-dnssec_no_chain = the chain of trust could not be fetched
ui-cli-valid_after = valid after {$at}: every required record is published; resolvers still serve older answers until then
ui-cli-expected = expected: {$expected}
ui-cli-recommended = recommended by the provider: it does not block ready
ui-cli-fix = fix:
ui-cli-no_single_fix = no single record can fix this; see the warnings
ui-cli-fix_publish = fix: publish
ui-cli-fix_replace = fix: replace
ui-cli-fix_remove = fix: remove
ui-cli-in_place_of = (in place of "{$old}")
ui-cli-warning = warning:
ui-cli-profile_docs = docs
ui-cli-profile_param = param
ui-cli-profile_required = required
ui-cli-profile_default = default {$value}
ui-cli-profile_recommended = recommended
ui-cli-profile_when = when {$params}
ui-cli-profile_or = or
ui-smtp-pass = pass
ui-smtp-pass_warnings = pass, with warnings
ui-smtp-fail = FAIL
ui-smtp-error = could not test
ui-smtp-tls = TLS: {$version}, {$cipher}
ui-smtp-certificate = Certificate: {$names} — issued by {$issuer}, until {$until}, {$trusted}, {$matches}
ui-smtp-trusted = trusted
ui-smtp-not_trusted = NOT trusted
ui-smtp-name_matches = name matches
ui-smtp-name_mismatch = name does NOT match
ui-smtp-extensions = Extensions: {$list}
ui-cli-unchecked_token = The ownership record was not checked: give --token to check it.
ui-cli-unchecked_param = The {$kind} record at {$name} was not checked: give --param {$param}=… to check it.
ui-cli-dkim_heading = DKIM: {$result} ({$count ->
    [0] no signature
    [one] one signature
   *[other] {$count} signatures
})
ui-cli-dkim_heading_from = DKIM: {$result} ({$count ->
    [0] no signature
    [one] one signature
   *[other] {$count} signatures
}), From domain {$from}
ui-cli-dkim_dmarc_satisfied = DMARC: DKIM alone satisfies DMARC (a passing signature is aligned with From)
ui-cli-dkim_dmarc_not_satisfied = DMARC: DKIM does not satisfy DMARC for this message (no passing signature is aligned with From)
ui-cli-dkim_key = {$type} key, {$bits} bits
ui-cli-dkim_key_not_fetched = key not fetched
ui-cli-dkim_aligned_strict = aligned with From (strict)
ui-cli-dkim_aligned_relaxed = aligned with From (relaxed)
ui-cli-dkim_relaxed_not_enough = not aligned: the From domain's DMARC asks adkim=s and d= is only relaxed-aligned
ui-cli-dkim_not_aligned = not aligned with From: it does nothing for DMARC
ui-cli-dkim_registered_required = registered with profile {$profile}; the selector is one it requires
ui-cli-dkim_registered_not_required = registered with profile {$profile}; the selector is not one it requires
ui-cli-dkim_no_signature = The message has no DKIM-Signature header.

## A DKIM-Signature of a message
dkim-sig-pass = signature verified
dkim-sig-none = no signature
dkim-sig-body_changed = body hash did not verify: the body was changed after signing
dkim-sig-expired = signature expired (its x= time has passed)
dkim-sig-identity_strict = i= is not within d=, which the key's t=s does not allow
dkim-sig-length = l= is longer than the body
dkim-sig-failed = signature did not verify: a signed header was changed after signing, or the key does not match
dkim-sig-unsupported_algorithm = unsupported algorithm
dkim-sig-malformed = malformed DKIM-Signature: {$detail}
dkim-sig-malformed_tags = malformed DKIM-Signature: {$problem} (RFC 6376 §3.2)
dkim-sig-version = the signature's v= must be 1 (RFC 6376 §3.5)
dkim-sig-tag_missing = the signature has no {$tag}= tag, which every DKIM signature needs (RFC 6376 §3.5)
dkim-sig-tag_case = the signature has both {$tag}= and {$written}= with different values: tag names are case-sensitive, so receivers read only {$tag}= (RFC 6376 §3.2); remove {$written}=
dkim-sig-tag_case_alone = the signature has {$written}= but no {$tag}=: tag names are case-sensitive, so receivers ignore {$written}= (RFC 6376 §3.2) while some verifiers apply it as {$tag}=, and the two verdicts differ; the signer must write {$tag}=
dkim-sig-from_unsigned = h= does not list From: a signature that does not sign From must be ignored (RFC 6376 §6.1.1)
dkim-sig-identity_outside = i={$identity} is not within d={$domain} (RFC 6376 §6.1.1)
dkim-sig-key_timeout = DNS timed out fetching the key at {$name}
dkim-sig-key_dns_failed = DNS temporarily failed fetching the key at {$name}: {$reason}
dkim-sig-key_not_found = key not found: no TXT record at {$name}
dkim-sig-key_revoked = key revoked: the record at {$name} has an empty p=
dkim-sig-key_unsupported = unsupported key type in the record at {$name}
dkim-sig-key_invalid = bad key record at {$name}: it is not a valid DKIM key
dkim-sig-key_unusable = the key at {$name} cannot be used: {$detail}
dkim-sig-key_tags = bad key record at {$name}: {$problem} (RFC 6376 §3.2)
dkim-sig-key_version = bad key record at {$name}: v= must come first and be DKIM1 (RFC 6376 §3.6.1)
dkim-sig-key_tag_case = bad key record at {$name}: it has {$written}= but no p=, and tag names are case-sensitive, so receivers find no key (RFC 6376 §3.2); rename {$written}= to p=
dkim-sig-key_hash = the key at {$name} allows only h={$hashes}, not the signature's {$hash} (RFC 6376 §3.6.1)
dkim-sig-key_service = the key at {$name} is for s={$services}, not email (RFC 6376 §3.6.1)
dkim-sig-key_type = the key at {$name} is k={$key_type}, which cannot verify {$algorithm} (RFC 6376 §6.1.2)
dkim-sig-rsa_sha1 = rsa-sha1 signatures are not accepted (RFC 8301 §3.1)
dkim-sig-rsa_too_short = the RSA key has {$bits} bits, under the {$min}-bit minimum (RFC 8301 §3.2)
dkim-sig-partial_body = l={$bytes} signs only the first {$bytes} bytes of the body: anything appended later is unsigned
dkim-sig-testing = the key is in test mode (t=y): receivers may treat this mail as unsigned
dkim-sig-skipped = skipped: only the first {$max} signatures of a message are verified

## The SMTP gateway probe
smtp-dns-resolved = {$addresses}
smtp-dns-failed = cannot resolve {$host}: DNS {$reason}
smtp-dns-no_address = {$host} has no A or AAAA record: check the host name
smtp-connect-ok = connected to {$address}
smtp-connect-refused = {$address} refused the connection: nothing listens on port {$port} there (check the port, or a firewall rejecting it)
smtp-connect-failed = cannot connect to {$address}: {$reason}
smtp-connect-timeout = no answer from {$address} within {$seconds} s: a firewall drops port {$port}, or the host is down (many networks block outgoing port 25)
smtp-deadline = the probe's {$seconds} s ran out after the {$step} step: the gateway answers too slowly; try the CLI with a longer --timeout
smtp-tls-plain_greeting = { $port ->
    [465] port 465 expects implicit TLS
   *[other] implicit TLS was asked for on port {$port}
} but the server greeted in plain text: use security starttls (usually port 587), or none
smtp-tls-ok = {$version}, {$cipher}
smtp-tls-bad_name = {$host} cannot be a TLS name: {$reason}
smtp-tls-not_tls = the server did not answer in TLS ({$detail}): port {$port} may expect STARTTLS (security starttls, usually port 587) or plain SMTP
smtp-tls-no_shared = the server and this client share no TLS version or cipher ({$detail}): the server needs TLS 1.2 or newer with current ciphers
smtp-tls-failed = the TLS handshake failed: {$detail}
smtp-tls-timeout = the TLS handshake did not finish within {$seconds} s
smtp-certificate-ok = trusted, for {$names}, valid until {$until}
smtp-certificate-none = the server presented no certificate
smtp-certificate-accepted = {$problem} (accepted: --insecure)
smtp-certificate-refused = {$problem}. Mail clients refuse it; --insecure tests past it
smtp-certificate-untrusted = the certificate is not issued by a trusted authority (issuer: {$issuer}): it is self-signed or from a private CA; install one from a public CA, or trust that CA with --ca-file
smtp-certificate-expired_on = the certificate expired on {$at}: renew it
smtp-certificate-expired = the certificate has expired: renew it
smtp-certificate-not_yet_valid = the certificate is not valid yet (check the server's clock)
smtp-certificate-revoked = the certificate has been revoked
smtp-certificate-unverifiable = the certificate cannot be verified: {$detail}
smtp-certificate-wrong_name = the certificate is for {$names}, not {$host}: connect to a name it covers, or install a certificate for {$host}
smtp-certificate-also_wrong_name = also, it is for {$names}, not {$host}
smtp-certificate-no_name = no name
smtp-greeting-ok = {$reply}
smtp-greeting-refused = the server refused the session: {$reply}
smtp-greeting-timeout = the server accepted the connection but sent no greeting within {$seconds} s: { $port ->
    [465] port 465 usually expects implicit TLS — use security tls
   *[other] if this port expects implicit TLS (usually 465), use security tls
}
smtp-greeting-garbled = the server's first bytes are not an SMTP greeting ({$line}): if it speaks TLS from the start, use security tls (usually port 465)
smtp-greeting-failed = no greeting: {$reason}
smtp-ehlo-ok = {$reply}: {$extensions}
smtp-ehlo-ok_tls = {$reply} (over TLS): {$extensions}
smtp-ehlo-no_extensions = no extensions
smtp-ehlo-helo_only = EHLO refused ({$reply}), HELO accepted: an old server with no extensions (no STARTTLS, no AUTH)
smtp-ehlo-refused = EHLO refused: {$reply}
smtp-ehlo-failed = EHLO: {$reason}
smtp-starttls-ok = {$reply}
smtp-starttls-not_offered = the server does not offer STARTTLS on port {$port}: use security tls if it speaks TLS on another port (465), or none to test without encryption
smtp-starttls-refused = STARTTLS refused: {$reply}
smtp-starttls-failed = STARTTLS: {$reason}
smtp-auth-ok = logged in as {$username} ({$mechanism}): {$reply}
smtp-auth-skipped = no username given: the login was not tried
smtp-auth-no_password = a username was given without a password (--password-env VAR names the variable holding it)
smtp-auth-plaintext_refused = refusing to send the password over an unencrypted connection: use security starttls or tls (or --allow-plaintext-auth on a network you trust)
smtp-auth-refused = authentication failed: {$reply}
smtp-auth-not_offered = the server offers no AUTH on this connection: it does not take logins here (a relay that trusts by IP address), or only on another port
smtp-auth-mechanisms = the server offers only {$mechanisms} for AUTH; sendercheck logs in with PLAIN or LOGIN
smtp-auth-failed = authentication: {$reason}
smtp-quit-ok = {$reply}
smtp-quit-unexpected = QUIT answered {$reply} instead of 221
smtp-quit-closed = the server closed the connection without answering QUIT
smtp-quit-failed = QUIT: {$reason}
smtp-not_dialled = {$host} also resolves to {$addresses}, not dialled: not a public address, and no [smtp] allowed pattern names it
smtp-io-timeout = no answer within {$seconds} s
smtp-io-closed = the server closed the connection
smtp-io-garbled = the server's answer is not SMTP: {$line}
smtp-io-error = {$detail}
smtp-hint-google_app_password = Google requires an app password once 2-Step Verification is on: create one at myaccount.google.com/apppasswords and use it instead of the account password.
smtp-hint-google_credentials = Google did not accept the username and password. With 2-Step Verification on, only an app password works (myaccount.google.com/apppasswords); the username is the full address.
smtp-hint-m365_auth_disabled = Microsoft 365 refused basic authentication: SMTP AUTH is disabled for the tenant or for this mailbox (Microsoft 365 admin center → the user → Mail → Manage email apps → Authenticated SMTP), or security defaults block it.
smtp-hint-m365_credentials = Microsoft 365 did not accept the credentials: check the full address and password, and that SMTP AUTH is enabled for the mailbox.
smtp-hint-starttls_first = The server wants STARTTLS before anything else: use security starttls (port 587).
smtp-hint-encryption_required = The server allows this authentication mechanism only over an encrypted connection: use security starttls or tls.
smtp-hint-credentials = The server rejected the username or password.
smtp-hint-temporary = The server could not authenticate just now (a temporary failure): try again later; if it persists, the account may be locked.

## The web pages: words of the interface (codes and DNS values are never translated)
ui-page-date = %Y-%m-%d %H:%M:%S UTC
ui-page-skip = Skip to content
ui-page-main_nav = Main
ui-page-nav_check = Check now
ui-page-nav_domains = Domains
ui-page-nav_dkim = DKIM
ui-page-nav_audit = Audit
ui-page-language = Language
ui-page-signed_in_as = Signed in as
ui-page-sign_out = Sign out
ui-page-needs_scope = Your token's scope does not allow {$what} (it needs {$scope}).
ui-page-needs_check_domain = checking a domain here
ui-page-needs_judge = judging a message here
ui-page-needs_test_address = making a test address
ui-page-status-pass = pass
ui-page-status-fail = fail
ui-page-status-missing = missing
ui-page-status-error = error
ui-page-domain-verified = verified
ui-page-domain-pending = pending
ui-page-domain-failing = failing
ui-page-domain-unregistered = unregistered
ui-page-copy = Copy
ui-page-copied = Copied
ui-page-copy_failed = Select and copy
ui-page-copied_status = Copied:
ui-page-copy_failed_status = Copying failed: select the text and copy it
ui-page-copy_what = Copy {$what}
ui-page-copy_type = type
ui-page-copy_name = name
ui-page-copy_value = value
ui-page-copy_zone = zone line
ui-page-copy_address = the test address
ui-page-copy_results = Authentication-Results
ui-page-record_at = {$kind} record at {$name}
ui-page-recommended = (recommended)
ui-page-expected = Expected
ui-page-found = Found
ui-page-nothing = nothing
ui-page-fix = Fix
ui-page-no_single_fix = No single record can fix this; see the warnings.
ui-page-publish = Publish
ui-page-replace = Replace
ui-page-remove = Remove
ui-page-in_place_of = in place of
ui-page-type = Type
ui-page-name = Name
ui-page-value = Value
ui-page-zone_line = Zone line
ui-page-warnings = Warnings
ui-page-propagation = Propagation:
ui-page-propagation-published = published
ui-page-propagation-propagating = propagating
ui-page-propagation-not_published = not published
ui-page-propagation-inconsistent = inconsistent
ui-page-expected_by = expected by
ui-page-servers_caption = Each authoritative server and the resolver
ui-page-server = Server
ui-page-address = Address
ui-page-status = Status
ui-page-soa_serial = SOA serial
ui-page-resolver = resolver
ui-page-cached = cached {$seconds} s
ui-page-dnssec_secure = secure{$zone}: signed, and every signature validates up to the root
ui-page-dnssec_insecure = insecure{$zone}: not signed; receivers accept the records as they are
ui-page-dnssec_bogus = bogus{$zone}: {$reason}
ui-page-dnssec_not_valid = the signatures do not validate: validating resolvers refuse the records
ui-page-dnssec_bogus_record = bogus{$zone}: validating resolvers refuse this record
ui-page-dnssec_unchecked = could not be checked{$zone}: {$reason}
ui-page-ready = Ready to send: every required record passes.
ui-page-not_ready = Not ready: see the records below.
ui-page-valid_after = Every required record is published; resolvers still serve older answers until
ui-page-domain = Domain
ui-page-profile = Provider profile
ui-page-profile_short = Profile
ui-page-show_fields = Show this profile's fields
ui-page-parameters_of = Parameters of {$profile}
ui-page-required = (required)
ui-page-check_now = Check now
ui-page-result_for = Result for
ui-page-register = Register {$domain} and keep checking it
ui-page-per_status = Domains per status
ui-page-all = all
ui-page-domain_contains = Domain contains
ui-page-any = any
ui-page-filter = Filter
ui-page-export_csv = Export as CSV
ui-page-no_match = No registered domain matches.
ui-page-registered = Registered domains
ui-page-last_check = Last check
ui-page-next_check = Next check
ui-page-paused_note = (paused)
ui-page-not_yet = not yet
ui-page-next_page = Next page
ui-page-since = since
ui-page-checks = Checks
ui-page-checks_paused = paused: not checked, no webhook events
ui-page-checks_running = running
ui-page-not_yet_soon = not yet (it starts within seconds)
ui-page-check_again = Check again now
ui-page-resume = Resume checks
ui-page-pause = Pause checks
ui-page-delete = Delete registration
ui-page-records = Records
ui-page-no_check_yet = No check has finished yet.
ui-page-history = History
ui-page-test_message = Test message
ui-page-test_intro = DNS records show that keys are published, not that the provider signs with them. Ask the customer to send a message through their provider,
ui-page-test_from = From an address at {$domain}
ui-page-test_to = , to the address below: its SPF, DKIM, DMARC and ARC verdicts appear here.
ui-page-proven = Proven by a real message at
ui-page-test_off = Test addresses are off: set [inbound] domain and listen in the configuration, and point that domain's MX at this daemon.
ui-page-valid_until = valid until
ui-page-new_address = New test address
ui-page-get_address = Get a test address
ui-page-no_message = No message received yet. This list refreshes by itself.
ui-page-no_subject = (no subject)
ui-page-message_named = Message {$subject}
ui-page-received = Received
ui-page-from_client = from
ui-page-over_tls = over TLS
ui-page-none = (none)
ui-page-aligned = aligned
ui-page-headers = Headers as received
ui-page-probe_title = Probe the customer's SMTP gateway
ui-page-host = Host
ui-page-port = Port
ui-page-security = Security
ui-page-security_by_port = by the port
ui-page-security_tls = TLS from the start
ui-page-security_none = none
ui-page-username = Username (optional)
ui-page-password = Password (used once, never kept)
ui-page-helo = EHLO name (optional)
ui-page-probe = Probe
ui-page-gateway = SMTP gateway
ui-page-probe_fail = fail
ui-page-bad_port = the port must be a number from 1 to 65535, not "{$port}"
ui-page-raw_message = Raw message (headers and body, as received)
ui-page-upload = …or upload a .eml file
ui-page-verify_dkim = Verify DKIM
ui-page-verdict = Verdict
ui-page-from_domain = From domain
ui-page-aligned_pass = an aligned signature passes: DKIM alone satisfies DMARC
ui-page-signatures = Signatures
ui-page-algorithm = Algorithm
ui-page-result = Result
ui-page-aligned_column = Aligned
ui-page-reason = Reason
ui-page-yes = yes
ui-page-no = no
ui-page-too_large = The message is larger than limits.max_message_bytes.
ui-page-login_failed = That is not the API token, nor any token of this daemon.
ui-page-token = Token (server.api_token or one of [[tokens]])
ui-page-sign_in = Sign in
ui-page-token_short = Token
ui-page-no_changes = No changes recorded.
ui-page-when = When
ui-page-action = Action
ui-page-detail = Detail
ui-page-no_token = (no token)
ui-page-title_check = Check a domain now
ui-page-title_register = Register
ui-page-title_domains = Domains
ui-page-title_domain = Domain
ui-page-title_audit = Audit log
ui-page-title_dkim = Verify a DKIM signature
ui-page-title_sign_in = Sign in
ui-page-title_refused = Form refused
ui-page-title_not_allowed = Not allowed
ui-page-title_too_many = Too many attempts
ui-page-refused_no_session = This form has no session: open the page again and submit it from there.
ui-page-refused_no_token_session = This form has no session signed in with a token: open the page again, sign in and submit it from there.
ui-page-refused_csrf = This form did not come from a sendercheck page (its CSRF token is missing or wrong): open the page again and submit it from there.
ui-page-refused_sign_in = This sign-in form did not come from a sendercheck page.
ui-page-refused_scope = You are signed in with the token "{$token}", whose scope is {$scope}; this needs {$needed}. Sign out and sign in with a token that has it.
ui-page-too_many_sign_ins = Too many failed sign-ins from this address: try again in {$seconds} seconds.
