// Package trust puts a CA's root certificate into the trust stores that
// clients read, and takes it out again: the operating system's store
// (Debian and Ubuntu update-ca-certificates, Fedora and RHEL
// update-ca-trust, Arch trust extract-compat, SUSE; the System keychain on
// macOS; the ROOT store on Windows), NSS databases (Chromium's
// ~/.pki/nssdb and every Firefox profile, through certutil), and Java's
// cacerts keystore (through keytool).
//
// Work happens in two steps. [Trust.PlanInstall] and
// [Trust.PlanUninstall] look at each store and return a [Plan]: per
// location, what will be done and the exact commands and files involved,
// and which stores are unavailable and why. Nothing is changed until
// [Trust.Apply] runs the plan. A plan of a root that is already where it
// should be has nothing pending, so installing twice changes nothing the
// second time.
//
// What pkit adds carries one stable name derived from the root ([Name]:
// "pkit", the subject's common name and the first 16 hex digits of the
// certificate's SHA-256 fingerprint): the NSS nickname, the Java alias and
// the system anchor file's name ([FileName]). Uninstalling removes only an
// entry of that name whose certificate has the root's fingerprint, never
// a copy of the root that someone else put under another name. Status is
// decided by fingerprint, so such copies are reported too.
//
// The package never prints, prompts or reads the environment: the home
// directory, JAVA_HOME, explicit NSS databases and keystores, the system
// layout and the command runner are all [Options]. The macOS and Windows
// stores are compiled and documented, but only the Linux ones are tested
// with the real tools.
package trust
