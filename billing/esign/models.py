from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from control_center.core.db import Base, UTCDateTime


class SigningAuthority(Base):
    """The company's CA and its timestamp authority (one row); private keys sealed at rest."""

    __tablename__ = "signing_authority"

    id: Mapped[int] = mapped_column(primary_key=True)
    ca_cert_pem: Mapped[str] = mapped_column(Text)
    ca_key_sealed: Mapped[str] = mapped_column(Text)
    tsa_cert_pem: Mapped[str] = mapped_column(Text)
    tsa_key_sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ContractSigner(Base):
    """A subscriber's (or business customer's) user of electronic signing, with their certificate."""

    __tablename__ = "contract_signers"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id"), index=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # authority | delegate | viewer
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    pin_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id; the PIN also encrypts the key
    key_sealed: Mapped[str | None] = mapped_column(Text)  # PKCS#8 under the PIN, then sealed by the center
    cert_pem: Mapped[str | None] = mapped_column(Text)
    cert_serial: Mapped[str | None] = mapped_column(String(60))  # decimal, for the CRL
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RevokedCertificate(Base):
    __tablename__ = "revoked_certificates"

    serial: Mapped[str] = mapped_column(String(60), primary_key=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("contract_signers.id"), index=True)
    revoked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200))


class SigningCode(Base):
    """A one-time code sent by e-mail before signing; only its hash is kept."""

    __tablename__ = "signing_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("contract_signers.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))  # None: for a re-issue
    code_hash: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class DeliveryConsent(Base):
    """Prior consent to electronic delivery (required before anything is delivered electronically)."""

    __tablename__ = "delivery_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id"), index=True)
    given_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    given_by: Mapped[str] = mapped_column(String(100))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))


class SignedDocument(Base):
    """The signed original (the master); a download is a copy. Searchable by date, counterparty, amount."""

    __tablename__ = "signed_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("contract_signers.id"))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    counterparty: Mapped[str] = mapped_column(String(100), index=True)
    amount: Mapped[int] = mapped_column(Integer, index=True)  # the monthly fee agreed, yen, tax excluded
    sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    signer_cert_serial: Mapped[str] = mapped_column(String(60))
    retain_until: Mapped[dt.date] = mapped_column(Date)

    signer: Mapped[ContractSigner] = relationship(lazy="joined")
