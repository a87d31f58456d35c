"""Region files: a valid one is summarised, an invalid one fails with file + field + what is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.config import ROOT, RegionConfigError, load_all, load_region

pytestmark = pytest.mark.infra

REGIONS = ROOT / "infra" / "regions"


def write_region(directory: Path, name: str, edit: dict[str, object] | None = None, *, drop: str | None = None) -> Path:
    data = yaml.safe_load((REGIONS / "groningen.yaml").read_text())
    data["name"] = name
    for dotted, value in (edit or {}).items():
        node = data
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[leaf] = value
    if drop:
        data.pop(drop)
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_both_regions_load_with_their_aws_target() -> None:
    names = [c.name for c in load_all()]
    assert names == ["groningen", "haaglanden"]
    groningen = load_region("groningen")
    assert groningen.aws.account.isdigit() and len(groningen.aws.account) == 12
    assert len(groningen.region.municipalities) == 10
    assert groningen.stack_name == "Jeugdketen-groningen"


def test_unknown_out_of_hours_partner_names_file_and_field(tmp_path: Path) -> None:
    write_region(tmp_path, "noord", {"contact_247.out_of_hours_partner": "foo"})
    with pytest.raises(RegionConfigError) as error:
        load_region("noord", tmp_path)
    expected = f"{tmp_path / 'noord.yaml'}: contact_247.out_of_hours_partner: unknown organisation 'foo'"
    assert str(error.value) == expected


@pytest.mark.parametrize(
    ("edit", "drop", "expected"),
    [
        ({"aws.account": "12345"}, None, "aws.account: String should match pattern"),
        ({"aws.region": "us-east-1"}, None, "aws.region: 'us-east-1' is not an EU region"),
        ({"contact_247.max_parallel_chats": 30}, None, "contact_247.max_parallel_chats: Input should be less than"),
        ({"organisations.1.domain": "schooling"}, None, "organisations[1 demo-school-groningen].domain: Input should"),
        ({"retention.audit_log_yrs": 15}, None, "retention.audit_log_yrs: unknown field"),
        ({}, "matchregie", "matchregie: required field is missing"),
        ({}, "aws", "aws: required field is missing"),
        ({}, "signal_guide", "signal_guide: required field is missing"),
        (
            {"signal_guide.questions.0.grounds": ["x"]},
            None,
            "signal_guide.questions[0 no-home].grounds[0]: Input should be 'a', 'b'",
        ),
        ({"signal_guide.profiles": []}, None, "signal_guide: profiles: no profile for signalling domain"),
    ],
)
def test_invalid_fields_are_reported_by_path(
    tmp_path: Path, edit: dict[str, object], drop: str | None, expected: str
) -> None:
    write_region(tmp_path, "noord", edit, drop=drop)
    with pytest.raises(RegionConfigError) as error:
        load_region("noord", tmp_path)
    message = str(error.value)
    assert message.startswith(f"{tmp_path / 'noord.yaml'}: ")
    assert expected in message
    assert "Value error" not in message and "validation error" not in message  # no pydantic wording


def test_the_file_name_must_match_the_region_name(tmp_path: Path) -> None:
    path = write_region(tmp_path, "noord")
    path.rename(tmp_path / "zuid.yaml")
    with pytest.raises(RegionConfigError, match=r"zuid\.yaml: name: 'noord' does not match the file name 'zuid'"):
        load_region("zuid", tmp_path)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "noord.yaml").write_text("name: noord\nmunicipalities: [\n")
    with pytest.raises(RegionConfigError, match=r"noord\.yaml: line \d+, column \d+: not valid YAML"):
        load_region("noord", tmp_path)


def test_check_region_command_summarises_a_valid_region() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "infra.config", "haaglanden"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "haaglanden: Regio Haaglanden - valid" in result.stdout
    assert "Jeugdketen-haaglanden in aws://222222222222/eu-central-1" in result.stdout


def test_synth_of_an_invalid_region_fails_with_the_message_and_no_traceback(tmp_path: Path) -> None:
    write_region(tmp_path, "noord", {"contact_247.out_of_hours_partner": "foo"})
    result = subprocess.run(
        [sys.executable, "app.py", "-c", f"regions_dir={tmp_path}", "-c", "region=noord", "-c", "bundling=false"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"{tmp_path / 'noord.yaml'}: contact_247.out_of_hours_partner: unknown organisation 'foo'"
    )
    assert "Traceback" not in result.stderr


def test_ssm_value_round_trips_and_knows_when_it_needs_the_advanced_tier() -> None:
    for config in load_all():
        assert type(config.region).model_validate_json(config.ssm_value()) == config.region
        assert config.ssm_tier_advanced() == (len(config.ssm_value().encode()) > 4096)


def test_a_signal_guide_too_large_for_one_ssm_parameter_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load((REGIONS / "groningen.yaml").read_text())
    for question in data["signal_guide"]["questions"]:
        question["text"] = {"nl": "Vraag " + "x" * 290 + "?", "en": "Question " + "x" * 287 + "?"}
    data["name"] = "noord"
    (tmp_path / "noord.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(RegionConfigError, match=r"noord\.yaml: signal_guide: the signal guide is \d+ bytes as JSON"):
        load_region("noord", tmp_path)


def test_check_region_command_prints_the_signal_guide_and_its_size() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "infra.config", "groningen"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "signal guide     version 2026.1: 20 questions" in result.stdout
    assert "/jeugdketen/groningen/signal-guide (" in result.stdout and "of 8192 bytes" in result.stdout


APNS = "arn:aws:sns:eu-central-1:111111111111:app/APNS/jeugdketen-noord-ios"
FCM = "arn:aws:sns:eu-central-1:111111111111:app/GCM/jeugdketen-noord-android"


def test_push_applications_are_optional_and_read_from_the_aws_section(tmp_path: Path) -> None:
    assert all(c.aws.push_applications == {} for c in load_all())  # no region offers push yet
    write_region(tmp_path, "noord", {"aws.push_applications": {"apns": APNS, "fcm": FCM}})
    assert load_region("noord", tmp_path).aws.push_applications == {"apns": APNS, "fcm": FCM}
    sandbox = APNS.replace("/APNS/", "/APNS_SANDBOX/")
    write_region(tmp_path, "noord", {"aws.push_applications": {"apns": sandbox}})
    assert load_region("noord", tmp_path).aws.push_applications == {"apns": sandbox}
    assert "push_applications" not in load_region("noord", tmp_path).ssm_value()  # deployment data, not the region's


@pytest.mark.parametrize(
    ("applications", "expected"),
    [
        ({"apns": "jk-ios"}, "aws: push_applications.apns: 'jk-ios' is not an SNS platform application ARN"),
        ({"apns": FCM}, "aws: push_applications.apns: a GCM application; apns needs APNS or APNS_SANDBOX"),
        ({"fcm": APNS}, "aws: push_applications.fcm: a APNS application; fcm needs GCM"),
        (
            {"fcm": FCM.replace("111111111111", "999999999999")},
            "aws: push_applications.fcm: the application is in 999999999999/eu-central-1, not in the region's",
        ),
        ({"huawei": FCM}, "aws.push_applications.huawei.[key]: Input should be 'apns' or 'fcm'"),
    ],
)
def test_a_push_application_of_the_wrong_kind_or_account_is_refused(
    tmp_path: Path, applications: dict[str, str], expected: str
) -> None:
    write_region(tmp_path, "noord", {"aws.push_applications": applications})
    with pytest.raises(RegionConfigError) as error:
        load_region("noord", tmp_path)
    assert expected in str(error.value)


def test_the_push_platforms_are_the_ones_the_notifications_service_registers() -> None:
    from typing import get_args

    from infra.config import PUSH_APPLICATION_TYPES, PushPlatform
    from services.notifications.logic.devices import PLATFORMS

    assert set(get_args(PushPlatform)) == set(PUSH_APPLICATION_TYPES) == set(PLATFORMS)


def test_the_sender_domain_is_the_domain_of_the_email_from_address() -> None:
    for config in load_all():
        assert config.sender_domain == config.region.notifications.email_from.split("@")[1].lower()
