#!/usr/bin/env bash
# Once on each data machine, as root, in order cc1 (becomes the primary), then cc2, then cc3 (each
# becomes a standby from a base backup of the primary): ./setup-node.sh cc1
# ~postgres/.pgpass must hold the passwords of autoctl_node (monitor) and pgautofailover_replicator.
set -euo pipefail
name="${1:?usage: setup-node.sh cc1|cc2|cc3}"
here="$(cd "$(dirname "$0")" && pwd)"
apt-get install -y --no-install-recommends postgresql-15 pg-auto-failover-cli postgresql-15-auto-failover
systemctl disable --now postgresql@15-main || true
install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/15/cc
runuser -u postgres -- env PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config \
    pg_autoctl create postgres --pgdata /var/lib/postgresql/15/cc --pgport 5432 \
    --name "$name" --hostname "$name" --listen '*' --dbname control_center --username cc \
    --monitor 'postgres://autoctl_node@cc-mon:5431/pg_auto_failover?sslmode=require' \
    --auth scram-sha-256 --ssl-self-signed --pg-hba-lan
# A primary cut off from the monitor and from every standby for 5 s stops itself (see monitor-settings.sql).
runuser -u postgres -- pg_autoctl config set --pgdata /var/lib/postgresql/15/cc \
    timeout.network_partition_timeout 5
install -m 0644 "$here/pgautofailover-node.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now pgautofailover-node
# After the third node has joined (pg_autoctl show state --pgdata /var/lib/postgresql/15/cc): every
# commit waits for one of the two standbys.
if [ "$name" = cc3 ]; then
    runuser -u postgres -- pg_autoctl set formation number-sync-standbys 1 --pgdata /var/lib/postgresql/15/cc
fi
