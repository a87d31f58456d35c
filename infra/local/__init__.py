"""The local host: the whole region on one machine, no AWS account.

It starts the moto server, provisions the region into it from the same manifests and region config as the
AWS stack, seeds demo users, and plays the parts moto cannot play: the API gateway (Cognito JWT check, REST
proxy events, handlers called in-process), the pollers (SQS -> consumers, DynamoDB streams -> relays, in
Lambda's event shapes) and the ticker (sweepers on a schedule and after time travel).

``python -m infra.local run`` is the command line; :class:`infra.local.host.LocalHost` the same thing
in-process. moto keeps its state in module globals, so one process holds at most one local host.
"""
