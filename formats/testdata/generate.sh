#!/usr/bin/env bash
# Regenerates the interop fixtures in this folder with the real tools:
# OpenSSL 3, Java keytool and NSS pk12util. Every password is "pw" except
# keytool's ("changeit"). Run from this folder: ./generate.sh
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

days=7300
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out ca.pem -subj "/CN=Fixture CA/O=pkit" -days $days \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj /CN=leaf.example 2>/dev/null
printf 'subjectAltName=DNS:leaf.example\nextendedKeyUsage=serverAuth\n' >"$tmp/ext"
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey "$tmp/ca.key" -set_serial 0x1234 -out leaf.pem -days $days -extfile "$tmp/ext" 2>/dev/null
openssl x509 -in leaf.pem -outform DER -out leaf.der
openssl pkey -in leaf.key -traditional -out leaf-sec1.key
openssl pkey -in leaf.key -aes256 -passout pass:pw -out leaf-enc.key
openssl rsa -in "$tmp/ca.key" -aes128 -traditional -passout pass:pw -out rsa-legacy-enc.key 2>/dev/null
openssl crl2pkcs7 -nocrl -certfile leaf.pem -certfile ca.pem -outform DER -out chain.p7b
openssl crl2pkcs7 -nocrl -outform DER -out empty.p7b
# a CRL from the fixture CA revoking serial 0x1234
mkdir -p "$tmp/db" && touch "$tmp/db/index" && echo 1000 >"$tmp/db/crlnumber"
printf 'V\t400101000000Z\t\t1234\tunknown\t/CN=leaf.example\n' >"$tmp/db/index"
cat >"$tmp/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $tmp/db/index
crlnumber = $tmp/db/crlnumber
default_md = sha256
default_crl_days = $days
CNF
openssl ca -config "$tmp/ca.cnf" -revoke leaf.pem -crl_reason keyCompromise -cert ca.pem -keyfile "$tmp/ca.key" 2>/dev/null || true
openssl ca -config "$tmp/ca.cnf" -gencrl -cert ca.pem -keyfile "$tmp/ca.key" -out ca.crl 2>/dev/null
openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile ca.pem -name leaf -passout pass:pw -out openssl.p12
openssl pkcs12 -export -legacy -inkey leaf.key -in leaf.pem -certfile ca.pem -name leaf -passout pass:pw -out openssl-legacy.p12
rm -f keytool.p12
keytool -genkeypair -storetype PKCS12 -keystore keytool.p12 -storepass changeit -alias mykey -keyalg EC \
  -dname CN=keytool.example -validity $days >/dev/null 2>&1
certutil -N --empty-password -d "sql:$tmp"
pk12util -i openssl.p12 -d "sql:$tmp" -W pw >/dev/null
pk12util -o nss.p12 -n leaf -d "sql:$tmp" -W pw >/dev/null
# Less common PKCS#12 contents (pkit reads them; see TestPKCS12Unusual):
# an RSASSA-PSS key, a DSA key, PBES2 with RC2-CBC, and a keytool keystore
# with two private keys.
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out "$tmp/pss.key" 2>/dev/null
openssl req -x509 -key "$tmp/pss.key" -subj /CN=pss.example -days $days -out "$tmp/pss.pem"
openssl pkcs12 -export -inkey "$tmp/pss.key" -in "$tmp/pss.pem" -name pss -passout pass:pw -out pss.p12
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out "$tmp/dsa.param" 2>/dev/null
openssl genpkey -paramfile "$tmp/dsa.param" -out "$tmp/dsa.key"
openssl req -x509 -key "$tmp/dsa.key" -subj /CN=dsa.example -days $days -out "$tmp/dsa.pem"
openssl pkcs12 -export -inkey "$tmp/dsa.key" -in "$tmp/dsa.pem" -name dsa -passout pass:pw -out dsa.p12
openssl pkcs12 -export -legacy -inkey leaf.key -in leaf.pem -certfile ca.pem -name leaf -keypbe rc2-cbc -certpbe rc2-cbc \
  -passout pass:pw -out rc2-pbes2.p12
rm -f keytool-two.p12
for a in first second; do
  keytool -genkeypair -storetype PKCS12 -keystore keytool-two.p12 -storepass changeit -alias $a -keyalg EC \
    -dname CN=$a.example -validity $days >/dev/null 2>&1
done
# Legal certificates crypto/x509 refuses or reads partly (TestUnusualCertificates):
# explicit curve parameters, version 1, DSA and RSASSA-PSS keys.
openssl ecparam -name prime256v1 -param_enc explicit -genkey -noout -out "$tmp/exp.key"
openssl req -x509 -key "$tmp/exp.key" -subj /CN=explicit.example -days $days -out explicit-ec.pem
openssl req -new -key leaf.key -subj /CN=v1.example -out "$tmp/v1.csr"
openssl x509 -req -in "$tmp/v1.csr" -key leaf.key -days $days -set_serial 7 -out v1.pem 2>/dev/null
openssl pkcs12 -in dsa.p12 -nokeys -passin pass:pw | openssl x509 -out dsa-cert.pem
openssl pkcs12 -in pss.p12 -nokeys -passin pass:pw | openssl x509 -out pss-cert.pem
# Old password-based encryption OpenSSL 3 reads with -legacy (TestPKCS12LegacyPBE)
mkdir -p legacy
for pbe in PBE-SHA1-RC4-128 PBE-SHA1-RC4-40 PBE-MD5-DES PBE-SHA1-DES PBE-MD5-RC2-64 PBE-SHA1-RC2-64 des-cbc; do
  openssl pkcs12 -export -legacy -inkey leaf.key -in leaf.pem -certfile ca.pem -name leaf -keypbe $pbe -certpbe $pbe \
    -passout pass:pw -out legacy/$pbe.p12
done
openssl pkcs8 -topk8 -v1 PBE-MD5-DES -provider legacy -provider default -in leaf.key -passout pass:pw -out legacy/pbe-md5-des.key
openssl pkcs12 -in dsa.p12 -nocerts -nodes -passin pass:pw | openssl pkey -traditional -out dsa-trad.key
# PBES2 with Camellia and ARIA, which OpenSSL 3 writes without -legacy
# (TestPKCS12CamelliaARIA)
mkdir -p pbes2
for c in camellia-128-cbc camellia-192-cbc camellia-256-cbc aria-128-cbc aria-192-cbc aria-256-cbc; do
  openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile ca.pem -name leaf -keypbe $c -certpbe $c \
    -passout pass:pw -out pbes2/$c.p12
done
openssl pkcs8 -topk8 -v2 camellia-256-cbc -in leaf.key -passout pass:pw -out pbes2/camellia-256-cbc.key
openssl pkcs8 -topk8 -v2 aria-256-cbc -in leaf.key -passout pass:pw -out pbes2/aria-256-cbc.key
