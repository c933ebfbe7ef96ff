#!/usr/bin/env bash
# Once, on the monitor machine (cc-mon), as root: the monitor's PostgreSQL on port 5431, TLS with
# self-signed certificates (use --ssl-ca-file/--server-cert/--server-key with the site's CA instead
# where there is one), password authentication for the keepers, then its systemd unit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
apt-get install -y --no-install-recommends postgresql-15 pg-auto-failover-cli postgresql-15-auto-failover
systemctl disable --now postgresql@15-main || true
install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/15/monitor
runuser -u postgres -- env PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config \
    pg_autoctl create monitor --pgdata /var/lib/postgresql/15/monitor --pgport 5431 \
    --hostname cc-mon --auth scram-sha-256 --ssl-self-signed
install -m 0644 "$here/pgautofailover-monitor.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now pgautofailover-monitor
sleep 5
# The keepers log in as autoctl_node: give it the password the nodes keep in ~postgres/.pgpass.
echo "ALTER USER autoctl_node PASSWORD '<from the secret store>';  -- then:"
echo "runuser -u postgres -- psql -p 5431 -d pg_auto_failover -f $here/monitor-settings.sql"
