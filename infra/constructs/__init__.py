"""The constructs a region stack is composed of: platform, service (from a manifest), monitoring, Lambda defaults,
tables and bundling."""
