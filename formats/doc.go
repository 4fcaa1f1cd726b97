// Package formats reads and writes the files PKI tools exchange: PEM and
// DER certificates, keys, CSRs and CRLs, PKCS#12 and PKCS#7 bundles; it
// detects what a file is by its content, and writes files atomically.
// It imports no other pkit package.
//
// Reading: [Detect] tells what a file is from its bytes (DER first, since
// a DER structure may contain the text "-----BEGIN", then PEM with any
// text, BOM or CRLF around the blocks); [Parse] returns every [Item] in
// it, opening PKCS#12 files and encrypted keys with the password from
// [ParseOptions]. [ParseCertificates], [ParseCSR], [ParseCRL],
// [ParsePrivateKey], [DecodePKCS7] and [DecodePKCS12] read one kind.
// Every parse failure is a [*ParseError] whose cause can be tested with
// [errors.Is]: [ErrWrongPassword] is distinct from [ErrCorrupt], and
// [ErrPasswordRequired] says a password is needed. Inputs are capped at
// [MaxInputSize], nesting is bounded, key derivation is capped per part
// and per file ([MaxPKCS12KDFIterations]: 20 parts at the per-part cap
// took 19 s to refuse; now the file is refused before any key is
// derived), BER is converted to DER in linear time (a 60 MB
// indefinite-length .p7b took 39 s and 480 MB), and the fuzz targets
// check that no input panics. [ParseEach] hands items over one at a time
// for large bundles; [ParseOptions].Skipped and [ParseCertificatePile]
// read piles around their bad blocks, with a note for each.
// [ParseOptions].Index reads certificates lazily ([PileCert]): chain
// building needs the full crypto/x509 parse of few certificates of a pile.
// PEM blocks of the plain form (base64 lines, no headers) are decoded by
// our own quickPEM, the others by encoding/pem: pem.Decode searches each
// block backwards for another BEGIN line and allocates four times a block,
// and "pkit chain build" of a 1000-certificate bundle takes 0.93-0.97x the
// CPU with quickPEM (interleaved against the same build without it);
// FuzzQuickPEM checks that both read the same on every block quickPEM reads.
//
// Password-based encryption: PBES2 (AES, Camellia, ARIA, 3DES, DES, RC2
// with PBKDF2), PKCS#12's PBE and PBES1. Camellia (RFC 3713), ARIA (RFC
// 5794) and RC2 (RFC 2268) are our own small block ciphers, used only to
// read: the standard library and golang.org/x/crypto have none of them,
// and no maintained module for them was available (measured: the module
// proxy pkit builds from served none). They pass the RFCs' test vectors
// and match "openssl enc" byte for byte.
//
// Writing: [EncodePEM], [MarshalPrivateKey] (PKCS#8, PKCS#1, SEC 1),
// [EncryptPrivateKey] (PBES2, AES-256-CBC, PBKDF2-HMAC-SHA256),
// [EncodePKCS7] (certificate bundles byte-identical to "openssl crl2pkcs7
// -nocrl"), [EncodePKCS12] and [EncodeTrustStore]. PKCS#12 files carry a
// friendlyName and localKeyID on the key and certificate bags, use
// AES-256-CBC, PBKDF2-HMAC-SHA256 and an HMAC-SHA256 MAC by default (or
// PBE-SHA1-3DES and HMAC-SHA1 with [PKCS12Options].Legacy), with
// [PKCS12Iterations] iterations, the count OpenSSL 3 and go-pkcs12's
// Modern2023 use. [WriteFile] and [WriteFiles] put files in place
// atomically.
package formats
