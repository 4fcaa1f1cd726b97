package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"path/filepath"

	"github.com/pkit/pkit/ca"
	"github.com/pkit/pkit/formats"
	"github.com/urfave/cli/v2"
)

func quickstartCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "quickstart",
		Usage:     "make a CA, a localhost server certificate and a client certificate + .p12 in ./pki",
		UsageText: "pkit quickstart [--dir pki]",
		Description: `One command to a working mTLS setup for development and tests:
   a two-tier CA in ./pki, a server certificate for localhost, 127.0.0.1 and ::1,
   and a client certificate with its .p12, all in ./pki/certs, with
   client-cas.pem (intermediate + root) for servers that check client
   certificates, and the lines to use them with curl, nginx and HAProxy.

   The CA keys are sealed with a passphrase when one is given (--passphrase-file
   or PKIT_PASSPHRASE); otherwise they are stored unencrypted (mode 0600), like
   mkcert, and pkit says so. The .p12 password comes from PKIT_P12_PASSWORD or
   --p12-password-file, or is made up and written to certs/client.p12.pass (0600).

   --crl-url, --ocsp-url and --ca-issuers-url set the distribution points the
   certificates carry, as with "pkit init".

EXAMPLES
   pkit quickstart
   PKIT_PASSPHRASE=… pkit quickstart --dir /tmp/pki
   pkit quickstart --crl-url 'http://localhost:8080/crl/{ca}.crl'`,
		Flags: append([]cli.Flag{
			dirFlag(),
			&cli.StringFlag{Name: "passphrase-file", Usage: "seal the CA keys with the passphrase in `FILE`; or set PKIT_PASSPHRASE"},
			&cli.StringFlag{Name: "p12-password-file", Usage: "the client .p12 password in `FILE`; or set PKIT_P12_PASSWORD"},
			&cli.StringFlag{Name: "key-type", Value: string(ca.ECDSAP256), Usage: "key type for the CA and certificates"},
			jsonFlag(),
		}, urlFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("quickstart takes no arguments").hint("use --dir DIR to choose the directory")
			}
			dir := c.String("dir")
			kt, err := ca.ParseKeyType(c.String("key-type"))
			if err != nil {
				return usagef("--key-type: %v", err)
			}
			o := ca.InitOptions{Name: defaultCAName(), KeyType: kt}
			if err := urlOptions(c, &o); err != nil {
				return err
			}
			o.Protection.WorkFactor = e.workFactor
			if c.String("passphrase-file") != "" || e.getenv("PKIT_PASSPHRASE") != "" {
				p, err := e.readSecret(c, caPassphrase)
				if err != nil {
					return err
				}
				o.Protection.Passphrase = p
			} else {
				o.Protection.None = true
			}
			pw, pwFile := "", ""
			if c.String("p12-password-file") != "" || e.getenv("PKIT_P12_PASSWORD") != "" {
				p, err := e.readSecret(c, secretSource{fileFlag: "p12-password-file", envVar: "PKIT_P12_PASSWORD", what: ".p12 password"})
				if err != nil {
					return err
				}
				pw = string(p)
			} else {
				b := make([]byte, 12)
				if _, err := rand.Read(b); err != nil {
					return err
				}
				pw = base64.RawURLEncoding.EncodeToString(b)
				pwFile = filepath.Join(dir, "certs", "client.p12.pass")
			}
			if err := ca.Init(dir, o); err != nil {
				return err
			}
			a, err := ca.Open(dir, ca.OpenOptions{Unlock: ca.Unlocker{Passphrase: func() ([]byte, error) { return o.Protection.Passphrase, nil }}})
			if err != nil {
				return err
			}
			defer a.Close()
			certs := filepath.Join(dir, "certs")
			if err := mkdirAll(certs); err != nil {
				return err
			}
			server := &issueJob{req: ca.Request{Profile: "server", Name: "localhost", DNS: []string{"localhost"}}}
			if err := addSANs(&server.req, nil, []string{"127.0.0.1", "::1"}, nil, nil); err != nil {
				return err
			}
			server.cert, server.keyFile, server.chain = filepath.Join(certs, "localhost.pem"), filepath.Join(certs, "localhost-key.pem"), filepath.Join(certs, "localhost-chain.pem")
			server.combined = filepath.Join(certs, "localhost-haproxy.pem")
			client := &issueJob{req: ca.Request{Profile: "client", Name: "client"}}
			client.cert, client.keyFile, client.chain, client.p12 = filepath.Join(certs, "client.pem"), filepath.Join(certs, "client-key.pem"), filepath.Join(certs, "client-chain.pem"), filepath.Join(certs, "client.p12")
			sres, err := e.issueAndWrite(c.Context, a, server, "", false)
			if err != nil {
				return err
			}
			cres, err := e.issueAndWrite(c.Context, a, client, pw, false)
			if err != nil {
				return err
			}
			if pwFile != "" {
				if err := formats.WriteFile(pwFile, []byte(pw+"\n"), 0o600, false); err != nil {
					return err
				}
			}
			// What a server trusts for client certificates: the intermediate
			// and the root, so it can verify clients that send only their
			// own certificate (curl --cert, most libraries).
			clientCAs := filepath.Join(certs, "client-cas.pem")
			if err := formats.WriteFile(clientCAs, ca.WriteChainPEM(a.Chain(a.Config.Issuer)...), 0o644, false); err != nil {
				return err
			}
			root := filepath.Join(dir, "ca", "root.crt")
			w := e.stderr
			fmt.Fprintf(w, "created a two-tier CA in %q (root %s, expires %s)\n", dir, root, a.CAs["root"].NotAfter.Format("2006-01-02"))
			if o.Protection.None {
				fmt.Fprintf(w, "  the CA keys are NOT encrypted (a test CA); for a protected one: PKIT_PASSPHRASE=… %s quickstart, or %s init\n", e.self(), e.self())
			}
			fmt.Fprintf(w, "server certificate for localhost, 127.0.0.1, ::1 (expires %s):\n", sres.NotAfter.Format("2006-01-02"))
			fmt.Fprintf(w, "  %s  %s  %s  %s\n", server.chain, server.keyFile, server.cert, server.combined)
			fmt.Fprintf(w, "client certificate \"client\" (expires %s):\n", cres.NotAfter.Format("2006-01-02"))
			fmt.Fprintf(w, "  %s  %s  %s\n", client.cert, client.keyFile, client.p12)
			if pwFile != "" {
				fmt.Fprintf(w, "  the .p12 password is in %s\n", pwFile)
			}
			fmt.Fprintf(w, "\nnginx (mTLS), in its http block:\n")
			fmt.Fprintf(w, "  server {\n    listen 8443 ssl;\n    server_name localhost;\n")
			fmt.Fprintf(w, "    ssl_certificate     %s;\n", abs(server.chain))
			fmt.Fprintf(w, "    ssl_certificate_key %s;\n", abs(server.keyFile))
			fmt.Fprintf(w, "    ssl_client_certificate %s;\n", abs(clientCAs))
			fmt.Fprintf(w, "    ssl_verify_client on;\n    ssl_verify_depth 2;\n")
			fmt.Fprintf(w, "    location / { return 200 \"hello $ssl_client_s_dn, over mTLS\\n\"; }\n  }\n")
			fmt.Fprintf(w, "\nHAProxy (mTLS; %s holds the chain and the key, as its crt wants):\n", server.combined)
			fmt.Fprintf(w, "  frontend mtls\n    mode http\n")
			fmt.Fprintf(w, "    bind 127.0.0.1:8444 ssl crt %s ca-file %s verify required\n", abs(server.combined), abs(clientCAs))
			fmt.Fprintf(w, "    http-request return status 200 content-type text/plain lf-string \"hello %%[ssl_c_s_dn], over mTLS\\n\"\n")
			fmt.Fprintf(w, "\ncurl (to nginx above; port 8444 for HAProxy):\n  curl --cacert %s --cert %s --key %s https://localhost:8443/\n",
				shellQuote(root), shellQuote(client.cert), shellQuote(client.keyFile))
			fmt.Fprintf(w, "\nbrowsers: import %s (Chrome/Firefox on Linux: pk12util -i %s -d sql:$HOME/.pki/nssdb)\n", client.p12, shellQuote(client.p12))
			if c.Bool("json") {
				out := e.casJSON(a)
				sres.Files["combined"] = server.combined
				if pwFile != "" {
					cres.Files["p12_password"] = pwFile
				}
				out["certificates"] = []*issueResult{sres, cres}
				out["client_cas"] = clientCAs
				return e.printJSON(out)
			}
			return nil
		},
	}
}
