#!/usr/bin/env bash
# Makes the throw-away PKI the tests use, in OUTDIR (never committed):
#
#   root.pem/.key            trusted test root CA
#   intermediate.pem/.key    CA signed by root (pathlen 0)
#   leaf.pem/.key            SAN DNS:echo-api.amazon.com, signed by intermediate,
#                            valid from yesterday for one year
#   chain.pem                leaf + intermediate, leaf first (what Amazon serves)
#   chain-wildcard.pem       leaf SAN DNS:*.amazon.com
#   chain-wrong-san.pem      leaf SAN DNS:echo-api.amazon.com.evil.example
#   chain-no-san.pem         leaf with CN=echo-api.amazon.com and no SAN at all
#   chain-expired.pem        leaf valid 2020-01-01 .. 2020-12-31
#   chain-not-yet-valid.pem  leaf valid from ten years ahead
#   chain-untrusted.pem      leaf + intermediate + other-root.pem, a root nobody trusts
#   chain-*.key              each variant leaf has its own key
#   other.key                an RSA key that belongs to no certificate (wrong-key signatures)
#   server.pem/.key          TLS server certificate for loopback mirrors: SAN DNS:localhost,
#                            IP:127.0.0.1, signed DIRECTLY by root.pem (no intermediate), so a
#                            client trusting root.pem alone (fetch_ca_file) accepts it.
#
# Variant leaves are signed by the trusted intermediate, so each differs from a good chain
# in one respect only. OpenSSL 3.0's `x509 -req` cannot set arbitrary validity dates, so leaves
# are issued with `openssl ca -startdate/-enddate`.
#
# Idempotent: nothing is done when OUTDIR/.done is newer than this script.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$(realpath -m "$1")
script=${BASH_SOURCE[0]}

if [[ -f "$out/.done" && "$out/.done" -nt "$script" ]]; then
  exit 0
fi

mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

cat >ext.cnf <<'EOF'
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:echo-api.amazon.com
[wildcard]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:*.amazon.com
[wrong_san]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:echo-api.amazon.com.evil.example
[no_san]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
EOF

# A minimal `openssl ca` setup per issuing CA: its own database, serials and dates.
make_ca_dir() {
  local name=$1
  mkdir -p "ca-$name/new"
  : >"ca-$name/index.txt"
  echo "unique_subject = no" >"ca-$name/index.txt.attr"
  openssl rand -hex 16 >"ca-$name/serial"
  cat >"ca-$name/ca.cnf" <<EOF
[ca]
default_ca = this_ca
[this_ca]
dir = $work/ca-$name
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = any_policy
email_in_dn = no
preserve = yes
copy_extensions = none
[any_policy]
commonName = supplied
organizationName = optional
EOF
}

# issue CA_NAME CA_CERT CA_KEY SUBJECT_KEY CN EXT_SECTION START END OUT
issue() {
  local ca=$1 ca_cert=$2 ca_key=$3 key=$4 cn=$5 ext=$6 start=$7 end=$8 cert_out=$9
  openssl req -new -key "$key" -subj "/CN=$cn" -out "$cert_out.csr" 2>/dev/null
  openssl ca -batch -notext -config "ca-$ca/ca.cnf" -cert "$ca_cert" -keyfile "$ca_key" \
    -startdate "$start" -enddate "$end" -extfile ext.cnf -extensions "$ext" \
    -in "$cert_out.csr" -out "$cert_out" 2>/dev/null
  rm -f "$cert_out.csr"
}

yesterday=$(date -u -d 'yesterday' +%Y%m%d%H%M%SZ)
in_a_year=$(date -u -d 'yesterday + 1 year' +%Y%m%d%H%M%SZ)
in_ten_years=$(date -u -d '+10 years' +%Y%m%d%H%M%SZ)
in_eleven_years=$(date -u -d '+11 years' +%Y%m%d%H%M%SZ)
root_end=$(date -u -d '+20 years' +%Y%m%d%H%M%SZ)

# Roots are self-signed; they and the intermediates are issued from 2019 so the expired
# leaf (2020) still sits inside its issuers' validity: only the leaf is out of date.
make_root() {
  local name=$1 cn=$2
  make_ca_dir "$name"
  openssl req -new -key "$name.key" -subj "/O=Feel Again Tests/CN=$cn" -out "$name.csr" 2>/dev/null
  openssl ca -batch -notext -selfsign -config "ca-$name/ca.cnf" -keyfile "$name.key" \
    -startdate 20190101000000Z -enddate "$root_end" -extfile ext.cnf -extensions root \
    -in "$name.csr" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr"
}
make_intermediate() {
  local name=$1 root=$2 cn=$3
  make_ca_dir "$name"
  openssl req -new -key "$name.key" -subj "/O=Feel Again Tests/CN=$cn" -out "$name.csr" 2>/dev/null
  openssl ca -batch -notext -config "ca-$root/ca.cnf" -cert "$root.pem" -keyfile "$root.key" \
    -startdate 20190101000000Z -enddate "$root_end" -extfile ext.cnf -extensions intermediate \
    -in "$name.csr" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr"
}

# Key generation is nearly all of the run time: do it up front, two at a time.
keys=(root intermediate other-root other-intermediate leaf chain-wildcard chain-wrong-san
  chain-no-san chain-expired chain-not-yet-valid chain-untrusted other server)
printf '%s\n' "${keys[@]}" | xargs -P 2 -I{} \
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out {}.key 2>/dev/null

make_root root "Feel Again Test Root"
make_intermediate intermediate root "Feel Again Test Intermediate"
make_root other-root "Untrusted Test Root"
make_intermediate other-intermediate other-root "Untrusted Test Intermediate"

good() { issue intermediate intermediate.pem intermediate.key "$@"; }

good leaf.key echo-api.amazon.com leaf "$yesterday" "$in_a_year" leaf.pem
cat leaf.pem intermediate.pem >chain.pem

variant() {  # variant NAME EXT START END [CN]
  local name=$1 ext=$2 start=$3 end=$4 cn=${5:-echo-api.amazon.com}
  good "chain-$name.key" "$cn" "$ext" "$start" "$end" "chain-$name.leaf.pem"
  cat "chain-$name.leaf.pem" intermediate.pem >"chain-$name.pem"
  rm -f "chain-$name.leaf.pem"
}
variant wildcard wildcard "$yesterday" "$in_a_year" "*.amazon.com"
variant wrong-san wrong_san "$yesterday" "$in_a_year"
variant no-san no_san "$yesterday" "$in_a_year"
variant expired leaf 20200101000000Z 20201231235959Z
variant not-yet-valid leaf "$in_ten_years" "$in_eleven_years"

issue other-intermediate other-intermediate.pem other-intermediate.key chain-untrusted.key \
  echo-api.amazon.com leaf "$yesterday" "$in_a_year" chain-untrusted.leaf.pem
cat chain-untrusted.leaf.pem other-intermediate.pem other-root.pem >chain-untrusted.pem
rm -f chain-untrusted.leaf.pem

issue root root.pem root.key server.key localhost server "$yesterday" "$in_a_year" server.pem

rm -rf ca-* ext.cnf
touch .done

# Swap the finished directory in whole, so a reader never sees half a PKI. Should a parallel
# run have put its own in place first, ours is simply discarded by the trap.
chmod 755 "$work"
rm -rf "$out"
if mv -T "$work" "$out" 2>/dev/null; then
  trap - EXIT
fi
