"""The company's signing CA: it issues signers' certificates and the in-process timestamp authority's,
and publishes a CRL of revoked signer certificates. Keys never leave sealed storage in clear."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ORGANIZATION = "Control Center Security K.K."
CA_YEARS, SIGNER_YEARS = 20, 5


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, signature: bool, non_repudiation: bool, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signature,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key_pem: (
        bytes  # PKCS#8, encrypted with the password given (or plain for the CA/TSA, sealed by the caller)
    )


def _key_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, password: bytes | None) -> bytes:
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def new_ca(now: dt.datetime) -> Issued:
    key = ec.generate_private_key(ec.SECP384R1())
    name = _name("Control Center Signing CA")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signature=False, non_repudiation=False, cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA384())
    )
    return Issued(cert, _key_pem(key, None))


def _issue(
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    common_name: str,
    public_key,
    now: dt.datetime,
    years: int,
    *,
    usage: x509.KeyUsage,
    eku: list[x509.ObjectIdentifier],
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage(eku), critical=eku == [ExtendedKeyUsageOID.TIME_STAMPING])
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA384())
    )


def issue_signer(
    ca: x509.Certificate, ca_key_pem: bytes, common_name: str, pin: str, now: dt.datetime
) -> Issued:
    """A signer's key pair and certificate; the key is encrypted under the signer's PIN."""
    ca_key = serialization.load_pem_private_key(ca_key_pem, None)
    key = ec.generate_private_key(ec.SECP256R1())
    usage = _usage(signature=True, non_repudiation=True, cert_sign=False)
    eku = [ExtendedKeyUsageOID.EMAIL_PROTECTION]  # document signing by a person
    cert = _issue(ca, ca_key, common_name, key.public_key(), now, SIGNER_YEARS, usage=usage, eku=eku)
    return Issued(cert, _key_pem(key, pin.encode()))


def issue_tsa(ca: x509.Certificate, ca_key_pem: bytes, now: dt.datetime) -> Issued:
    ca_key = serialization.load_pem_private_key(ca_key_pem, None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's TSA signs with RSA
    usage = _usage(signature=True, non_repudiation=False, cert_sign=False)
    cert = _issue(
        ca,
        ca_key,
        "Control Center Time Stamping Authority",
        key.public_key(),
        now,
        CA_YEARS,
        usage=usage,
        eku=[ExtendedKeyUsageOID.TIME_STAMPING],
    )
    return Issued(cert, _key_pem(key, None))


def crl(
    ca: x509.Certificate, ca_key_pem: bytes, revoked: list[tuple[int, dt.datetime]], now: dt.datetime
) -> bytes:
    """The CA's revocation list (DER) naming the revoked signer certificates' serials."""
    ca_key = serialization.load_pem_private_key(ca_key_pem, None)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.subject)
        .last_update(now - dt.timedelta(minutes=1))
        .next_update(now + dt.timedelta(days=1))
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    for serial, at in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build()
        )
    return builder.sign(ca_key, hashes.SHA384()).public_bytes(serialization.Encoding.DER)


def load_cert(pem: str | bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()
