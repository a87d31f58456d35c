"""A DynamoDB table from a ``TableDefinition``, always with the same protections (the infra tests check them)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from services.shared.manifest import KeyAttribute, TableDefinition

_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER, "B": dynamodb.AttributeType.BINARY}
_PROJECTIONS = {"ALL": dynamodb.ProjectionType.ALL, "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY}


def _attribute(key: KeyAttribute | None) -> dynamodb.Attribute | None:
    return dynamodb.Attribute(name=key.name, type=_TYPES[key.type]) if key is not None else None


def protected_table(scope: Construct, construct_id: str, definition: TableDefinition, key: kms.IKey) -> dynamodb.Table:
    """On demand, encrypted with the region's key, point-in-time recovery, deletion protection, retained.

    A stream (new images only: the relay reads outbox inserts) when the definition asks for one.
    """
    partition_key = _attribute(definition.partition_key)
    assert partition_key is not None
    table = dynamodb.Table(
        scope,
        construct_id,
        partition_key=partition_key,
        sort_key=_attribute(definition.sort_key),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        deletion_protection=True,
        removal_policy=RemovalPolicy.RETAIN,
        time_to_live_attribute=definition.ttl_attribute,
        stream=dynamodb.StreamViewType.NEW_IMAGE if definition.stream else None,
    )
    for index in definition.global_indexes:
        index_key = _attribute(index.partition_key)
        assert index_key is not None
        table.add_global_secondary_index(
            index_name=index.name,
            partition_key=index_key,
            sort_key=_attribute(index.sort_key),
            projection_type=_PROJECTIONS[index.projection],
        )
    return table


def index_arns(table: dynamodb.ITable, definition: TableDefinition) -> list[str]:
    """The table and each of its indexes by name: IAM statements never need ``index/*``."""
    return [table.table_arn, *(f"{table.table_arn}/index/{index.name}" for index in definition.global_indexes)]
