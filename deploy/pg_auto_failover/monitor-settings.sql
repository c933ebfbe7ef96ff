-- The monitor's failover timings, as the db-failover drill ran them (docs/deployment.md):
-- a health check every 2 s; a node whose check failed and that has not reported for 5 s is down;
-- an unreachable primary counts as demoted after 8 s. primary_demote_timeout must stay above the
-- keepers' timeout.network_partition_timeout (5 s, keeper.conf), after which an isolated primary
-- stops itself: so two primaries never accept writes at once.
-- psql -h cc-mon -p 5431 -U postgres -d pg_auto_failover -f monitor-settings.sql
ALTER SYSTEM SET pgautofailover.health_check_period = 2000;
ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000;
ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1;
ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 1000;
ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 5000;
ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 8000;
SELECT pg_reload_conf();
