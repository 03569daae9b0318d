#!/bin/sh
# `npm run demo`: boot the lab (three local Debian hosts), deploy the reference stack on it, print the URL.
# Needs root on Linux (the lab uses systemd-nspawn); run `npm ci` first. See docs/stack.md.
set -eu
cd "$(dirname "$0")/.."
node bin/deploy.js lab up inventory/lab.yaml
node bin/deploy.js apply inventory/lab.yaml
url=https://10.77.0.11/
cat <<MSG

The reference stack is up. Open $url
(HAProxy on web-01 balances over the app servers; every answer names the server that served it.
The lab's certificate is self-signed, made on web-01: your browser will ask; curl needs -k.)

  curl -k $url
  curl -k -X POST -H 'content-type: application/json' -d '{"text": "hello"}' ${url}notes
  curl -k ${url}notes          # read back from the MariaDB replica

Stats page: https://10.77.0.11:8404/ (user admin; password: haproxy_stats_password in
  node bin/deploy.js vault view vault/lab.yaml --vault-password-file vault/lab.password)
Preview changes: node bin/deploy.js plan inventory/lab.yaml
Converge again:  node bin/deploy.js apply inventory/lab.yaml
Rolling update:  node bin/deploy.js apply inventory/lab.yaml playbooks/rolling-update.yaml -e app_version=1.0.1
  (changes the app one server at a time, each taken out of HAProxy first. A plain apply restarts BOTH app
  servers at once when the app changes, and requests fail meanwhile: after a rolling update, it would set
  app_version back to 1.0.0 and do just that. Set app_version: 1.0.1 under vars: in inventory/lab.yaml
  before converging again.)
MSG
