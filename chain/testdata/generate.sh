#!/usr/bin/env bash
# Regenerates the DSA and RSASSA-PSS chains the chain tests verify (Go
# cannot sign with DSA, nor with PSS parameters other than its own).
# Needs openssl 3. Writes dsa.pem and pss.pem: leaf, intermediate, root.
set -euo pipefail
cd "$(dirname "$0")"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
ca_ext() { printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' >"$t/ca.ext"; }
leaf_ext() { printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$1" >"$t/leaf.ext"; }
ca_ext

# DSA: a DSA root signs (DSA with SHA-256) a DSA intermediate, which signs
# (DSA with SHA-1) an EC leaf.
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out "$t/dsa.param" 2>/dev/null
openssl genpkey -paramfile "$t/dsa.param" -out "$t/root.key"
openssl genpkey -paramfile "$t/dsa.param" -out "$t/int.key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$t/leaf.key"
openssl req -x509 -new -key "$t/root.key" -sha256 -days 7300 -subj "/CN=DSA Root" -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign -out "$t/root.pem"
openssl req -new -key "$t/int.key" -subj "/CN=DSA Intermediate" -out "$t/int.csr"
openssl x509 -req -in "$t/int.csr" -CA "$t/root.pem" -CAkey "$t/root.key" -sha256 -days 7000 -set_serial 2 -extfile "$t/ca.ext" -out "$t/int.pem" 2>/dev/null
leaf_ext dsa.example.com
openssl req -new -key "$t/leaf.key" -subj "/CN=dsa.example.com" -out "$t/leaf.csr"
openssl x509 -req -in "$t/leaf.csr" -CA "$t/int.pem" -CAkey "$t/int.key" -sha1 -days 6000 -set_serial 3 -extfile "$t/leaf.ext" -out "$t/leaf.pem" 2>/dev/null
cat "$t/leaf.pem" "$t/int.pem" "$t/root.pem" >dsa.pem

# RSASSA-PSS: an RSA root, self-signed with PSS (SHA-256, salt 32, as Go
# reads it), signs with PSS at the largest salt an intermediate whose key
# is an RSA-PSS key (id-RSASSA-PSS), which signs an EC leaf with PSS
# (SHA-384, salt 20).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$t/root.key" 2>/dev/null
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out "$t/int.key" 2>/dev/null
openssl req -x509 -new -key "$t/root.key" -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -days 7300 -subj "/CN=PSS Root" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$t/root.pem"
openssl req -new -key "$t/int.key" -subj "/CN=PSS Intermediate" -out "$t/int.csr"
openssl x509 -req -in "$t/int.csr" -CA "$t/root.pem" -CAkey "$t/root.key" -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:max \
  -days 7000 -set_serial 2 -extfile "$t/ca.ext" -out "$t/int.pem" 2>/dev/null
leaf_ext pss.example.com
openssl req -new -key "$t/leaf.key" -subj "/CN=pss.example.com" -out "$t/leaf.csr"
openssl x509 -req -in "$t/leaf.csr" -CA "$t/int.pem" -CAkey "$t/int.key" -sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:20 \
  -days 6000 -set_serial 3 -extfile "$t/leaf.ext" -out "$t/leaf.pem" 2>/dev/null
cat "$t/leaf.pem" "$t/int.pem" "$t/root.pem" >pss.pem
