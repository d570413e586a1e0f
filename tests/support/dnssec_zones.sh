#!/bin/sh
# Builds a signed DNS tree at test time, under a test root with its own anchor:
#   .          signed (the anchor: root.key, root.ds)
#   com.       unsigned (no DS in the root): mandrillapp.com's provider records live here
#   test.      signed; ns.test. is every zone's name server (127.0.0.1)
#   secure.test    signed, DS in test
#   insecure.test  unsigned, no DS in test
#   expired.test   signed with signatures that expired on 2025-02-01
#   badds.test     signed, but the DS in test is of another key
#   nosig.test     signed, the RRSIG of _dmarc.nosig.test TXT removed
#   nsec3.test     signed with NSEC3, no _dmarc record
#   flip.test      signed; `$0 DIR expire-flip` re-signs it with expired signatures
# Usage: dnssec_zones.sh DIR [expire-flip]. Needs bind9-utils (dnssec-keygen, dnssec-signzone).
set -eu
dir=$1
cd "$dir"
mkdir -p keys

ns_ip=127.0.0.1

customer() {
    # The records the mandrill profile requires, at zone apex $1.
    cat <<EOF
\$ORIGIN $1.
\$TTL 300
@ IN SOA ns.test. hostmaster.test. ( 1 3600 600 86400 300 )
@ IN NS ns.test.
@ IN TXT "v=spf1 include:spf.mandrillapp.com -all"
mte1._domainkey IN CNAME dkim1.mandrillapp.com.
mte2._domainkey IN CNAME dkim2.mandrillapp.com.
EOF
    if [ "$1" != nsec3.test ]; then
        echo '_dmarc IN TXT "v=DMARC1; p=reject"'
    fi
}

key() {
    # A combined signing key for zone $1 (ECDSA P-256: fast to make and to verify).
    dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -P 20240101000000 -A 20240101000000 -K keys "$1"
}

sign() {
    # sign ZONE [extra dnssec-signzone options]
    zone=$1
    shift
    dnssec-signzone -q -z -S -K keys -o "$zone" -O full -f "$zone.zone" "$@" "$zone.unsigned" >/dev/null
}

ds_of() {
    dnssec-dsfromkey -2 "keys/$1.key"
}

if [ "${2:-}" = expire-flip ]; then
    customer flip.test >flip.test.unsigned
    sign flip.test -P -s 20250101000000 -e 20250201000000
    exit 0
fi

for zone in secure.test expired.test badds.test nosig.test nsec3.test flip.test; do
    customer $zone >$zone.unsigned
    key $zone >$zone.keyname
done
customer insecure.test >insecure.test.zone
# A key badds.test does not use: its DS goes into the parent.
mkdir -p other
dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -K other badds.test >badds.other

sign secure.test -e +2592000
sign expired.test -P -s 20250101000000 -e 20250201000000
sign badds.test -e +2592000
sign nosig.test -e +2592000
grep -v -E '^_dmarc\.nosig\.test\.[[:space:]].*RRSIG[[:space:]]+TXT' nosig.test.zone >nosig.test.tmp
mv nosig.test.tmp nosig.test.zone
sign nsec3.test -e +2592000 -3 - -H 0
sign flip.test -e +2592000

cat >com.zone <<EOF
\$ORIGIN com.
\$TTL 300
@ IN SOA ns.test. hostmaster.test. ( 1 3600 600 86400 300 )
@ IN NS ns.test.
spf.mandrillapp IN TXT "v=spf1 ip4:198.2.128.0/18 ip4:205.201.128.0/20 ip4:198.2.176.0/20 ~all"
dkim1.mandrillapp IN TXT "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCrLHiExVd55zd/IQ/J/mRwSRMAocV/hMB3jXwaHH36d9NaVynQFYV8NaWi69c1veUtRzGt7yAioXqLj7Z4TeEUoOLgrKsn8YnckGs9i3B3tVFB+Ch/4mPhXWiNfNdynHWBcPcbJ8kjEQ2U8y78dHZj1YeRXXVvWob2OaKynO8/lQIDAQAB;"
dkim2.mandrillapp IN TXT "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC5Ek1WJSpJQwqvbGYh3uZvQhpdHy7fTNMOT4D6cwYESmydoxZdqIk4qPYXGpKENyqYXQm0QyvqY+Zl3cQjXQRX8Hw0uJ0J4YwJVtUKAd8eqFKfX9Pn5cJEpCbR3Rpx4jwaK4m1/yE7H8IGnWd7hFrTMWD2G9Ap5yWlMp3Rtx5DqwIDAQAB;"
EOF

{
    cat <<EOF
\$ORIGIN test.
\$TTL 300
@ IN SOA ns.test. hostmaster.test. ( 1 3600 600 86400 300 )
@ IN NS ns.test.
ns IN A $ns_ip
EOF
    for zone in secure expired badds nosig nsec3 flip insecure; do
        echo "$zone IN NS ns.test."
    done
    for zone in secure.test expired.test nosig.test nsec3.test flip.test; do
        ds_of "$(cat $zone.keyname)"
    done
    dnssec-dsfromkey -2 "other/$(cat badds.other).key"
} >test.unsigned
key test >test.keyname
sign test -e +2592000

cat >root.unsigned <<EOF
\$TTL 300
. IN SOA ns.test. hostmaster.test. ( 1 3600 600 86400 300 )
. IN NS ns.test.
test. IN NS ns.test.
ns.test. IN A $ns_ip
com. IN NS ns.test.
EOF
ds_of "$(cat test.keyname)" >>root.unsigned
key . >root.keyname
dnssec-signzone -q -z -S -K keys -o . -O full -f root.zone -e +2592000 root.unsigned >/dev/null
# The anchor, as a DNSKEY and as a DS.
grep -E 'DNSKEY[[:space:]]+257' "keys/$(cat root.keyname).key" >root.key
ds_of "$(cat root.keyname)" >root.ds
