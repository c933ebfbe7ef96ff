"""Runtime settings: environment variables with the ``CC_`` prefix, or a file named by ``CC_ENV_FILE``."""

from __future__ import annotations

import copy
import os
from functools import lru_cache
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDED_BROKER_PORT = 18830  # not 1883: a system broker may hold that one


class MqttTarget:
    """Host, port and credentials parsed from an ``mqtt://user:pass@host:port`` URL."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "tcp"):
            raise ValueError(f"MQTT URL must start with mqtt://, got {url!r}")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 1883
        # Percent-escaped in the URL, so a password may hold ':' or '@'.
        self.username = unquote(parts.username) if parts.username is not None else None
        self.password = unquote(parts.password) if parts.password is not None else None

    def as_user(self, username: str, password: str) -> MqttTarget:
        """The same broker, logged in as someone else (a panel, or the embedded broker's gateway)."""
        other = copy.copy(self)
        other.username, other.password = username, password
        return other


def mqtt_targets(urls: str) -> list[MqttTarget]:
    """The nodes of a comma-separated ``CC_MQTT_URL`` (a broker cluster), in order. An entry without a
    scheme is ``host:port`` logged in as the first entry, so the password is written once."""
    entries = [u.strip() for u in urls.split(",") if u.strip()]
    if not entries:
        raise ValueError("MQTT URL list is empty")
    first = MqttTarget(entries[0])
    targets = [first]
    for entry in entries[1:]:
        if "://" in entry:
            targets.append(MqttTarget(entry))
        else:
            node = MqttTarget(f"mqtt://{entry}")
            targets.append(node.as_user(first.username, first.password) if first.username else node)
    return targets


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CC_",
        env_file=os.environ.get("CC_ENV_FILE"),
        extra="ignore",
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/control-center.sqlite3",
        description="SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+psycopg://user@host/db",
    )
    mqtt_url: str | None = Field(
        default=None,
        description="External broker, mqtt://user:pass@host:port; a cluster: its nodes comma-separated"
        " (mqtt://user:pass@h1:1883,h2:1883,h3:1883), tried in turn. Unset: embedded broker.",
    )
    embedded_broker_host: str = "127.0.0.1"
    embedded_broker_port: int = EMBEDDED_BROKER_PORT
    mqtt_topic_root: str = Field(default="panels", description="Panels publish to <root>/<account>/signals")
    mqtt_client_id: str = Field(default="cc-gateway", description="Gateway's persistent-session client id")
    mqtt_probe_seconds: float = Field(
        default=5.0, gt=0, description="The gateway messages itself this often; silent 3 periods: reconnect"
    )
    mqtt_shared_group: str | None = Field(
        default=None, description="Subscribe through $share/<group>/… so several gateways split the load"
    )
    ingest_batch_max: int = Field(default=200, ge=1, description="Signals committed together (group commit)")
    ingest_batch_wait_ms: float = Field(default=5.0, ge=0, description="How long a batch waits to fill")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    max_request_bytes: int = Field(default=1_000_000, ge=1024, description="Larger request bodies get 413")
    secure_cookies: bool = Field(default=False, description="Mark the session cookie Secure (behind HTTPS)")
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="Reverse proxies (comma-separated IPs) trusted for X-Forwarded-For; unset: none",
    )
    public_base_url: str | None = Field(default=None, description="Base URL the outside world uses")
    dc09_host: str = "127.0.0.1"
    dc09_port: int | None = Field(default=None, description="DC-09 receiver on TCP and UDP (unset: off)")
    # --- DC-09 over TCP, bounded (issue 15) ---
    dc09_max_connections_per_ip: int = Field(
        default=32, ge=1, description="TCP connections one address may hold; more are closed at once"
    )
    dc09_require_encryption: bool = Field(
        default=False,
        description="Refuse plain DC-09 frames from every account, keyed or not (DUH): none can be forged",
    )
    dc09_idle_seconds: float = Field(
        default=120.0,
        gt=0,
        description="A TCP connection that completes no frame for this long is closed (above panels' poll)",
    )
    serial_port: str | None = Field(default=None, description="Receiver automation line, e.g. /dev/ttyUSB0")
    serial_baudrate: int = 9600
    serial_heartbeat_seconds: float = Field(default=30.0, description="The receiver's heartbeat period")
    supervision_sweep_seconds: float = Field(
        default=5.0, description="How often overdue panels are looked for"
    )
    gateway_heartbeat_seconds: float = Field(
        default=5.0, gt=0, description="How often each gateway writes its state for the watchdog"
    )
    watchdog_every_seconds: float = Field(default=5.0, gt=0, description="How often the watchdog judges")
    watchdog_grace_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A gateway unsubscribed, or its heartbeat still, this long raises a system alarm",
    )
    watchdog_quiet_seconds: float | None = Field(
        default=None,
        gt=0,
        description="No panel's signal stored this long raises a system alarm "
        "(unset: twice the fleet's shortest check-in interval, at least 5 minutes)",
    )
    watchdog_unworked_alarm_seconds: float = Field(
        default=15.0,
        gt=0,
        description="A stored alarm the inbox has not worked this long raises a system alarm",
    )
    watchdog_unworked_seconds: float = Field(
        default=180.0,
        gt=0,
        description="Any stored signal the inbox has not worked this long raises a system alarm "
        "(a storm of 100,000 is worked within a minute)",
    )
    secret_key: str | None = Field(default=None, description="64 hex digits sealing DC-09 keys at rest")
    secret_key_file: str = "./var/secret.key"
    dispatch_road_factor: float = Field(
        default=1.4, gt=1, description="Road distance ÷ straight-line distance"
    )
    dispatch_speed_kmh: float = Field(default=30.0, gt=0, description="A responder's average driving speed")
    dispatch_candidates: int = Field(default=5, ge=1, le=50, description="Responders ranked for the operator")
    dispatch_default_limit_minutes: int = Field(
        default=25,
        ge=1,
        description="Receipt-to-arrival limit where no prefecture or area row says otherwise",
    )
    alarm_confirmation_minutes: int = Field(
        default=30,
        ge=30,
        le=60,
        description="Two different detectors within this confirm an alarm (CLC/TS 50131-9, BS 8243: 30–60)",
    )
    false_alarm_task_threshold: int = Field(
        default=3, ge=1, description="False alarms in 12 months that raise a service task for the premises"
    )
    end_to_end_test_days: int = Field(
        default=365,
        ge=1,
        le=3650,
        description="Days after a premises' last end-to-end test (or commissioning) that it is listed as due"
        " (supervisor_desk/test_reminders.py; a yearly maintenance visit by default, no standard figure)",
    )
    telephony: Literal["simulated", "twilio"] = Field(
        default="simulated", description="Who places calls: Twilio, or the built-in simulated carrier"
    )
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = Field(
        default=None, description="Also checks the webhooks' signatures"
    )
    twilio_from_number: str | None = Field(default=None, description="The center's Twilio number, E.164")
    call_ring_seconds: int = Field(
        default=25, ge=5, le=120, description="No answer after this → the next contact"
    )
    sms_ack_seconds: int = Field(default=300, ge=10, description="An SMS not acknowledged by then → a call")
    verification_link_minutes: int = Field(
        default=3,
        ge=0,
        le=30,
        description="How long the contacts' digital-verification link is valid; undecided by then → the call "
        "list continues (0: no links are sent)",
    )
    esign_tsa_url: str | None = Field(
        default=None, description="RFC 3161 timestamp authority (unset: in-process)"
    )
    invoice_issuer_name: str = Field(default="セコム株式会社", description="The invoices' issuer")
    invoice_issuer_address: str = Field(default="東京都渋谷区神宮前1-5-1", description="The issuer's address")
    invoice_registration_number: str | None = Field(
        default=None, pattern=r"^T\d{13}$", description="Qualified-invoice registration number, T + 13 digits"
    )
    mail_url: str | None = Field(default=None, description="smtp[s]://user:pass@host:port (unset: an outbox)")
    mail_sender: str = "center@example.jp"
    mail_outbox_dir: str = Field(default="./var/outbox", description="Where the outbox writes .eml files")
    center_phone: str = Field(
        default="052-000-0000",
        description="The center's call-back number given to agencies (CC_CENTER_PHONE); the default is the "
        "demo's placeholder, which nobody answers: the hand-off script warns while it is in use",
    )
    center_name: str = Field(default="中央監視センター", description="The center's name in agency hand-offs")
    psap_reply_secret: SecretStr | None = Field(
        default=None,
        description="Shared secret the agencies sign their hand-off replies with (HMAC-SHA256); unset: a "
        "secret made at start, known only to the demo's recording agency",
    )
    handoff_accept_seconds: int = Field(
        default=20, ge=5, le=25, description="No acceptance of a hand-off by then → the voice call (≤ 30 s)"
    )
    default_locale: str = "ja"
    log_level: str = "INFO"
    archive_dir: str | None = Field(
        default=None,
        description="Where months of signals and incident events past the 1-year retention are archived "
        "(then dropped); unset: nothing is archived, partitions are still made ahead",
    )
    map_tile_url: str | None = Field(
        default=None,
        description="The center's own slippy-map tile server, e.g. https://tiles.example/{z}/{x}/{y}.png "
        "(unset: the maps show the bundled offline demo basemap)",
    )
    sla_seconds: dict[str, tuple[int, int]] = Field(
        default_factory=lambda: {
            **dict.fromkeys("BCDE", (30, 60)),  # life safety: fire, emergency button, medical, gas
            **dict.fromkeys("AHI", (60, 120)),  # burglary, life watch, outdoor camera
            "F": (300, 600),  # line cut
            "G": (600, 1800),  # equipment
        },
        description="Queue SLA per service letter: (warn, late) seconds from receipt until claimed; "
        "e.g. CC_SLA_SECONDS='{\"B\": [30, 60]}' (letters left out get no SLA colour)",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token that lets Prometheus scrape /metrics from elsewhere than loopback "
        "(unset: loopback only, and never through a proxy)",
    )
    metrics_port: int | None = Field(
        default=None, description="`control-center gateway`'s /metrics listener on CC_HTTP_HOST (unset: none)"
    )

    @property
    def broker(self) -> MqttTarget:
        """Where gateways and simulators connect (a cluster's first node); the embedded broker when no
        URL is set."""
        return self.brokers[0]

    @property
    def brokers(self) -> list[MqttTarget]:
        """Every node of the broker (one unless CC_MQTT_URL lists a cluster's nodes)."""
        if self.mqtt_url:
            return mqtt_targets(self.mqtt_url)
        return [MqttTarget(f"mqtt://{self.embedded_broker_host}:{self.embedded_broker_port}")]

    @property
    def uses_embedded_broker(self) -> bool:
        return not self.mqtt_url

    @property
    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.http_host}:{self.http_port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
