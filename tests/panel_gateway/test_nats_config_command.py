"""``control-center broker nats-config``: per-node NATS configuration from the panels' issued passwords,
each checked against the center's hash; no password in clear in what it writes."""

from __future__ import annotations

import os

from simulators.harness import identities
from tests.panel_gateway.test_panel_identity import run_cli


async def test_it_writes_three_nodes_with_hashed_logins_checked_against_the_center(
    database_url: str, sessions, tmp_path
) -> None:
    ids = await identities.commission(sessions, ["1001", "1002"], "cc-gateway")
    gateway_password = ids.gateway.password or ""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")} | {
        "CC_DATABASE_URL": database_url,
        "CC_MQTT_URL": f"mqtt://cc-gateway:{gateway_password}@10.0.0.1:1883,10.0.0.2:1883",
    }
    issued = tmp_path / "issued.txt"
    issued.write_text(f"# installer's sheet\n1001:{ids.password('1001')}\n")
    out_dir = tmp_path / "nats"
    args = ["broker", "nats-config", "--dir", str(out_dir), "--hosts", "10.0.0.1,10.0.0.2,10.0.0.3"]
    code, out, err = await run_cli(*args, "--panel-password-file", str(issued), env=env)
    assert code == 0, err
    assert "1 panel(s), 1 gateway(s), 3 node(s)" in out
    assert "1002" in err  # issued credentials the file left out: that panel could not log in to NATS
    texts = [
        (out_dir / n / f).read_text() for n in ("n1", "n2", "n3") for f in ("nats-server.conf", "users.conf")
    ]
    for secret in (ids.password("1001"), gateway_password):
        assert all(secret not in text for text in texts), "no password in clear"
    users = (out_dir / "n1" / "users.conf").read_text()
    assert '"user": "1001"' in users and '"user": "cc-gateway"' in users and '"user": "1002"' not in users
    secret = (out_dir / "route.secret").read_text().strip()
    conf = (out_dir / "n1" / "nats-server.conf").read_text()
    assert f"nats-route://cc-route:{secret}@10.0.0.2:6222" in conf
    assert oct((out_dir / "n1" / "nats-server.conf").stat().st_mode & 0o777) == "0o600"
    assert oct((out_dir / "n1" / "users.conf").stat().st_mode & 0o777) == "0o600"


async def test_a_stale_password_or_an_unknown_panel_is_refused(database_url: str, sessions, tmp_path) -> None:
    ids = await identities.commission(sessions, ["1001"], "cc-gateway")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")} | {
        "CC_DATABASE_URL": database_url,
        "CC_MQTT_URL": f"mqtt://cc-gateway:{ids.gateway.password}@10.0.0.1:1883",
    }
    for line, reason in (("1001:an-old-password", "not the password"), ("6666:whatever", "no panel")):
        issued = tmp_path / "issued.txt"
        issued.write_text(line + "\n")
        code, _, err = await run_cli(
            "broker", "nats-config", "--dir", str(tmp_path / "out"), "--hosts", "a,b,c",
            "--panel-password-file", str(issued), env=env,
        )  # fmt: skip
        assert code == 2 and reason in err
        assert not (tmp_path / "out").exists()
    code, _, err = await run_cli(
        "broker", "nats-config", "--dir", str(tmp_path / "out"), "--hosts", "a,b",
        "--panel-password-file", str(issued), env=env,
    )  # fmt: skip
    assert code == 2 and "--nodes" in err
