#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# certs.sh DIR: a test PKI for the control socket's TLS (EC P-256, fast).
#
#   ca.pem ca.key ca.der        "mediasec test CA"
#   cadir/                      ca.pem, hashed (openssl rehash) for ca_path
#   server.pem server.key       CN=mediasecd, SAN DNS:localhost, IP:127.0.0.1
#   server.der server.key.der   the same in DER
#   client1.pem client1.key     CN=callctl-1 (+ client1.der, client1.key.der)
#   client2.pem client2.key     CN=callctl-2, SAN DNS:cc2.example
#   intruder.pem intruder.key   CN=intruder: the right CA, on no allow list
#   other-ca.pem other-ca.key   "mediasec other CA"
#   foreign.pem foreign.key     CN=callctl-1 too, but from the other CA
#
# Idempotent: a DIR that already holds the whole set is left alone. Prints
# nothing on success; on failure, the command that failed and its output.
set -eu -o pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
if ! command -v openssl >/dev/null; then
	echo "certs.sh: openssl not found" >&2
	exit 1
fi

files="ca.pem ca.key ca.der server.pem server.key server.der server.key.der
	client1.pem client1.key client1.der client1.key.der client2.pem client2.key
	intruder.pem intruder.key other-ca.pem other-ca.key foreign.pem foreign.key"
complete=1
for f in $files; do
	[ -s "$dir/$f" ] || complete=0
done
if [ $complete = 1 ] && [ -n "$(ls "$dir/cadir/"*.0 2>/dev/null)" ]; then
	exit 0
fi

mkdir -p "$dir/cadir" || exit 1
cd "$dir"
umask 077 # keys are readable by their owner only, as in production

# Runs a command quietly; on failure shows what it said and stops.
run() {
	local out
	if ! out=$("$@" 2>&1); then
		echo "certs.sh: failed: $*" >&2
		echo "$out" >&2
		exit 1
	fi
}

key() {
	run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
}

# ca NAME "CN"
ca() {
	key "$1"
	run openssl req -new -x509 -key "$1.key" -out "$1.pem" -days 3650 -subj "/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-addext "subjectKeyIdentifier=hash"
}

# leaf NAME CA "CN" EXTENDED_KEY_USAGE [SUBJECT_ALT_NAME]
leaf() {
	local ext="$1.ext"

	key "$1"
	{
		echo "basicConstraints=critical,CA:FALSE"
		echo "keyUsage=critical,digitalSignature"
		echo "extendedKeyUsage=$4"
		echo "authorityKeyIdentifier=keyid"
		[ -z "${5:-}" ] || echo "subjectAltName=$5"
	} >"$ext"
	run openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$3"
	run openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
		-out "$1.pem" -days 3650 -extfile "$ext"
	rm -f "$1.csr" "$ext"
}

ca ca "mediasec test CA"
ca other-ca "mediasec other CA"
leaf server ca mediasecd serverAuth "DNS:localhost,IP:127.0.0.1"
leaf client1 ca callctl-1 clientAuth
leaf client2 ca callctl-2 clientAuth "DNS:cc2.example"
leaf intruder ca intruder clientAuth
leaf foreign other-ca callctl-1 clientAuth
rm -f ca.srl other-ca.srl

for f in ca server client1; do
	run openssl x509 -in $f.pem -outform DER -out $f.der
done
for f in server client1; do
	run openssl pkey -in $f.key -outform DER -out $f.key.der
done

rm -f cadir/*
cp ca.pem cadir/ca.pem
run openssl rehash cadir
chmod -R go+rX . # certificates are public; keys were made 0600 by the umask
chmod go-r ./*.key ./*.key.der
