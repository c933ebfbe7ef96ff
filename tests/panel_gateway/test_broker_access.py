"""Who may do what on the broker, as a table: the rule both brokers enforce (and the ACL they are given)."""

from __future__ import annotations

import pytest

from panel_gateway import broker_access, mosquitto_config
from panel_gateway.broker_access import Login, Role

ROOT = "panels"
PANEL = Login("1001", Role.PANEL, "$7$…", "1001")
GATEWAY = Login("cc-gateway", Role.GATEWAY, "$7$…")


@pytest.mark.parametrize(
    ("login", "topic", "allowed"),
    [
        (PANEL, "panels/1001/signals", True),
        (PANEL, "panels/1002/signals", False),  # another account's topic
        (PANEL, "panels/1001/signals/x", False),
        (PANEL, "panels/1001", False),
        (PANEL, "other/1001/signals", False),
        (PANEL, "panels/_gateway/probe", False),  # the gateway's liveness probe
        (GATEWAY, "panels/1001/signals", False),  # the gateway speaks for no panel
        (GATEWAY, "panels/_gateway/probe", True),
    ],
    ids=str,
)
def test_publish(login: Login, topic: str, allowed: bool) -> None:
    assert broker_access.may_publish(login, topic, ROOT) is allowed


@pytest.mark.parametrize(
    ("login", "topic_filter", "allowed"),
    [
        (PANEL, "#", False),
        (PANEL, "panels/+/signals", False),
        (PANEL, "panels/1002/signals", False),
        (PANEL, "panels/1001/signals", False),  # not even its own: a panel reads nothing
        (PANEL, "$share/gateways/panels/+/signals", False),  # joining the gateways' group
        (GATEWAY, "panels/+/signals", True),
        (GATEWAY, "$share/gateways/panels/+/signals", True),
        (GATEWAY, "$share//panels/+/signals", False),
        (GATEWAY, "panels/_gateway/probe", True),
        (GATEWAY, "#", False),
        (GATEWAY, "panels/#", False),
    ],
    ids=str,
)
def test_subscribe(login: Login, topic_filter: str, allowed: bool) -> None:
    assert broker_access.may_subscribe(login, topic_filter, ROOT) is allowed


@pytest.mark.parametrize(
    ("login", "topic", "allowed"),
    [
        (PANEL, "panels/1001/signals", False),
        (PANEL, "panels/1002/signals", False),
        (GATEWAY, "panels/1002/signals", True),
        (GATEWAY, "panels/a/b/signals", False),
        (GATEWAY, "panels//signals", False),
        (GATEWAY, "other/1002/signals", False),
        (GATEWAY, "panels/_gateway/probe", True),
    ],
    ids=str,
)
def test_receive(login: Login, topic: str, allowed: bool) -> None:
    assert broker_access.may_receive(login, topic, ROOT) is allowed


def test_a_client_id_is_its_user_name() -> None:
    assert broker_access.client_id(PANEL) == "1001"
    assert broker_access.client_id(GATEWAY) == "cc-gateway"


def test_the_mosquitto_acl_says_the_same() -> None:
    acl = mosquitto_config.acl_file([GATEWAY, PANEL], ROOT)
    assert acl.split("\n\n")[1:] == [
        "user cc-gateway\ntopic read panels/+/signals\ntopic readwrite panels/_gateway/probe",
        "user 1001\ntopic write panels/1001/signals\n",
    ]


@pytest.mark.parametrize("name", ["1001\ntopic readwrite #", "a b", "x:y", "", "#", "+"])
def test_a_user_name_that_could_forge_a_line_is_refused(name: str) -> None:
    with pytest.raises(mosquitto_config.ConfigRefused):
        mosquitto_config.password_file([Login(name, Role.PANEL, "$7$…", "1001")])


def test_a_user_name_used_twice_is_refused() -> None:
    twin = Login("cc-gateway", Role.PANEL, "$7$…", "cc-gateway")
    with pytest.raises(mosquitto_config.ConfigRefused):
        mosquitto_config.acl_file([GATEWAY, twin], ROOT)
