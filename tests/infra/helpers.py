"""Reading synthesized templates: functions, their roles and policy statements, references between resources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.infra.conftest import Synth


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def refs(value: Any) -> set[str]:
    """Logical ids that ``value`` refers to (Ref and Fn::GetAtt, at any depth)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            found.add(value["Fn::GetAtt"][0])
        for item in value.values():
            found |= refs(item)
    elif isinstance(value, list):
        for item in value:
            found |= refs(item)
    return found


def get_att(value: Any) -> tuple[str, str] | None:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return logical_id, attribute
    return None


def target(value: Any) -> str:
    """The logical id an ``Fn::GetAtt`` points at (e.g. a queue from its ``Arn``)."""
    att = get_att(value)
    assert att is not None, f"not a GetAtt: {value!r}"
    return att[0]


def functions(synth: Synth) -> dict[str, dict[str, Any]]:
    """Our Lambda functions (not any CDK helper function), by logical id."""
    return {
        k: v
        for k, v in synth.of_type("AWS::Lambda::Function").items()
        if v["Properties"]["Handler"].startswith(("services.", "tests."))
    }


def service_of(function: dict[str, Any]) -> str:
    return function["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]


def role_of(function: dict[str, Any]) -> str:
    att = get_att(function["Properties"]["Role"])
    assert att is not None and att[1] == "Arn"
    return att[0]


def policy_documents(synth: Synth, role_id: str) -> list[dict[str, Any]]:
    """Every policy document that applies to a role: inline, attached managed, and AWS::IAM::Policy."""
    role = synth.resources[role_id]["Properties"]
    documents = [p["PolicyDocument"] for p in role.get("Policies", [])]
    for arn in role.get("ManagedPolicyArns", []):
        for logical_id in refs(arn):
            documents.append(synth.resources[logical_id]["Properties"]["PolicyDocument"])
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if role_id in refs(policy["Properties"].get("Roles", [])):
            documents.append(policy["Properties"]["PolicyDocument"])
    return documents


def statements(documents: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for document in documents:
        yield from as_list(document["Statement"])


def identity_policy_documents(synth: Synth) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM identity policy in the template (not resource policies such as key or queue policies)."""
    for logical_id, resource in synth.resources.items():
        properties = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            yield logical_id, properties["PolicyDocument"]
        elif resource["Type"] in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            for policy in properties.get("Policies", []):
                yield logical_id, policy["PolicyDocument"]


def logical_id_at(synth: Synth, path_suffix: str) -> str:
    """The logical id of the resource whose construct path ends with ``path_suffix`` (from aws:cdk:path)."""
    matches = [
        k for k, v in synth.resources.items() if v.get("Metadata", {}).get("aws:cdk:path", "").endswith(path_suffix)
    ]
    assert len(matches) == 1, f"{path_suffix}: {matches}"
    return matches[0]
