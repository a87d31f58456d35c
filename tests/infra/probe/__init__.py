"""A test-only service that uses every kind of function, so the infra tests see consumers and sweepers too.

Never shipped: the region stacks include it only when synthesized with ``-c extra_manifests=...``.
"""
