#!/usr/bin/env bash
# Makes a throwaway PKI for a local MQTT broker that stands in for AWS IoT Core.
#
#   scripts/pki.sh DIR [CLIENT_NAME...]
#
# Writes into DIR (created if needed):
#   ca.crt, ca.key              the certificate authority (self-signed)
#   broker.crt, broker.key      the broker's server certificate: CN=localhost,
#                               SANs DNS:localhost, IP:127.0.0.1, IP:::1, and
#                               $PKI_BROKER_SANS if set (e.g. IP:203.0.113.10,
#                               for a broker on another address; used when the
#                               broker certificate is issued)
#   NAME.crt, NAME.key          one client certificate per NAME, CN=NAME
#                               (default names: sts-pi operator robot-server admin)
#
# The broker maps the client certificate's CN to the MQTT username, so NAME is
# what the ACL sees: use the robot's thing name for a robot.
#
# Keys are EC P-256 (PKCS#8 PEM, mode 600); certificates are valid 825 days.
# Idempotent: existing files are kept, missing clients are added, and a client
# or broker certificate that no longer verifies against ca.crt (expired, or
# issued by an older CA) is re-issued. Quiet unless it creates something
# (one line per file pair, on stdout) or fails (openssl's output, on stderr).
set -euo pipefail

DAYS=825
DEFAULT_CLIENTS=(sts-pi operator robot-server admin)

usage() {
    echo "usage: ${0##*/} DIR [CLIENT_NAME...]   (default clients: ${DEFAULT_CLIENTS[*]})" >&2
    exit 2
}

[[ $# -ge 1 && $1 != -* ]] || usage
dir=$1
shift
clients=("$@")
[[ ${#clients[@]} -gt 0 ]] || clients=("${DEFAULT_CLIENTS[@]}")

# A client name becomes a CN, a file name and (through use_identity_as_username
# and `pattern … %u/…`) part of MQTT topics: keep it to what AWS IoT allows in a
# thing name, and keep the CA's and broker's file names for them.
for name in "${clients[@]}"; do
    if [[ ! $name =~ ^[A-Za-z0-9_:][A-Za-z0-9_:.-]*$ ]]; then
        echo "${0##*/}: invalid client name '$name': use letters, digits, '_', ':', '.', '-'" >&2
        exit 2
    fi
    if [[ $name == ca || $name == broker ]]; then
        echo "${0##*/}: client name '$name' is reserved (it would overwrite $name.crt)" >&2
        exit 2
    fi
done

command -v openssl >/dev/null 2>&1 || {
    echo "${0##*/}: openssl not found (apt-get install openssl)" >&2
    exit 1
}

mkdir -p "$dir"
# Two runs on the same folder (parallel tests, two terminals) take turns.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$dir/.pki.lock"
    flock 9
fi
work=$(mktemp -d "$dir/.pki.XXXXXX")
trap 'rm -rf "$work"' EXIT
errors=$work/openssl.log

# Runs openssl quietly; on failure shows its output and stops.
ossl() {
    if ! openssl "$@" >"$errors" 2>&1; then
        echo "${0##*/}: openssl $1 failed:" >&2
        cat "$errors" >&2
        exit 1
    fi
}

# new_key PATH: a fresh P-256 key, mode 600 from the start.
new_key() {
    (umask 077 && ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1")
}

# Random positive 128-bit serial (RFC 5280: unique per CA, at most 20 octets).
serial() {
    echo "0x$(openssl rand -hex 16)"
}

# verifies NAME: true when NAME.crt and NAME.key exist and NAME.crt chains to
# ca.crt and has not expired.
verifies() {
    [[ -s $dir/$1.crt && -s $dir/$1.key ]] &&
        openssl verify -CAfile "$dir/ca.crt" "$dir/$1.crt" >/dev/null 2>&1
}

# issue NAME CN EXTENSIONS: signs a new key pair for NAME with the CA. Files are
# written in the work folder and moved into place, so a reader never sees half
# a certificate or a certificate without its key.
issue() {
    local name=$1 cn=$2 extensions=$3
    new_key "$work/$name.key"
    ossl req -new -key "$work/$name.key" -subj "/CN=$cn" -out "$work/$name.csr"
    printf '%s\n' "$extensions" >"$work/$name.ext"
    ossl x509 -req -in "$work/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
        -set_serial "$(serial)" -days "$DAYS" -sha256 -extfile "$work/$name.ext" -out "$work/$name.crt"
    mv -f "$work/$name.key" "$dir/$name.key"
    mv -f "$work/$name.crt" "$dir/$name.crt"
}

created=()

if [[ ! -s $dir/ca.crt || ! -s $dir/ca.key ]]; then
    new_key "$work/ca.key"
    ossl req -new -x509 -key "$work/ca.key" -subj "/CN=telepresence-robot local CA" \
        -days "$DAYS" -sha256 -set_serial "$(serial)" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" \
        -out "$work/ca.crt"
    mv -f "$work/ca.key" "$dir/ca.key"
    mv -f "$work/ca.crt" "$dir/ca.crt"
    created+=("ca.crt (certificate authority)")
fi

leaf_extensions="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyAgreement
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer"

if ! verifies broker; then
    issue broker localhost "$leaf_extensions
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1${PKI_BROKER_SANS:+,$PKI_BROKER_SANS}"
    created+=("broker.crt (server: localhost, 127.0.0.1, ::1${PKI_BROKER_SANS:+, $PKI_BROKER_SANS})")
fi

for name in "${clients[@]}"; do
    if ! verifies "$name"; then
        issue "$name" "$name" "$leaf_extensions
extendedKeyUsage=clientAuth"
        created+=("$name.crt (client: CN=$name)")
    fi
done

for item in "${created[@]}"; do
    echo "created $dir/$item"
done
