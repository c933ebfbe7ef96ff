"""Signing and verifying the PDF: one PAdES signature (B-T: with an RFC 3161 timestamp) over the
whole document, and its check against the company's CA and its revocation list."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from asn1crypto import crl as acrl
from asn1crypto import keys as akeys
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

REASON = (
    "契約書及び重要事項説明書への署名"  # one signature over both, as the law lets them be signed together
)


def _cert(cert: x509.Certificate) -> ax509.Certificate:
    return ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _key(pem: bytes, password: bytes | None) -> akeys.PrivateKeyInfo:
    key = serialization.load_pem_private_key(pem, password)
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return akeys.PrivateKeyInfo.load(der)


def in_process_tsa(tsa: x509.Certificate, tsa_key_pem: bytes, ca: x509.Certificate) -> TimeStamper:
    """An RFC 3161 authority in this process, for the demo and the tests (pyHanko's own responder)."""
    return DummyTimeStamper(
        tsa_cert=_cert(tsa),
        tsa_key=_key(tsa_key_pem, None),
        certs_to_embed=SimpleCertificateStore.from_certs([_cert(ca)]),
    )


def url_tsa(url: str) -> TimeStamper:
    """A real timestamp authority by URL (production)."""
    return HTTPTimeStamper(url)


def sign(
    pdf: bytes,
    *,
    signer_cert: x509.Certificate,
    signer_key_pem: bytes,
    pin: str,
    ca: x509.Certificate,
    timestamper: TimeStamper,
    signer_name: str,
) -> bytes:
    """Raises ``ValueError`` when the PIN does not open the key."""
    try:
        key = _key(signer_key_pem, pin.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError("the signing PIN is wrong") from exc
    signer = signers.SimpleSigner(
        signing_cert=_cert(signer_cert),
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([_cert(ca)]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=REASON,
        name=signer_name,
    )
    return signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer, timestamper=timestamper
    ).getvalue()


@dataclass(frozen=True)
class Verification:
    intact: bool  # the bytes are those that were signed
    valid: bool  # the signature is cryptographically sound
    trusted: bool  # the signer's certificate chains to our CA and is not revoked
    timestamp_valid: bool
    signer: str
    signed_at: dt.datetime | None  # from the timestamp
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.timestamp_valid


def verify(pdf: bytes, ca: x509.Certificate, crl_der: bytes | None = None) -> Verification:
    context = ValidationContext(
        trust_roots=[_cert(ca)],
        crls=[acrl.CertificateList.load(crl_der)] if crl_der else [],
        allow_fetching=False,
        revocation_mode="hard-fail" if crl_der else "soft-fail",
    )
    try:
        signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    except Exception as exc:  # not a PDF any more
        return Verification(False, False, False, False, "", None, f"unreadable: {exc}")
    if len(signatures) != 1:
        return Verification(False, False, False, False, "", None, f"{len(signatures)} signatures, expected 1")
    try:
        status = validate_pdf_signature(signatures[0], context, ts_validation_context=context)
    except Exception as exc:
        return Verification(False, False, False, False, "", None, f"cannot validate: {exc}")
    ts = status.timestamp_validity
    return Verification(
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        timestamp_valid=bool(ts and ts.intact and ts.valid and ts.trusted),
        signer=status.signing_cert.subject.native.get("common_name", ""),
        signed_at=ts.timestamp if ts else None,
        problem=None if status.bottom_line else status.summary() + (" (revoked)" if status.revoked else ""),
    )
