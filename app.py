#!/usr/bin/env python3
"""The CDK app: one stack per region file in ``infra/regions/`` (or only ``-c region=<name>``).

    .venv/bin/python app.py                      # every region, into cdk.out/ (what `make synth` runs)
    .venv/bin/python app.py -c region=groningen  # one region (`make check-region`, `cdk deploy -c region=...`)
    .venv/bin/python app.py -c bundling=false    # placeholder code assets, no pip (the infra tests)

Test-only context: ``regions_dir=<dir>`` reads region files from elsewhere, ``extra_manifests=a.b,c.d`` adds
services (the infra tests' probe) to the four real ones.

cdk-nag (AwsSolutions and HIPAA.Security) validates every synth: a finding that is not acknowledged with a
written reason fails it, and so does an invalid region file (with a one-line message naming file and field).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infra.config import REGIONS_DIR, DeploymentConfig, RegionConfigError, load_all, load_region

ROOT = Path(__file__).resolve().parent
FALSE = {"false", "0", "no", "off"}


def context_from_argv(argv: Sequence[str]) -> dict[str, str]:
    """``-c key=value`` / ``--context key=value`` pairs, as the CDK CLI accepts them (for runs without the CLI)."""
    context: dict[str, str] = {}
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in ("-c", "--context") and args:
            pair = args.pop(0)
        elif arg.startswith("--context="):
            pair = arg.removeprefix("--context=")
        else:
            raise SystemExit(f"unknown argument {arg!r}; use -c key=value")
        key, _, value = pair.partition("=")
        context[key] = value
    return context


def _cli_context() -> dict[str, Any]:
    """Context the CDK CLI hands over (cdk.json + its -c flags); run without the CLI, cdk.json's own context,
    so `python app.py` and `cdk deploy` synthesize the same template."""
    raw = os.environ.get("CDK_CONTEXT_JSON")
    if raw:
        return dict(json.loads(raw))
    return dict(json.loads((ROOT / "cdk.json").read_text()).get("context", {}))


def deployments(context: Mapping[str, Any]) -> list[DeploymentConfig]:
    """The regions to synthesize: validated before any CDK code runs, so a bad file fails in a second."""
    directory = Path(context["regions_dir"]) if context.get("regions_dir") else REGIONS_DIR
    region = context.get("region")
    return [load_region(str(region), directory)] if region else load_all(directory)


def build_app(configs: Sequence[DeploymentConfig], context: Mapping[str, Any], outdir: str | None = None) -> Any:
    from aws_cdk import App, Validations
    from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks

    from infra.constructs.bundling import Bundler
    from infra.region_stack import RegionStack
    from services.shared.manifest import load_manifests

    # What the CDK CLI sets from cdk.json ("pathMetadata", "versionReporting"), so direct runs match `cdk deploy`.
    context = {"aws:cdk:enable-path-metadata": True, "aws:cdk:version-reporting": False, **context}
    app = App(context=context, outdir=outdir)
    bundler = Bundler(enabled=str(context.get("bundling", "true")).lower() not in FALSE)
    # Test-only services (e.g. the infra tests' probe) join the four real ones: -c extra_manifests=a.b,c.d
    extra = tuple(m for m in str(context.get("extra_manifests", "")).split(",") if m)
    manifests = load_manifests(extra=extra)
    for config in configs:
        RegionStack(app, deployment=config, bundler=bundler, manifests=manifests)
    # Every acknowledged finding is also written into the template's metadata, with its reason: an audit trail.
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True),
        HIPAASecurityChecks(app, write_suppressions_to_cloud_formation=True),
    )
    return app


def main(argv: Sequence[str]) -> int:
    context = {**_cli_context(), **context_from_argv(argv)}
    try:
        configs = deployments(context)
    except RegionConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    outdir = None if os.environ.get("CDK_OUTDIR") else str(ROOT / "cdk.out")
    app = build_app(configs, context, outdir)
    try:
        app.synth()
    except RuntimeError as exc:
        if "ValidationFailed" not in str(exc):
            raise
        print(
            "cdk-nag or template validation: findings without an acknowledgment (listed above; report in "
            f"{app.outdir}/validation-report.json)",
            file=sys.stderr,
        )
        return 1
    names = ", ".join(c.stack_name for c in configs)
    print(f"synthesized {names} into {app.outdir} (cdk-nag AwsSolutions + HIPAA.Security: no open findings)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
