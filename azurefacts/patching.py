"""Azure Update Manager's scheduled patching of VMs: the rules, with their sources.

- A maintenance configuration (``Microsoft.Maintenance/maintenanceConfigurations``) with scope ``InGuestPatch``
  and ``extensionProperties.InGuestPatchMode: User`` holds the window: a start (``YYYY-MM-DD hh:mm``, today or
  later when it is created), a duration (``HH:mm``, at most 3 hours 55 minutes), a Windows time zone id and a
  recurrence (``Week Saturday``, ``Day``, ``Month Second Tuesday`` ...); and what to install (classifications
  per OS, the reboot setting). Microsoft Learn, 'How to programmatically manage updates for Azure VMs' and
  'Scheduling recurring updates in Azure Update Manager' ("The upper maintenance window is 3 hours 55 minutes").
- A configuration assignment (``Microsoft.Maintenance/configurationAssignments``, an extension resource of the
  VM) attaches it to a VM.
- The VM's patch orchestration must be "Customer Managed Schedules": ``patchMode: AutomaticByPlatform`` with
  ``automaticByPlatformSettings.bypassPlatformSafetyChecksOnUserSchedule: true``; without the flag, a VM with a
  schedule is patched by neither ("prerequisites for schedule patch aren't met"); the settings are set on an
  existing VM in place (a PATCH of the VM: 'Configure schedule patching on Azure VMs for business continuity').
  ``AutomaticByPlatform`` needs the VM agent; on Windows ``enableAutomaticUpdates`` too ('Automatic Guest
  Patching for Azure Virtual Machines and Scale Sets'). Periodic assessment: ``assessmentMode:
  AutomaticByPlatform`` ('Periodic assessment', every 24 hours).
- With ``AutomaticByPlatform`` the platform owns patching: Ubuntu's own unattended upgrades are switched off
  by the patch extension (Azure/LinuxPatchExtension, "disabling auto OS updates"), so a VM is patched in a
  window only; **a deallocated VM is not patched** (nothing runs on it).
- Scale sets: Update Manager's schedules do not support Virtual Machine Scale Sets ('Unsupported workloads for
  Azure Update Manager': use automatic OS image upgrades instead); automatic VM guest patching without a schedule
  applies to Flexible scale sets "during all hours" ('Automatic VM guest patching for Azure VMs'): docs/CLASSROOM.md.
- Marketplace images Update Manager supports are listed by publisher, offer and plan ('Azure Update Manager
  support matrix for updates', 2025-02-03): of the DSVM images, ``microsoft-dsvm`` ``ubuntu-2004`` (2004,
  2004-gen2), ``dsvm-win-2019`` and ``dsvm-win-2022`` are listed; ``ubuntu-2204`` is not (its ``ubuntu-hpc``
  2204 sibling is). For an image not listed, whether the scheduled runs patch it is not confirmed.

Starting the deallocated VMs for the window: the program's Logic App (``components/patch_start.py``,
``azurefacts/logic_apps.py``) starts them ``start_lead_minutes`` before it, on a weekly Recurrence in the stack's time
zone, with its managed identity. Update Manager's pre-events were the other way ('About pre and post events', 'Manage
pre and post events'): an Event Grid subscription on the configuration whose handler (a webhook to an Automation
runbook, an Azure Function) must hold the code that starts the VMs, with the webhook's URL a secret; the event fires
20 to 40 minutes before the window, and a machine changed within 40 minutes of it waits for the next run.

Not confirmed: the smallest window (``MIN_WINDOW_MINUTES``, the portal's 1 hour 30 minutes).
"""

from __future__ import annotations

from dataclasses import dataclass

UPDATE_MANAGER_SOURCE = (
    "Microsoft Learn, 'Scheduling recurring updates in Azure Update Manager', 'How to programmatically manage updates "
    "for Azure VMs', 'Configure schedule patching on Azure VMs for business continuity'"
)
IN_GUEST_PATCH = "InGuestPatch"
PATCH_MODE = "AutomaticByPlatform"
MAX_WINDOW_MINUTES = 3 * 60 + 55
MIN_WINDOW_MINUTES = 90  # not confirmed
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
REBOOT_SETTINGS = ("IfRequired", "Never", "Always")
LINUX_CLASSIFICATIONS = ("Critical", "Security", "Other")
WINDOWS_CLASSIFICATIONS = (
    "Critical", "Security", "UpdateRollup", "FeaturePack", "ServicePack", "Definition", "Tools", "Updates",
)  # fmt: skip

# (publisher, offer, sku) of the DSVM images -> listed in Update Manager's support matrix (2025-02-03).
UPDATE_MANAGER_LISTED: dict[tuple[str, str, str], bool] = {
    ("microsoft-dsvm", "ubuntu-2204", "2204-gen2"): False,
    ("microsoft-dsvm", "ubuntu-2004", "2004-gen2"): True,
    ("microsoft-dsvm", "dsvm-win-2022", "winserver-2022"): True,
    ("microsoft-dsvm", "dsvm-win-2019", "server-2019"): True,
}


@dataclass(frozen=True)
class Window:
    """A weekly window: its day, start (minutes after midnight, local time) and length in minutes."""

    day: str
    start_minutes: int
    minutes: int

    @property
    def recur_every(self) -> str:
        """The maintenance configuration's recurrence (``Week Saturday``)."""
        return f"Week {self.day}"

    @property
    def start_text(self) -> str:
        return f"{self.start_minutes // 60:02d}:{self.start_minutes % 60:02d}"

    @property
    def duration_text(self) -> str:
        return f"{self.minutes // 60:02d}:{self.minutes % 60:02d}"

    def earlier(self, minutes: int) -> Window:
        """This window opened ``minutes`` earlier and ending as it does (its day may be the day before: a window at
        Monday 00:15 opened 30 minutes earlier starts on Sunday at 23:45)."""
        begin = (DAYS.index(self.day) * 1440 + self.start_minutes - minutes) % (7 * 1440)
        return Window(DAYS[begin // 1440], begin % 1440, self.minutes + minutes)

    def weekly_spans(self) -> list[tuple[int, int]]:
        """The window as minutes of the week (Monday 00:00 = 0), split where it crosses the week's end."""
        begin = DAYS.index(self.day) * 1440 + self.start_minutes
        end = begin + self.minutes
        week = 7 * 1440
        return [(begin, min(end, week))] + ([(0, end - week)] if end > week else [])


def overlaps(window: Window, spans: list[tuple[int, int]]) -> bool:
    """Whether the window meets any of ``spans`` (minutes of the week)."""
    return any(a < d and c < b for a, b in window.weekly_spans() for c, d in spans)


def window_problem(minutes: int) -> str | None:
    """Why a window length is not one Azure takes for in-guest patching (None: it is)."""
    if minutes > MAX_WINDOW_MINUTES:
        return f"a window of {minutes // 60}:{minutes % 60:02d} is longer than Azure's 3:55 for guest patching"
    if minutes < MIN_WINDOW_MINUTES:
        return f"a window of {minutes // 60}:{minutes % 60:02d} is shorter than 1:30, the least Update Manager offers"
    return None


def listed(publisher: str, offer: str, sku: str) -> bool | None:
    """Whether Update Manager's support matrix lists the image (None: an image these facts do not know)."""
    return UPDATE_MANAGER_LISTED.get((publisher.lower(), offer.lower(), sku.lower()))


def utc_spans(window: Window, iana: str, year: int) -> list[tuple[int, int]]:
    """The window as minutes of the UTC week (Monday 00:00 = 0; a span may start before 0 or end after a week) for
    each offset its time zone has in ``year`` (standard and daylight time: Update Manager follows the zone's daylight
    saving time, so the idle watcher holds off in both)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(iana)
        offsets = sorted({int(datetime(year, m, 1, 12, tzinfo=zone).utcoffset().total_seconds()) // 60  # type: ignore[union-attr]
                          for m in (1, 7)})  # fmt: skip
    except ZoneInfoNotFoundError:
        offsets = [0]  # no time zone database here: the window as if in UTC
    return sorted({(begin - offset, end - offset) for offset in offsets for begin, end in window.weekly_spans()})
