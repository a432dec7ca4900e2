"""Azure facts, each with its source: the bottom layer of the project.

Everything the program, the emulator, the cost estimate and the CLI know about
Azure lives here once, as rows a reviewer can read:

- ``regions``: region names, display names, availability zones;
- ``sizes``: VM sizes by series (vCPUs, memory, GPUs, temp disk, generations,
  Trusted Launch, premium storage, quota family, retirement);
- ``images``: the DSVM marketplace images and their known versions;
- ``disks``: managed disk SKUs, their size limits and billing tiers;
- ``roles``: built-in role definition ids;
- ``accounts``: admin user names Azure reserves, host name rules;
- ``timezones``: Windows time zone ids (auto-shutdown schedules, autoscale
  profiles; CLDR's table in ``data/``), their IANA zones, the id a wrong value means;
- ``quotas``: subscription quota profiles (``free``, ``payg``, or a file);
- ``arm_types``: per resource type, the properties that replace it or that
  Azure refuses to change, and the API version the pinned azure-native sends;
- ``prices``: the dated price snapshot (and ``python -m azurefacts.prices refresh``);
- ``paths``: dotted ARM property paths (``storageProfile.dataDisks[0].lun``).

This package imports nothing else of the project, and nothing of Pulumi.
Where a fact could not be confirmed from its source, its row says
``confirmed=False``.
"""
