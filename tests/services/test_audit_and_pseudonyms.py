"""NEN 7513 audit records and KMS pseudonyms against moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.shared import audit, clock
from services.shared.audit import AuditAction, AuditEntry, AuditOutcome, AuditRecord
from services.shared.errors import ServiceUnavailable
from services.shared.principal import Principal, Role
from services.shared.pseudonym import decrypt, encrypt, pseudonymize
from tests.services.conftest import Region

DIRK = Principal(
    user_id="user-dirk",
    username="dirk.gemeente",
    roles=frozenset({Role.MUNICIPALITY}),
    organization="demo-gemeente-groningen",
    municipality="GM0014",
    region="groningen",
    source_ip="198.51.100.7",
    application="JeugdketenWeb/2.1",
)


def test_record_carries_every_nen7513_field(region: Region) -> None:
    fixed = clock.FixedClock(datetime(2026, 5, 4, 9, 30, tzinfo=UTC))
    previous = clock.set_clock(fixed)
    try:
        record = AuditRecord.by(
            DIRK,
            service="signals",
            event="subject-request.read",
            action=AuditAction.READ,
            basis="law:Jeugdwet 7.1.5.1",
            client="pseudo-youth",
            objects=("signal:s1",),
            responsible_user_id="user-privacy-officer",
        )
        audit.write(record)
    finally:
        clock.set_clock(previous)
    [stored] = audit.records_about("pseudo-youth")
    assert stored == record
    assert (stored.user_id, stored.responsible_user_id) == ("user-dirk", "user-privacy-officer")
    assert (stored.organization, stored.roles) == ("demo-gemeente-groningen", frozenset({"municipality"}))
    assert (stored.source_ip, stored.application) == ("198.51.100.7", "JeugdketenWeb/2.1")
    assert stored.occurred_at == datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    assert not stored.break_glass and stored.outcome == AuditOutcome.SUCCESS


def test_records_expire_after_the_regions_audit_retention(region: Region) -> None:
    record = AuditRecord.by(
        DIRK, service="signals", event="x.read", action=AuditAction.READ, basis="role:municipality", client="pseudo-2"
    )
    audit.write(record)
    [entry] = AuditEntry.query("CLIENT#pseudo-2")
    years = region.config.retention.audit_log_years
    assert entry.expires_at - record.occurred_at >= timedelta(days=365 * years)


def test_records_are_never_overwritten(region: Region) -> None:
    record = AuditRecord.by(
        DIRK, service="signals", event="x.read", action=AuditAction.READ, basis="role:municipality", client="pseudo-3"
    )
    audit.write(record)
    with pytest.raises(ServiceUnavailable):
        audit.write(record)  # same key: the conditional put refuses
    assert len(list(AuditEntry.query("CLIENT#pseudo-3"))) == 1


def test_audit_fails_closed_when_the_log_is_unavailable(region: Region) -> None:
    region.client("dynamodb").delete_table(TableName="test-audit")
    record = AuditRecord.by(DIRK, service="signals", event="x.read", action=AuditAction.READ, basis="role:municipality")
    with pytest.raises(ServiceUnavailable) as raised:
        audit.write(record)
    assert raised.value.status == 503 and raised.value.code == "audit_unavailable"


def test_record_without_a_client_is_filed_under_the_user(region: Region) -> None:
    audit.write(
        AuditRecord.by(
            DIRK, service="signals", event="statistics.read", action=AuditAction.READ, basis="role:municipality"
        )
    )
    assert [e.event for e in AuditEntry.query("USER#user-dirk")] == ["statistics.read"]
    assert [e.event for e in AuditEntry.by_user.query("user-dirk")] == ["statistics.read"]


def test_pseudonym_is_stable_and_reveals_nothing(region: Region) -> None:
    first = pseudonymize("111222333", purpose="bsn")
    assert first == pseudonymize("111222333", purpose="bsn")
    assert "111222333" not in first and len(first) == 43  # 32 bytes, base64url without padding
    assert pseudonymize("123456782", purpose="bsn") != first


def test_pseudonyms_of_different_purposes_never_coincide(region: Region) -> None:
    assert pseudonymize("111222333", purpose="bsn") != pseudonymize("111222333", purpose="address")


def test_pseudonym_depends_on_the_regions_key(region: Region, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.shared.settings import reset_settings

    first = pseudonymize("111222333", purpose="bsn")
    other = region.client("kms").create_key(KeyUsage="GENERATE_VERIFY_MAC", KeySpec="HMAC_256")["KeyMetadata"]["KeyId"]
    monkeypatch.setenv("JK_HMAC_KEY_ID", other)
    reset_settings()
    assert pseudonymize("111222333", purpose="bsn") != first


def test_encrypted_value_opens_only_under_its_own_context(region: Region) -> None:
    context = {"purpose": "signal-bsn", "signal_id": "s1"}
    secret = encrypt("111222333", context=context)
    assert "111222333" not in secret
    assert decrypt(secret, context=context) == "111222333"
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        decrypt(secret, context={"purpose": "signal-bsn", "signal_id": "s2"})
