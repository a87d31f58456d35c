"""A test-only service that proves the plumbing through the local host. Never shipped, never deployed.

It uses the kernel exactly as a real service does: a table with its own discriminator and outbox entity,
an API whose write puts the item, its event and an audit record in one transaction, a consumer that
records each effect (and fails on purpose for items marked ``fail``), and a sweeper that counts its runs.
"""
