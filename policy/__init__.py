"""The policy pack: security rules shared by ``pulumi preview --policy-pack policy`` and ``dsvmctl plan``.

``policy.rules`` holds the checks (plain functions, no Pulumi), ``policy.catalog`` names them
(name, description, fix, enforcement), ``policy.pack`` wraps them for pulumi-policy, and
``policy/__main__.py`` builds the ``PolicyPack`` (which serves the engine and never returns,
so nothing else constructs one).
"""
