"""`control-center simulate --alarm … --zone N [--restore]`: one zone's alarm and its restore, so a premises
in commissioning can be finished from the demo (each zone must send an alarm, then a restore). The signal
goes over the real broker; a bad zone is refused before anything is sent."""

from __future__ import annotations

import asyncio
import json

import aiomqtt
import pytest

from control_center.cli import main
from control_center.core.settings import MqttTarget, Settings
from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier, parse
from simulators import alarm
from tests.conftest import MOSQUITTO_URL, require_server


async def received(topic_root: str, send) -> ContactIdEvent:
    target = MqttTarget(MOSQUITTO_URL)
    require_server("Mosquitto", target.host, target.port)
    async with aiomqtt.Client(target.host, target.port) as listener:
        await listener.subscribe(f"{topic_root}/#", qos=1)
        await send()
        async with asyncio.timeout(10):
            async for message in listener.messages:
                event = parse(json.loads(message.payload)["contact_id"])
                assert isinstance(event, ContactIdEvent)
                return event
    raise AssertionError("nothing received")


@pytest.mark.parametrize("restore", [False, True])
async def test_the_alarm_and_its_restore_come_from_the_zone_given(topic_root: str, restore: bool) -> None:
    settings = Settings(_env_file=None, mqtt_url=MOSQUITTO_URL, mqtt_topic_root=topic_root)

    async def send() -> None:
        await alarm.send_mqtt(settings, "1036", "fire", "unused", zone=5, restore=restore)

    event = await received(topic_root, send)
    assert (event.account, event.code, event.zone) == ("1036", 110, 5)
    assert event.qualifier == (Qualifier.RESTORE if restore else Qualifier.NEW)


@pytest.mark.parametrize(
    "argv",
    [
        ["--alarm", "fire", "--zone", "0"],
        ["--alarm", "fire", "--zone", "1000"],
        ["--alarm", "fire", "--zone", "1;DROP TABLE premises"],
        ["--alarm", "fire", "--zone", "9" * 5000],
        ["--alarm", "fire", "--zone", "-3"],
    ],
)
def test_a_bad_zone_is_refused_before_anything_is_sent(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", *argv])
    assert exit_.value.code == 2 and "a zone is a number 1-999" in capsys.readouterr().err


def test_zone_and_restore_without_an_alarm_are_refused(capsys) -> None:
    assert main(["simulate", "--restore"]) == 2
    assert "--zone and --restore go with --alarm" in capsys.readouterr().err
