#!/usr/bin/env bash
# Times "pkit chain verify" against "openssl verify" on the same chain in
# one run (whole processes, as a user or a script runs them) and prints the
# ratio. Usage: bench/chain_verify.sh [RUNS]   (default 200)
set -euo pipefail
runs=${1:-200}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
(cd "$here" && go build -o "$work/pkit" ./cmd/pkit)
export PKIT_PASSPHRASE=bench PKIT_DIR="$work/pki"
./pkit init --name Bench --no-encrypt >/dev/null 2>&1
./pkit issue server bench.example --chain >/dev/null 2>&1

time_runs() { # prints the mean milliseconds per run of "$@"
  local start end
  start=$(date +%s%N)
  for ((i = 0; i < runs; i++)); do "$@" >/dev/null 2>&1; done
  end=$(date +%s%N)
  echo "scale=2; ($end - $start) / $runs / 1000000" | bc
}

# Both must say OK before they are timed.
./pkit chain verify bench.example-chain.pem --purpose server --host bench.example >/dev/null
openssl verify -no-CApath -no-CAstore -CAfile pki/ca/root.crt -untrusted bench.example-chain.pem \
  -purpose sslserver -verify_hostname bench.example bench.example-chain.pem >/dev/null

p=$(time_runs ./pkit chain verify bench.example-chain.pem --purpose server --host bench.example)
o=$(time_runs openssl verify -no-CApath -no-CAstore -CAfile pki/ca/root.crt -untrusted bench.example-chain.pem \
  -purpose sslserver -verify_hostname bench.example bench.example-chain.pem)
echo "chain verify, 3-level ECDSA P-256 chain, $runs runs each"
echo "pkit chain verify: ${p} ms/run"
echo "openssl verify:    ${o} ms/run"
echo "ratio pkit/openssl: $(echo "scale=2; $p / $o" | bc)"
