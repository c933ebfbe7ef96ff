"""The NATS cluster's configuration (``control-center broker nats-config``) and the gateway's list of
broker nodes (a comma-separated CC_MQTT_URL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from control_center.core.settings import Settings, mqtt_targets
from panel_gateway import nats_config
from panel_gateway.broker_access import Login, Role
from panel_gateway.broker_password import hash_password

ROOT = "site-a/panels"


def nodes() -> list[nats_config.Node]:
    return [
        nats_config.Node(f"n{i}", f"10.0.0.{i}", 4222, 1883, 6222, Path(f"/var/lib/nats/n{i}"))
        for i in (1, 2, 3)
    ]


def test_a_panel_may_publish_only_its_own_subject_and_subscribe_to_nothing() -> None:
    panel = Login("1001", Role.PANEL, nats_config.bcrypt_hash("pw"), "1001")
    users = nats_config.render_users([panel], ROOT)
    assert '"publish": {"allow": ["site-a.panels.1001.signals"]}' in users
    assert '"subscribe": {"deny": [">"]}' in users
    assert '"allowed_connection_types": ["MQTT"]' in users
    assert "pw" not in users.replace(panel.password_hash, "")  # only the hash is written


def test_the_gateway_subscribes_to_every_panel_and_publishes_only_its_probe() -> None:
    gateway = Login("cc-gateway", Role.GATEWAY, nats_config.bcrypt_hash("x" * 24))
    users = nats_config.render_users([gateway], ROOT)
    assert '"publish": {"allow": ["site-a.panels._gateway.probe"]}' in users
    assert '"site-a.panels.*.signals"' in users
    assert '"$MQTT.sub.>"' in users  # where NATS delivers its QoS 1 subscription


def test_a_mosquitto_hash_is_refused_with_a_reason() -> None:
    """NATS cannot check the center's $7$ hashes: written as they are, no panel could log in."""
    panel = Login("1001", Role.PANEL, hash_password("pw"), "1001")
    with pytest.raises(nats_config.ConfigRefused, match="bcrypt"):
        nats_config.render_users([panel], ROOT)


@pytest.mark.parametrize("root", ["panels.x", "pan els", "panels/#", "p>anels", ""])
def test_a_topic_root_nats_would_rewrite_is_refused(root: str) -> None:
    gateway = Login("gw", Role.GATEWAY, nats_config.bcrypt_hash("x" * 24))
    with pytest.raises(nats_config.ConfigRefused):
        nats_config.render_users([gateway], root)


def test_a_user_name_twice_is_refused() -> None:
    hashed = nats_config.bcrypt_hash("pw")
    with pytest.raises(nats_config.ConfigRefused, match="twice"):
        nats_config.render_users(
            [Login("1001", Role.PANEL, hashed, "1001"), Login("1001", Role.PANEL, hashed, "1001")], ROOT
        )


SECRET = nats_config.new_route_secret()


def test_each_node_routes_to_the_two_others_with_the_secret_and_replicates_on_three() -> None:
    all_nodes = nodes()
    conf = nats_config.render_node(all_nodes[0], all_nodes, route_secret=SECRET)
    assert "server_name: n1" in conf
    assert f"nats-route://cc-route:{SECRET}@10.0.0.2:6222" in conf
    assert f"nats-route://cc-route:{SECRET}@10.0.0.3:6222" in conf
    assert "10.0.0.1:6222" not in conf.split("routes:")[1]  # not to itself
    assert "nats-route://10.0.0." not in conf  # never a route without the secret
    assert f'user: cc-route\n    password: "{SECRET}"' in conf  # and a route must present it
    assert "stream_replicas: 3" in conf
    assert 'include "users.conf"' in conf


def test_fewer_than_three_nodes_is_refused() -> None:
    with pytest.raises(nats_config.ConfigRefused, match="3 nodes"):
        nats_config.render_node(nodes()[0], nodes()[:2], route_secret=SECRET)


@pytest.mark.parametrize("weak", ["", "short", "x" * 40 + "@evil:1/", 'a"b' * 20])
def test_a_weak_or_unsafe_route_secret_is_refused(weak: str) -> None:
    with pytest.raises(nats_config.ConfigRefused, match="route secret"):
        nats_config.render_node(nodes()[0], nodes(), route_secret=weak)


def test_the_route_secret_is_kept_private_and_reused(tmp_path: Path) -> None:
    first = nats_config.route_secret(tmp_path)
    assert nats_config.route_secret(tmp_path) == first  # written again, the running nodes still route
    assert oct((tmp_path / nats_config.ROUTE_SECRET_FILE).stat().st_mode & 0o777) == "0o600"
    (tmp_path / nats_config.ROUTE_SECRET_FILE).write_text("tampered!\n")
    with pytest.raises(nats_config.ConfigRefused):
        nats_config.route_secret(tmp_path)


def test_a_bcrypt_hash_checks_its_password() -> None:
    import ctypes
    import ctypes.util

    hashed = nats_config.bcrypt_hash("correct horse")
    assert nats_config.BCRYPT.match(hashed)
    lib = ctypes.CDLL(ctypes.util.find_library("crypt"))
    lib.crypt.restype = ctypes.c_char_p
    assert lib.crypt(b"correct horse", hashed.encode()).decode() == hashed
    assert lib.crypt(b"wrong horse", hashed.encode()).decode() != hashed


def test_a_single_broker_url_is_one_node_as_before() -> None:
    settings = Settings(_env_file=None, mqtt_url="mqtt://gw:s%40cret@broker.example:1884")
    [node] = settings.brokers
    assert (node.host, node.port, node.username, node.password) == ("broker.example", 1884, "gw", "s@cret")
    assert settings.broker.host == "broker.example"


def test_a_cluster_url_lists_its_nodes_in_order_with_the_first_login() -> None:
    targets = mqtt_targets("mqtt://gw:pw@h1:1883, h2:1884 ,mqtt://other:pw2@h3")
    assert [(t.host, t.port, t.username, t.password) for t in targets] == [
        ("h1", 1883, "gw", "pw"),
        ("h2", 1884, "gw", "pw"),
        ("h3", 1883, "other", "pw2"),
    ]


@pytest.mark.parametrize("bad", [",", "http://h1,h2", "mqtt://h1,http://h2"])
def test_a_malformed_node_list_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        mqtt_targets(bad)
