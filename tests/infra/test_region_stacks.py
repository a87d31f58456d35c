"""The synthesized region stacks keep the platform's promises: encryption, recovery, dead letters, alarms,
one least-privilege role per function, an append-only audit log, a WAF, the user pool, and no open cdk-nag
finding or cfn-lint error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra.config import load_region
from services.shared.manifest import FunctionKind, load_manifests
from services.shared.principal import Role
from services.shared.region import RegionConfig
from services.signals.models.guide import SignalGuide
from tests.infra.conftest import PROBE_MANIFEST, Synth
from tests.infra.helpers import (
    as_list,
    functions,
    get_att,
    identity_policy_documents,
    logical_id_at,
    policy_documents,
    refs,
    role_of,
    service_of,
    statements,
    target,
)

pytestmark = pytest.mark.infra

DATA_WILDCARDS = {"*", "dynamodb:*", "kms:*", "sqs:*", "s3:*", "sns:*", "events:*", "ssm:*", "logs:*"}


def manifests_in(synth: Synth) -> list[Any]:
    return load_manifests(extra=(PROBE_MANIFEST,)) if synth.name == "probe" else load_manifests()


def storage_key(synth: Synth) -> str:
    return logical_id_at(synth, "/Platform/StorageKey/Resource")


def audit_table(synth: Synth) -> str:
    return logical_id_at(synth, "/Platform/AuditTable/Resource")


# -- the synth itself -------------------------------------------------------------------------------------


def test_every_synth_succeeds_with_no_open_cdk_nag_finding(everything: list[Synth]) -> None:
    for synth in everything:
        assert synth.returncode == 0, f"{synth.name}: app.py failed\n{synth.output[-4000:]}"
        violations = [
            (report["pluginName"], violation["ruleName"], construct["constructPath"])
            for report in synth.validation_report["pluginReports"]
            for violation in report.get("violations", [])
            for construct in violation.get("violatingConstructs", [])
        ]
        assert violations == [], f"{synth.name}: open findings {violations}"
        assert "no open findings" in synth.output


def test_both_nag_packs_ran_and_every_acknowledgment_says_why(everything: list[Synth]) -> None:
    for synth in everything:
        acknowledged: dict[str, str] = {}
        for resource in synth.resources.values():
            for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
                acknowledged[rule["id"]] = rule.get("reason", "")
        # Acknowledgments are written to the template by the packs themselves: both must have run.
        assert any(rule.startswith("AwsSolutions-") for rule in acknowledged), synth.name
        assert any(rule.startswith("HIPAA.Security-") for rule in acknowledged), synth.name
        short = {rule: reason for rule, reason in acknowledged.items() if len(reason.split()) < 8}
        assert short == {}, f"{synth.name}: acknowledgments without a real reason: {short}"


def test_cfn_lint_reports_nothing_on_any_template(everything: list[Synth]) -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    templates = [str(s.template_path) for s in everything]
    result = subprocess.run([str(cfn_lint), *templates], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_stack_per_region_named_after_it_in_its_own_account(regions: list[Synth]) -> None:
    for synth in regions:
        deployment = load_region(synth.region)
        manifest = json.loads((synth.outdir / "manifest.json").read_text())
        stack = manifest["artifacts"][f"Jeugdketen-{synth.region}"]
        assert stack["environment"] == f"aws://{deployment.aws.account}/{deployment.aws.region}"
        assert stack["properties"].get("stackName", f"Jeugdketen-{synth.region}") == f"Jeugdketen-{synth.region}"
        assert stack["properties"]["terminationProtection"] is True


# -- data at rest -----------------------------------------------------------------------------------------


def test_every_table_has_pitr_the_region_key_deletion_protection_and_is_retained(everything: list[Synth]) -> None:
    for synth in everything:
        template = Template.from_json(synth.template)
        tables = synth.of_type("AWS::DynamoDB::Table")
        expected = 2 + sum(len(m.tables) for m in manifests_in(synth))  # audit + idempotency + services'
        template.resource_count_is("AWS::DynamoDB::Table", expected)
        assert len(tables) == expected
        for logical_id, table in tables.items():
            properties = table["Properties"]
            assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, logical_id
            sse = properties["SSESpecification"]
            assert (sse["SSEEnabled"], sse["SSEType"]) == (True, "KMS"), logical_id
            assert get_att(sse["KMSMasterKeyId"]) == (storage_key(synth), "Arn"), logical_id
            assert properties["DeletionProtectionEnabled"] is True, logical_id
            assert properties["BillingMode"] == "PAY_PER_REQUEST", logical_id
            assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain"), logical_id


def test_service_tables_stream_new_images_for_the_relay_and_expire_by_ttl(everything: list[Synth]) -> None:
    for synth in everything:
        for manifest in manifests_in(synth):
            for spec in manifest.tables:
                path = f"/{manifest.name.capitalize()}/Table{spec.name.capitalize()}/Resource"
                logical_id = logical_id_at(synth, path)
                properties = synth.resources[logical_id]["Properties"]
                definition = spec.definition()
                if definition.stream:
                    assert properties["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
                else:
                    assert "StreamSpecification" not in properties
                if definition.ttl_attribute:
                    assert properties["TimeToLiveSpecification"] == {
                        "AttributeName": definition.ttl_attribute,
                        "Enabled": True,
                    }
                indexes = {i["IndexName"] for i in properties.get("GlobalSecondaryIndexes", [])}
                assert indexes == {i.name for i in definition.global_indexes}


def test_every_table_is_in_the_daily_backup_plan(everything: list[Synth]) -> None:
    for synth in everything:
        (selection,) = synth.of_type("AWS::Backup::BackupSelection").values()
        selected = refs(selection["Properties"]["BackupSelection"]["Resources"])
        assert set(synth.of_type("AWS::DynamoDB::Table")) <= selected


def test_queues_topic_bus_and_log_groups_are_encrypted_with_the_region_key(everything: list[Synth]) -> None:
    for synth in everything:
        key = storage_key(synth)
        for kind, field in (
            ("AWS::SQS::Queue", "KmsMasterKeyId"),
            ("AWS::SNS::Topic", "KmsMasterKeyId"),
            ("AWS::Events::EventBus", "KmsKeyIdentifier"),
            ("AWS::Events::Archive", "KmsKeyIdentifier"),
            ("AWS::Logs::LogGroup", "KmsKeyId"),
        ):
            for logical_id, resource in synth.of_type(kind).items():
                assert get_att(resource["Properties"].get(field)) == (key, "Arn"), f"{synth.name} {logical_id}"
        for logical_id, group in synth.of_type("AWS::Logs::LogGroup").items():
            assert group["Properties"].get("RetentionInDays"), f"{logical_id} keeps logs forever"


def test_keys_rotate_except_the_pseudonym_key_which_must_stay_stable(everything: list[Synth]) -> None:
    for synth in everything:
        keys = synth.of_type("AWS::KMS::Key")
        hmac = [k for k, v in keys.items() if v["Properties"].get("KeySpec") == "HMAC_256"]
        assert len(hmac) == 1
        assert keys[hmac[0]]["Properties"]["KeyUsage"] == "GENERATE_VERIFY_MAC"
        for logical_id, key in keys.items():
            assert key["DeletionPolicy"] == "Retain", logical_id
            if logical_id not in hmac:
                assert key["Properties"]["EnableKeyRotation"] is True, logical_id


def _parameters(synth: Synth) -> dict[str, tuple[str, dict[str, Any]]]:
    """SSM parameters by name: (logical id, properties)."""
    return {p["Properties"]["Name"]: (k, p["Properties"]) for k, p in synth.of_type("AWS::SSM::Parameter").items()}


def test_region_config_is_published_to_ssm_as_the_services_read_it(regions: list[Synth]) -> None:
    for synth in regions:
        deployment = load_region(synth.region)
        parameters = _parameters(synth)
        assert set(parameters) == {deployment.config_parameter_name, deployment.signal_guide_parameter_name}
        _, parameter = parameters[deployment.config_parameter_name]
        assert RegionConfig.model_validate_json(parameter["Value"]) == deployment.region
        assert not {"aws", "signal_guide"} & set(json.loads(parameter["Value"]))


def test_the_signal_guide_is_its_own_parameter_and_only_the_signals_api_may_read_it(everything: list[Synth]) -> None:
    for synth in everything:
        deployment = load_region(synth.region)
        logical_id, parameter = _parameters(synth)[deployment.signal_guide_parameter_name]
        assert SignalGuide.model_validate_json(parameter["Value"]) == deployment.signal_guide
        assert parameter["Tier"] == ("Advanced" if len(parameter["Value"].encode()) > 4096 else "Standard")
        readers, told = set(), set()
        for function_id, function in functions(synth).items():
            if any(logical_id in refs(s["Resource"]) for s in statements(policy_documents(synth, role_of(function)))):
                readers.add(function_id)
            variables = function["Properties"]["Environment"]["Variables"]
            if "JK_SIGNAL_GUIDE_PARAMETER" in variables:
                assert refs(variables["JK_SIGNAL_GUIDE_PARAMETER"]) == {logical_id}
                told.add(function_id)
        signals_api = {
            k
            for k, f in functions(synth).items()
            if f["Properties"]["Handler"] == "services.signals.handlers.api.handler"
        }
        assert len(signals_api) == 1
        assert readers == told == signals_api, synth.name
        for _, document in identity_policy_documents(synth):  # nobody else either, not through a wildcard
            for statement in statements([document]):
                if logical_id in refs(statement.get("Resource", [])):
                    assert as_list(statement["Action"]) == ["ssm:GetParameter"]


# -- events: relay, subscriptions, schedules --------------------------------------------------------------


def test_relays_read_only_outbox_inserts_with_bounded_retries_and_a_failure_destination(
    everything: list[Synth],
) -> None:
    for synth in everything:
        mappings = [
            m
            for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
            if "StartingPosition" in m["Properties"]
        ]
        expected = sum(1 for m in manifests_in(synth) for f in m.functions() if f.kind is FunctionKind.RELAY)
        assert len(mappings) == expected > 0
        for mapping in mappings:
            properties = mapping["Properties"]
            assert properties["StartingPosition"] == "TRIM_HORIZON"
            assert properties["BisectBatchOnFunctionError"] is True
            assert 0 < properties["MaximumRetryAttempts"] <= 10
            destination = get_att(properties["DestinationConfig"]["OnFailure"]["Destination"])
            assert destination is not None and synth.resources[destination[0]]["Type"] == "AWS::SQS::Queue"
            (criteria,) = properties["FilterCriteria"]["Filters"]
            assert json.loads(criteria["Pattern"]) == {
                "eventName": ["INSERT"],
                "dynamodb": {"NewImage": {"entity": {"S": ["outbox"]}}},
            }
            assert get_att(properties["EventSourceArn"]) == (target(properties["EventSourceArn"]), "StreamArn")


def test_every_subscription_has_its_queue_with_a_dlq_after_five_receives_and_partial_batches(probe: Synth) -> None:
    template = Template.from_json(probe.template)
    subscriptions = [s for m in manifests_in(probe) for s in m.subscriptions]
    assert {s.name for s in subscriptions} >= {"record", "meetings", "plan-coordinator"}  # the probe's and signals'
    mappings = template.find_resources(
        "AWS::Lambda::EventSourceMapping", {"Properties": {"EventSourceArn": {"Fn::GetAtt": Match.any_value()}}}
    )
    sqs_mappings = [
        m
        for m in mappings.values()
        if probe.resources[target(m["Properties"]["EventSourceArn"])]["Type"] == "AWS::SQS::Queue"
    ]
    assert len(sqs_mappings) == len(subscriptions)
    batch_sizes = sorted(s.batch_size for s in subscriptions)
    assert sorted(m["Properties"]["BatchSize"] for m in sqs_mappings) == batch_sizes
    for mapping in sqs_mappings:
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        queue = probe.resources[target(mapping["Properties"]["EventSourceArn"])]["Properties"]
        assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
        dead_letters = get_att(queue["RedrivePolicy"]["deadLetterTargetArn"])
        assert dead_letters is not None and probe.resources[dead_letters[0]]["Type"] == "AWS::SQS::Queue"
        timeout = next(
            f["Properties"]["Timeout"]
            for k, f in functions(probe).items()
            if k in refs(mapping["Properties"]["FunctionName"])
        )
        assert queue["VisibilityTimeout"] >= 6 * timeout


def test_each_subscription_rule_targets_its_queue_on_the_right_bus_and_admits_only_that_rule(probe: Synth) -> None:
    rules = {k: r for k, r in probe.of_type("AWS::Events::Rule").items() if "EventPattern" in r["Properties"]}
    buses = {json.dumps(r["Properties"]["EventBusName"]) for r in rules.values()}
    assert buses == {json.dumps({"Ref": logical_id_at(probe, "/Platform/Bus/Resource")}), json.dumps("default")}
    for logical_id, rule in rules.items():
        (rule_target,) = rule["Properties"]["Targets"]
        queue_id = target(rule_target["Arn"])
        assert rule_target["DeadLetterConfig"]
        policy = next(
            p for p in probe.of_type("AWS::SQS::QueuePolicy").values() if queue_id in refs(p["Properties"]["Queues"])
        )
        allows = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
        rule_arn = {"Fn::GetAtt": [logical_id, "Arn"]}
        assert allows and all(s["Condition"]["ArnEquals"]["aws:SourceArn"] == rule_arn for s in allows)


def test_every_sweeper_runs_on_its_schedule_with_a_dead_letter_queue(probe: Synth) -> None:
    schedules = [s for m in manifests_in(probe) for s in m.schedules]
    rules = [r for r in probe.of_type("AWS::Events::Rule").values() if "ScheduleExpression" in r["Properties"]]
    # CloudFormation's singular for one minute (the video queue's schedule): rate(1 minute), rate(5 minutes)
    expressions = [f"rate({s.rate_minutes} minute{'' if s.rate_minutes == 1 else 's'})" for s in schedules]
    assert sorted(r["Properties"]["ScheduleExpression"] for r in rules) == sorted(expressions)
    sweepers = [f for f in functions(probe).values() if f["Properties"].get("DeadLetterConfig")]
    assert len(sweepers) == len(schedules)
    assert all(f["Properties"]["ReservedConcurrentExecutions"] == 1 for f in sweepers)


# -- alarms ------------------------------------------------------------------------------------------------


def _alarms(synth: Synth) -> list[dict[str, Any]]:
    return [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()]


def _alarmed(synth: Synth, metric: str) -> set[str]:
    """Logical ids of the resources that have an alarm on ``metric``."""
    return {
        logical_id
        for alarm in _alarms(synth)
        if alarm.get("MetricName") == metric
        for dimension in alarm.get("Dimensions", [])
        for logical_id in refs(dimension["Value"])
    }


def test_alarms_cover_dead_letters_errors_throttles_5xx_and_queue_age(everything: list[Synth]) -> None:
    for synth in everything:
        queues = synth.of_type("AWS::SQS::Queue")
        redrive_targets = {
            target(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
            for q in queues.values()
            if "RedrivePolicy" in q["Properties"]
        }
        failure_destinations = {
            target(m["Properties"]["DestinationConfig"]["OnFailure"]["Destination"])
            for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
            if "DestinationConfig" in m["Properties"]
        }
        function_dlqs = {
            target(f["Properties"]["DeadLetterConfig"]["TargetArn"])
            for f in functions(synth).values()
            if "DeadLetterConfig" in f["Properties"]
        }
        undelivered = {logical_id_at(synth, "/Platform/UndeliveredEvents/Resource")}
        dead_letter_queues = redrive_targets | failure_destinations | function_dlqs | undelivered
        assert dead_letter_queues <= _alarmed(synth, "ApproximateNumberOfMessagesVisible")
        subscription_queues = {k for k, q in queues.items() if "RedrivePolicy" in q["Properties"]}
        assert subscription_queues <= _alarmed(synth, "ApproximateAgeOfOldestMessage")
        ours = set(functions(synth))
        assert ours <= _alarmed(synth, "Errors")
        assert ours <= _alarmed(synth, "Throttles")
        fivexx = [a for a in _alarms(synth) if a.get("MetricName") == "5XXError"]
        resources = {d["Value"] for a in fivexx for d in a["Dimensions"] if d["Name"] == "Resource"}
        assert resources == {f"{m.api_prefix}/{{proxy+}}" for m in manifests_in(synth)}
        assert any(not any(d["Name"] == "Resource" for d in a["Dimensions"]) for a in fivexx), "no API-wide 5xx alarm"


def test_every_alarm_notifies_the_operators_topic(everything: list[Synth]) -> None:
    for synth in everything:
        topic = logical_id_at(synth, "/Platform/Operators/Resource")
        for alarm in _alarms(synth):
            assert alarm["AlarmActions"] == [{"Ref": topic}], alarm["AlarmName"]
            assert alarm["OKActions"] == [{"Ref": topic}], alarm["AlarmName"]


def test_the_region_has_a_dashboard(regions: list[Synth]) -> None:
    for synth in regions:
        template = Template.from_json(synth.template)
        template.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": f"jeugdketen-{synth.region}"})


# -- functions and their permissions ---------------------------------------------------------------------


def test_functions_use_python_on_arm_with_json_logs_tracing_and_their_own_log_group(everything: list[Synth]) -> None:
    for synth in everything:
        expected = sum(len(m.functions()) for m in manifests_in(synth))
        assert len(functions(synth)) == expected
        log_groups = set()
        for logical_id, function in functions(synth).items():
            p = function["Properties"]
            assert p["Runtime"] in ("python3.12", "python3.13"), logical_id
            assert p["Architectures"] == ["arm64"], logical_id
            assert p["TracingConfig"] == {"Mode": "Active"}, logical_id
            assert p["LoggingConfig"]["LogFormat"] == "JSON", logical_id
            assert p["LoggingConfig"]["ApplicationLogLevel"] == "INFO", logical_id
            assert p["ReservedConcurrentExecutions"] >= 1, logical_id
            log_groups |= refs(p["LoggingConfig"]["LogGroup"])
            variables = p["Environment"]["Variables"]
            assert variables["JK_REGION"] == synth.region
            assert variables["POWERTOOLS_METRICS_NAMESPACE"] == f"Jeugdketen/{synth.region}"
            assert p["Layers"] and p["Handler"].startswith(("services.", "tests."))
        assert len(log_groups) == len(functions(synth)), "functions share a log group"


def test_functions_are_told_only_their_own_service_tables(everything: list[Synth]) -> None:
    for synth in everything:
        for logical_id, function in functions(synth).items():
            variables = function["Properties"]["Environment"]["Variables"]
            if "JK_TABLES" not in variables:
                continue
            joined = "".join(p for p in variables["JK_TABLES"]["Fn::Join"][1] if isinstance(p, str))
            keys = {k.strip('{",:') for k in joined.split('"') if "." in k}
            assert keys and all(k.startswith(f"{service_of(function)}.") for k in keys), (logical_id, keys)


def test_every_function_has_its_own_role_with_only_a_customer_managed_policy(everything: list[Synth]) -> None:
    for synth in everything:
        roles = [role_of(f) for f in functions(synth).values()]
        assert len(set(roles)) == len(roles), "functions share a role"
        for role_id in roles:
            role = synth.resources[role_id]["Properties"]
            assert "Policies" not in role
            (policy_arn,) = role["ManagedPolicyArns"]
            assert synth.resources[next(iter(refs(policy_arn)))]["Type"] == "AWS::IAM::ManagedPolicy"
        assert synth.of_type("AWS::IAM::Policy") == {}, "an inline AWS::IAM::Policy crept in"


def test_no_identity_policy_grants_a_wildcard_action_on_data(everything: list[Synth]) -> None:
    for synth in everything:
        for logical_id, document in identity_policy_documents(synth):
            for statement in statements([document]):
                actions = set(as_list(statement.get("Action", [])))
                assert not actions & DATA_WILDCARDS, (logical_id, actions)
                assert statement.get("NotAction") is None, logical_id
        for function in functions(synth).values():  # ours: not a single '*' in any action
            for statement in statements(policy_documents(synth, role_of(function))):
                assert not [a for a in as_list(statement["Action"]) if "*" in a], statement


def test_every_statement_on_star_is_acknowledged_with_its_own_reason(everything: list[Synth]) -> None:
    reasons_for = {
        "xray:PutTraceSegments": "X-Ray",
        "dynamodb:ListStreams": "ListStreams",
        "sns:Publish": "SMS",
        "chime:CreateMeeting": "CreateMeeting",
    }
    for synth in everything:
        for logical_id, function in functions(synth).items():
            [policy_arn] = synth.resources[role_of(function)]["Properties"]["ManagedPolicyArns"]
            policy = synth.resources[next(iter(refs(policy_arn)))]
            unscoped = [s for s in statements([policy["Properties"]["PolicyDocument"]]) if s["Resource"] == "*"]
            acknowledged = {
                r["id"]: r["reason"] for r in policy["Metadata"]["cdk_nag"]["rules_to_suppress"]
            }  # one acknowledgment per rule: cdk-nag would keep only the first of several
            reason = acknowledged["AwsSolutions-IAM5[Resource::*]"]
            for statement in unscoped:
                assert reasons_for[as_list(statement["Action"])[0]] in reason, (logical_id, reason)


def test_no_role_may_update_or_delete_audit_records(everything: list[Synth]) -> None:
    for synth in everything:
        audit = audit_table(synth)
        writers = 0
        for logical_id, document in identity_policy_documents(synth):
            for statement in statements([document]):
                resources = as_list(statement.get("Resource", []))
                if audit in refs(resources):
                    assert set(as_list(statement["Action"])) == {"dynamodb:PutItem"}, (logical_id, statement)
                    writers += 1
                if "*" in resources:
                    assert not [a for a in as_list(statement["Action"]) if a.startswith("dynamodb:")
                                and a not in ("dynamodb:ListStreams",)], (logical_id, statement)  # fmt: skip
        api_and_workers = [
            f for f in functions(synth).values() if "JK_AUDIT_TABLE" in f["Properties"]["Environment"]["Variables"]
        ]
        assert writers == len(api_and_workers) > 0


def test_data_permissions_are_scoped_to_the_functions_own_tables(everything: list[Synth]) -> None:
    for synth in everything:
        tables = synth.of_type("AWS::DynamoDB::Table")
        shared = {audit_table(synth), logical_id_at(synth, "/Platform/IdempotencyTable/Resource")}
        for logical_id, function in functions(synth).items():
            prefix = service_of(function).capitalize() + "Table"
            for statement in statements(policy_documents(synth, role_of(function))):
                touched = refs(statement["Resource"]) & set(tables)
                foreign = {t for t in touched if t not in shared and not t.startswith(prefix)}
                assert foreign == set(), (logical_id, foreign)


def test_relays_may_put_events_only_on_the_region_bus(everything: list[Synth]) -> None:
    for synth in everything:
        bus = logical_id_at(synth, "/Platform/Bus/Resource")
        for logical_id, function in functions(synth).items():
            put = [
                s
                for s in statements(policy_documents(synth, role_of(function)))
                if "events:PutEvents" in as_list(s["Action"])
            ]
            if function["Properties"]["Handler"] == "services.shared.relay.handler":
                assert [s["Resource"] for s in put] == [{"Fn::GetAtt": [bus, "Arn"]}], logical_id
            else:
                assert put == [], logical_id


# -- the edge: API, WAF, users ----------------------------------------------------------------------------


def test_every_route_requires_a_cognito_user(everything: list[Synth]) -> None:
    for synth in everything:
        methods = synth.of_type("AWS::ApiGateway::Method")
        assert len(methods) == 2 * len(manifests_in(synth))  # /<prefix> and /<prefix>/{proxy+}
        for logical_id, method in methods.items():
            assert method["Properties"]["AuthorizationType"] == "COGNITO_USER_POOLS", logical_id
            assert refs(method["Properties"]["AuthorizerId"]), logical_id
        paths = {r["Properties"]["PathPart"] for r in synth.of_type("AWS::ApiGateway::Resource").values()}
        assert paths == {m.api_prefix.strip("/") for m in manifests_in(synth)} | {"{proxy+}"}


def test_the_stage_logs_access_traces_and_throttles(regions: list[Synth]) -> None:
    for synth in regions:
        (stage,) = synth.of_type("AWS::ApiGateway::Stage").values()
        p = stage["Properties"]
        assert p["TracingEnabled"] is True
        assert refs(p["AccessLogSetting"]["DestinationArn"])
        (settings,) = p["MethodSettings"]
        assert settings["DataTraceEnabled"] is False  # bodies hold personal data
        assert settings["LoggingLevel"] == "ERROR"
        assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0


def test_the_waf_guards_the_stage_with_managed_rules_and_a_rate_limit(everything: list[Synth]) -> None:
    for synth in everything:
        template = Template.from_json(synth.template)
        (acl_id,) = synth.of_type("AWS::WAFv2::WebACL")
        stage_id = logical_id_at(synth, "/Platform/Api/DeploymentStage.prod/Resource")
        (association,) = synth.of_type("AWS::WAFv2::WebACLAssociation").values()
        assert get_att(association["Properties"]["WebACLArn"]) == (acl_id, "Arn")
        assert stage_id in refs(association["Properties"]["ResourceArn"])
        template.has_resource_properties(
            "AWS::WAFv2::WebACL",
            {
                "Scope": "REGIONAL",
                "Rules": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Statement": {
                                    "ManagedRuleGroupStatement": Match.object_like(
                                        {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}
                                    )
                                }
                            }
                        ),
                        Match.object_like(
                            {"Statement": {"RateBasedStatement": Match.object_like({"AggregateKeyType": "IP"})}}
                        ),
                    ]
                ),
            },
        )
        template.resource_count_is("AWS::WAFv2::LoggingConfiguration", 1)
        (logging,) = synth.of_type("AWS::WAFv2::LoggingConfiguration").values()
        redacted = logging["Properties"]["RedactedFields"]
        assert {"SingleHeader": {"Name": "authorization"}} in redacted
        assert {"QueryString": {}} in redacted  # GET /signals/subject-requests?bsn= must not log the BSN


def test_the_user_pool_has_the_role_groups_custom_attributes_strong_passwords_and_mfa(regions: list[Synth]) -> None:
    for synth in regions:
        ((pool_id, pool),) = synth.of_type("AWS::Cognito::UserPool").items()
        p = pool["Properties"]
        groups = {g["Properties"]["GroupName"] for g in synth.of_type("AWS::Cognito::UserPoolGroup").values()}
        assert groups == {role.value for role in Role}
        custom = {a["Name"] for a in p["Schema"] if a.get("Name") in ("organization", "municipality", "region")}
        assert custom == {"organization", "municipality", "region"}
        policy = p["Policies"]["PasswordPolicy"]
        assert policy["MinimumLength"] >= 12
        assert all(policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
        assert p["MfaConfiguration"] == "ON"
        assert p["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
        assert p["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
        assert pool["DeletionPolicy"] == "Retain"
        (client,) = synth.of_type("AWS::Cognito::UserPoolClient").values()
        assert not [a for a in client["Properties"]["WriteAttributes"] if a.startswith("custom:")]
        assert {"custom:organization", "custom:municipality", "custom:region"} <= set(
            client["Properties"]["ReadAttributes"]
        )
        assert "GenerateSecret" not in client["Properties"] or client["Properties"]["GenerateSecret"] is False
        (authorizer,) = synth.of_type("AWS::ApiGateway::Authorizer").values()
        assert authorizer["Properties"]["Type"] == "COGNITO_USER_POOLS"
        assert pool_id in refs(authorizer["Properties"]["ProviderARNs"])


def test_gateway_errors_use_the_api_error_shape(regions: list[Synth]) -> None:
    for synth in regions:
        responses = synth.of_type("AWS::ApiGateway::GatewayResponse").values()
        by_type = {r["Properties"]["ResponseType"]: r["Properties"] for r in responses}
        assert by_type["UNAUTHORIZED"]["StatusCode"] == "401"
        for properties in by_type.values():
            body = json.loads(properties["ResponseTemplates"]["application/json"])
            assert set(body) == {"code", "message", "details"}
