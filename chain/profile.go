package chain

// profile checks the certificates of the path against the certificate
// profile of RFC 5280 section 4 (rules a validator need not enforce but
// strict consumers do).
func (v *verifier) profile() {}
