// Package formats reads and writes the files PKI tools exchange: PEM and
// DER certificates, keys, CSRs and CRLs, PKCS#12 and PKCS#7 bundles; it
// detects what a file is by its content, and writes files atomically.
// It imports no other pkit package.
package formats
