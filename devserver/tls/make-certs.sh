#!/usr/bin/env bash
# Make a throw-away test PKI for the dev server's HTTPS mode (--tls-cert/--tls-key) in OUTDIR:
#   ca.pem                   test CA certificate (trust this one: e.g. the library's ca_cert_pem)
#   server.pem, server.key   for 127.0.0.1 and localhost, signed by the CA, valid 30 days
#   expired.pem, expired.key for 127.0.0.1 and localhost, signed by the CA, expired in 2020
#   wronghost.pem, wronghost.key  signed by the CA, valid, but only for wrong.example
#   other-ca.pem             an unrelated CA (certificates above do not chain to it)
# Keys are unencrypted EC P-256 (PKCS#8). Needs openssl (1.1.1 or 3.x). Nothing outside
# OUTDIR is touched; the keys are for tests only.
set -euo pipefail
out=${1:?usage: make-certs.sh OUTDIR}
mkdir -p "$out"
cd "$out"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# openssl's chatter goes to a log that is shown only when a step fails.
ssl() { openssl "$@" 2>>"$log" || { cat "$log" >&2; echo "make-certs.sh: openssl $1 failed" >&2; exit 1; }; }

key() { ssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

# CA (and an unrelated one).
key ca.key
ssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=fastgpt-devserver test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.pem
key other-ca.key
ssl req -x509 -new -key other-ca.key -sha256 -days 30 -subj "/CN=unrelated test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out other-ca.pem

ext() {
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$1"
}

# A leaf for the given SAN, valid for 30 days.
leaf() {
    local name=$1 cn=$2 san=$3
    key "$name.key"
    ssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
    ssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 30 \
        -extfile <(ext "$san") -out "$name.pem"
    rm -f "$name.csr"
}
leaf server 127.0.0.1 "IP:127.0.0.1,DNS:localhost"
leaf wronghost wrong.example "DNS:wrong.example"

# The expired leaf: `openssl ca` can set dates in the past.
key expired.key
ssl req -new -key expired.key -subj "/CN=127.0.0.1" -out expired.csr
mkdir -p ca.db
: >ca.db/index.txt
echo 1000 >ca.db/serial
ext "IP:127.0.0.1,DNS:localhost" >ca.db/ext.cnf
cat >ca.db/ca.cnf <<CNF
[ca]
default_ca = test
[test]
dir = ca.db
database = ca.db/index.txt
serial = ca.db/serial
new_certs_dir = ca.db
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
CNF
ssl ca -batch -config ca.db/ca.cnf -extfile ca.db/ext.cnf -in expired.csr -out expired.pem \
    -startdate 20200101000000Z -enddate 20200201000000Z -notext
rm -rf ca.db expired.csr ca.srl
for f in ca.pem server.pem expired.pem wronghost.pem other-ca.pem; do
    test -s "$f" || { echo "make-certs.sh: $f was not made" >&2; exit 1; }
done
echo "$out"
