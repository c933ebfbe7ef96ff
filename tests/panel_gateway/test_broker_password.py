"""The panels' password hashes are Mosquitto's own ``$7$`` format: one stored hash serves both brokers."""

from __future__ import annotations

import subprocess

import pytest

from panel_gateway.broker_password import ITERATIONS, hash_password, new_password, verify_password
from simulators.harness.private_broker import mosquitto_binary

# Written by mosquitto_passwd of Mosquitto 2.0.11 (`mosquitto_passwd -c -b FILE USER PASSWORD`).
MOSQUITTO_WROTE = {
    "correct horse": "$7$101$XvWSoVE2QHe/iZ/s$c28JUD4Ph/39jmcizd4RxkeM0dmzwXKXeaL8DWnfMIvsHjD8IvyES"
    "iek5ikiPP8eCA0KOFPrcJWA9oSIq/oHlA==",
    "p@ss:word": "$7$101$UhxCOKd0e8eCGzFK$36aGKX4sCp2K2eLO3vR5X6BU1izpMNvl+xNh48rs/oE6AjZPvNmTIGA"
    "eMDP0qVXU/hGHwBja/at1Me8L4pjEYw==",
}


@pytest.mark.parametrize(("password", "stored"), MOSQUITTO_WROTE.items())
def test_a_hash_written_by_mosquitto_passwd_verifies(password: str, stored: str) -> None:
    assert verify_password(password, stored)
    assert not verify_password(password + " ", stored)


def test_mosquitto_passwd_of_this_machine_agrees(tmp_path) -> None:
    binary = mosquitto_binary()
    tool = binary and binary.replace("sbin/mosquitto", "bin/mosquitto_passwd")
    if not tool:
        pytest.skip("mosquitto_passwd is not installed")
    path = tmp_path / "passwd"
    subprocess.run([tool, "-c", "-b", str(path), "1001", "s3cret"], check=True)
    stored = path.read_text().strip().split(":", 1)[1]
    assert verify_password("s3cret", stored)


def test_our_hash_has_mosquittos_shape_and_a_fresh_salt_each_time() -> None:
    first, second = hash_password("s3cret"), hash_password("s3cret")
    assert first.startswith(f"$7${ITERATIONS}$") and len(first.split("$")) == 5
    assert first != second  # salted
    assert verify_password("s3cret", first) and verify_password("s3cret", second)
    assert not verify_password("s3cret!", first)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "s3cret",  # never a clear password
        "$6$rounds=5000$salt$hash",  # sha512-crypt: not accepted
        "$7$$c2FsdA==$aGFzaA==",
        "$7$0$c2FsdA==$aGFzaA==",
        "$7$99999999999$c2FsdA==$aGFzaA==",  # would take minutes: refused, not computed
        "$7$101$not base64!$aGFzaA==",
        "$7$101$c2FsdA==$aGFzaA==",  # a digest of the wrong length
        "$7$101$c2FsdA==",
    ],
)
def test_a_malformed_hash_is_a_mismatch_never_an_error(stored: str) -> None:
    assert verify_password("s3cret", stored) is False


def test_issued_passwords_carry_at_least_128_random_bits() -> None:
    passwords = {new_password() for _ in range(100)}
    assert len(passwords) == 100
    assert all(len(p) >= 22 and p.isascii() for p in passwords)  # 32 URL-safe characters: 192 bits
