"""A region's deployment config: ``infra/regions/<name>.yaml`` = the region (``RegionConfig``) + where it runs.

``RegionConfig`` (in the kernel, because the services read it at run time) stays the single source of the
region's fields; this module adds only what the deployment needs (the AWS account and region), reads the
YAML files and turns every validation problem into one line that names the file, the field and what is
wrong::

    infra/regions/x.yaml: contact_247.out_of_hours_partner: unknown organisation 'foo'

The file's ``signal_guide:`` section is the region's signal guide (``SignalGuide``, owned by the signals
service). It is published as its own SSM parameter: the region config alone is already over 4 KB and a
parameter holds at most 8 KB.

``python -m infra.config <region>`` validates one region and prints a short summary (``make check-region``).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from services.shared.region import RegionConfig
from services.signals.models.guide import SignalGuide

ROOT = Path(__file__).resolve().parents[1]
REGIONS_DIR = ROOT / "infra" / "regions"

# SSM Parameter Store holds at most 4 KB in a standard parameter and 8 KB in an advanced one.
# The API Gateway stage of every region stack; the local proxy uses the same, and functions get it as JK_STAGE.
API_STAGE = "prod"
SSM_STANDARD_LIMIT = 4096
SSM_ADVANCED_LIMIT = 8192
# The one service whose functions are told of the signal guide and may read it.
SIGNAL_GUIDE_SERVICE = "signals"
# Push platforms a region may offer (the notifications service's device registration), and the SNS platform
# application types each may use: APNs (production or sandbox) for apps on Apple devices, FCM ("GCM") for Android.
PushPlatform = Literal["apns", "fcm"]
PUSH_APPLICATION_TYPES: dict[str, tuple[str, ...]] = {"apns": ("APNS", "APNS_SANDBOX"), "fcm": ("GCM",)}
_PUSH_APPLICATION_ARN = re.compile(
    r"^arn:aws:sns:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):app/(?P<type>[A-Z_]+)/(?P<name>[A-Za-z0-9_.-]{1,256})$"
)


class RegionConfigError(ValueError):
    """A region file that cannot be deployed; the message names the file, the field and the problem."""


class AwsTarget(BaseModel):
    """Where the region's stack is deployed: one AWS account (12 digits) and one AWS region."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account: str = Field(pattern=r"^\d{12}$", description="the region's AWS account id, 12 digits")
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$", description="AWS region, e.g. eu-central-1")

    push_applications: dict[PushPlatform, str] = Field(
        default_factory=dict,
        description="SNS platform application ARN per push platform; none = the region offers no push",
    )

    @field_validator("region")
    @classmethod
    def _inside_the_eu(cls, value: str) -> str:
        # Youth-care data of Dutch families stays in the EU (GDPR, and the municipalities' processing agreements).
        if not value.startswith("eu-"):
            raise ValueError(f"{value!r} is not an EU region; youth-care data must stay in the EU (eu-*)")
        return value

    @model_validator(mode="after")
    def _push_applications_are_this_accounts(self) -> Self:
        """Platform applications are made by hand (they hold APNs/FCM credentials), so their ARNs are checked here:
        the right kind for the platform, in the region's own account and AWS region."""
        for platform, arn in self.push_applications.items():
            where = f"push_applications.{platform}"
            found = _PUSH_APPLICATION_ARN.match(arn)
            if found is None:
                raise ValueError(f"{where}: {arn!r} is not an SNS platform application ARN (arn:aws:sns:...:app/...)")
            kinds = PUSH_APPLICATION_TYPES[platform]
            if found["type"] not in kinds:
                raise ValueError(f"{where}: a {found['type']} application; {platform} needs {' or '.join(kinds)}")
            if (found["account"], found["region"]) != (self.account, self.region):
                raise ValueError(
                    f"{where}: the application is in {found['account']}/{found['region']}, "
                    f"not in the region's {self.account}/{self.region}"
                )
        return self


class DeploymentConfig(BaseModel):
    """One region file: the region as data (``region``), its signal guide and the deployment target (``aws``).

    The YAML is flat (``aws:`` and ``signal_guide:`` beside the region's own fields); ``load_file`` splits it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    aws: AwsTarget
    region: RegionConfig
    signal_guide: SignalGuide

    @property
    def name(self) -> str:
        return self.region.name

    @property
    def stack_name(self) -> str:
        return stack_name(self.region.name)

    @property
    def config_parameter_name(self) -> str:
        return config_parameter_name(self.region.name)

    def ssm_value(self) -> str:
        """The JSON the services read back with ``RegionConfig.model_validate_json`` (compact, no ``aws``)."""
        return self.region.model_dump_json(exclude_none=True)

    def ssm_tier_advanced(self) -> bool:
        """Whether the region config needs an advanced SSM parameter (more than 4 KB)."""
        return ssm_tier_advanced(self.ssm_value())

    @property
    def signal_guide_parameter_name(self) -> str:
        return signal_guide_parameter_name(self.region.name)

    @property
    def sender_domain(self) -> str:
        """The domain of ``notifications.email_from``: the SES identity the region sends e-mail from."""
        return sender_domain(self.region.notifications.email_from)

    def signal_guide_ssm_value(self) -> str:
        """The JSON the signals service reads back with ``SignalGuide.model_validate_json``.

        Defaults are left out (a question's weight is "normal" unless it says otherwise): every byte counts
        against the 8 KB of a parameter.
        """
        return self.signal_guide.model_dump_json(exclude_defaults=True)


def stack_name(region: str) -> str:
    return f"Jeugdketen-{region}"


def config_parameter_name(region: str) -> str:
    """The SSM parameter that holds the region config (``JK_CONFIG_PARAMETER``); the same on both hosts."""
    return f"/jeugdketen/{region}/region-config"


def signal_guide_parameter_name(region: str) -> str:
    """The SSM parameter that holds the signal guide (``JK_SIGNAL_GUIDE_PARAMETER``); the same on both hosts."""
    return f"/jeugdketen/{region}/signal-guide"


def sender_domain(email_from: str) -> str:
    """``no-reply@groningen.example.nl`` -> ``groningen.example.nl`` (SES domain identities are lower case)."""
    return email_from.rpartition("@")[2].lower()


def ssm_tier_advanced(value: str) -> bool:
    """Whether ``value`` needs an advanced SSM parameter (more than 4 KB)."""
    return len(value.encode()) > SSM_STANDARD_LIMIT


# -- loading ---------------------------------------------------------------------------------------------


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _field_path(loc: Sequence[str | int], data: Any) -> str:
    """``('region', 'organisations', 2, 'domain')`` -> ``organisations[2 demo-x].domain`` (YAML terms)."""
    parts: list[str] = []
    node = data
    for index, item in enumerate(loc):
        if index == 0 and item == "region":  # the split is ours, not the file's
            node = data.get("region") if isinstance(data, dict) else None
            continue
        if isinstance(item, int):
            label = str(item)
            entry = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(entry, dict) and isinstance(entry.get("id") or entry.get("code"), str):
                label += f" {entry.get('id') or entry.get('code')}"
            parts.append(f"[{label}]")
            node = entry
        else:
            parts.append(f".{item}" if parts else str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


_PYDANTIC_PREFIX = re.compile(r"^(Value error|Assertion failed), ")


def _problems(error: ValidationError, data: Any) -> list[str]:
    problems = []
    for detail in error.errors(include_url=False):
        message = _PYDANTIC_PREFIX.sub("", detail["msg"])
        where = _field_path(detail["loc"], data)
        if detail["type"] == "extra_forbidden":
            message = "unknown field (a typo, or a field this version does not know)"
        elif detail["type"] == "missing":
            message = "required field is missing"
        elif detail["type"] not in ("value_error", "assertion_error") and not isinstance(detail["input"], dict | list):
            message += f" (got {detail['input']!r})"
        # A model-level check names its own field path ("matchregie: ..."); do not repeat an empty location.
        problems.append(f"{where}: {message}" if where else message)
    return problems


def load_file(path: Path) -> DeploymentConfig:
    """Read and validate one region file; raise ``RegionConfigError`` with file + field + problem."""
    import yaml

    shown = _display(path)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in path.parent.glob("*.yaml"))) or "none"
        raise RegionConfigError(f"{shown}: no such region file (known regions: {known})")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RegionConfigError(f"{shown}: {where}not valid YAML: {problem}") from None
    if not isinstance(raw, dict):
        raise RegionConfigError(f"{shown}: expected a mapping of fields at the top level")
    fields = dict(raw)
    data = {"aws": fields.pop("aws", None), "signal_guide": fields.pop("signal_guide", None), "region": fields}
    if data["aws"] is None:
        raise RegionConfigError(f"{shown}: aws: required field is missing (aws: {{account, region}})")
    if data["signal_guide"] is None:
        raise RegionConfigError(
            f"{shown}: signal_guide: required field is missing "
            "(signal_guide: {version, grounds, questions, profiles})"
        )
    try:
        config = DeploymentConfig.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc, data)
        raise RegionConfigError("\n".join(f"{shown}: {p}" for p in problems)) from None
    if config.region.name != path.stem:
        raise RegionConfigError(f"{shown}: name: {config.region.name!r} does not match the file name {path.stem!r}")
    size = len(config.ssm_value().encode())
    if size > SSM_ADVANCED_LIMIT:
        raise RegionConfigError(
            f"{shown}: the region config is {size} bytes as JSON; "
            f"SSM Parameter Store holds at most {SSM_ADVANCED_LIMIT}"
        )
    guide_size = len(config.signal_guide_ssm_value().encode())
    if guide_size > SSM_ADVANCED_LIMIT:
        raise RegionConfigError(
            f"{shown}: signal_guide: the signal guide is {guide_size} bytes as JSON; "
            f"SSM Parameter Store holds at most {SSM_ADVANCED_LIMIT} (shorten or remove questions)"
        )
    return config


def load_region(name: str, directory: Path = REGIONS_DIR) -> DeploymentConfig:
    """The deployment config of one region, from ``<directory>/<name>.yaml``."""
    if not re.fullmatch(r"[a-z][a-z0-9-]{1,30}", name):
        raise RegionConfigError(f"{name!r} is not a region name (lower-case letters, digits and dashes)")
    return load_file(directory / f"{name}.yaml")


def load_all(directory: Path = REGIONS_DIR) -> list[DeploymentConfig]:
    """Every region in ``directory``, sorted by name; all problems of all files in one error."""
    configs, problems = [], []
    for path in sorted(directory.glob("*.yaml")):
        try:
            configs.append(load_file(path))
        except RegionConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise RegionConfigError("\n".join(problems))
    if not configs:
        raise RegionConfigError(f"{_display(directory)}: no region files (*.yaml)")
    return configs


# -- the command line ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    config: DeploymentConfig

    def lines(self) -> Iterable[str]:
        region = self.config.region
        demo = sum(1 for o in region.organisations if o.demo)
        signalling = sum(1 for o in region.organisations if o.signalling_agreements)
        size = len(self.config.ssm_value().encode())
        tier = "advanced" if self.config.ssm_tier_advanced() else "standard"
        partner = region.organisation(region.contact_247.out_of_hours_partner)
        yield f"{region.name}: {region.display_name} - valid"
        yield f"  stack            {self.config.stack_name} in aws://{self.config.aws.account}/{self.config.aws.region}"
        yield f"  municipalities   {len(region.municipalities)}: {', '.join(m.name for m in region.municipalities)}"
        yield (
            f"  organisations    {len(region.organisations)} ({signalling} may signal, {demo} marked demo)"
            + ("  <- demo organisations: not for production" if demo else "")
        )
        yield f"  out of hours     {partner.name if partner else '?'}"
        yield (
            f"  match follow-up  {region.match_follow_up.deadline_working_days} working days, "
            f"escalation after {region.match_follow_up.escalation_working_days} more"
        )
        yield f"  languages        {', '.join(lang.value for lang in region.languages)}"
        yield (
            f"  e-mail           from {region.notifications.email_from} "
            f"(SES domain identity {self.config.sender_domain}: publish its DKIM records after deploy)"
        )
        push = self.config.aws.push_applications
        yield "  push             " + (
            ", ".join(f"{platform} ({arn.split(':app/')[1]})" for platform, arn in sorted(push.items()))
            if push
            else "none (aws.push_applications is empty: devices cannot register)"
        )
        yield f"  retention        audit log {region.retention.audit_log_years} years, chat transcripts " + (
            f"{region.retention.chat_transcript_days} days, inbox {region.retention.inbox_days} days"
        )
        yield f"  SSM parameter    {self.config.config_parameter_name} ({size} bytes, {tier} tier)"
        guide = self.config.signal_guide
        guide_value = self.config.signal_guide_ssm_value()
        guide_tier = "advanced" if ssm_tier_advanced(guide_value) else "standard"
        yield (
            f"  signal guide     version {guide.version}: {len(guide.questions)} questions, "
            f"{sum(q.weight == 'strong' for q in guide.questions)} strong, {len(guide.profiles)} organisation profiles"
        )
        yield (
            f"  SSM parameter    {self.config.signal_guide_parameter_name} "
            f"({len(guide_value.encode())} of {SSM_ADVANCED_LIMIT} bytes, {guide_tier} tier)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.config", description="Validate a region file in infra/regions and summarise it."
    )
    parser.add_argument("region", nargs="?", help="region name (the file infra/regions/<region>.yaml); all if omitted")
    parser.add_argument("--json", action="store_true", help="print the region config as it is stored in SSM")
    args = parser.parse_args(argv)
    try:
        configs = [load_region(args.region)] if args.region else load_all()
    except RegionConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    for config in configs:
        if args.json:
            print(config.ssm_value())
        else:
            print("\n".join(Summary(config).lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
