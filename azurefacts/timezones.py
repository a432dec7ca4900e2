"""Windows time zone ids, as DevTest Labs auto-shutdown schedules and autoscale profiles take them.

The facts are data, ``data/windows_time_zones.json``: one row per Windows time zone id
(the ids ``tzutil /l`` prints, Microsoft Learn 'Default time zones'), as the Unicode CLDR
mapping ``common/supplemental/windowsZones.xml`` (github.com/unicode-org/cldr) lists
them: the Windows display name (CLDR's comment), the IANA zone of territory ``001`` and
the IANA zones of the other territories (``aliases``, CLDR's space-separated lists).
``iana_links`` adds the IANA names tzdata (2025b) links to one of those zones
(``Asia/Kolkata`` = ``Asia/Calcutta``, ``Europe/Kyiv`` = ``Europe/Kiev``, ``US/Pacific``),
so that they map back too. Not listed: the ids Windows keeps only for old settings
(``Mid-Atlantic Standard Time``, ``Kamchatka Standard Time``: "- Old"), which CLDR dropped.

``time_zone_problem`` says what is wrong with a value and the id to use (an IANA name,
another case, an abbreviation, a city, a typo); ``suggest_time_zone`` gives that id.
Ids are matched exactly, as the table writes them.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path

TIME_ZONES_SOURCE = (
    "Unicode CLDR common/supplemental/windowsZones.xml (the Windows ids of `tzutil /l`, "
    "Microsoft Learn 'Default time zones'); data/windows_time_zones.json"
)
DATA_FILE = Path(__file__).parent / "data" / "windows_time_zones.json"


@dataclass(frozen=True)
class WindowsTimeZone:
    """One Windows time zone: its id, display name, IANA zone (CLDR ``001``) and other IANA zones."""

    id: str
    display: str
    iana: str
    aliases: tuple[str, ...]


def _load() -> tuple[dict[str, WindowsTimeZone], dict[str, str]]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    zones = {
        row["id"]: WindowsTimeZone(row["id"], row["display"], row["iana"], tuple(row["aliases"]))
        for row in data["zones"]
    }
    to_windows: dict[str, str] = {}
    for zone in zones.values():
        for name in (zone.iana, *zone.aliases):
            to_windows.setdefault(name, zone.id)
    for link, target in data["iana_links"].items():
        to_windows.setdefault(link, to_windows[target])
    return zones, to_windows


TIME_ZONES, IANA_TO_WINDOWS = _load()
WINDOWS_TIME_ZONES: frozenset[str] = frozenset(TIME_ZONES)
WINDOWS_TO_IANA: dict[str, str] = {zone.id: zone.iana for zone in TIME_ZONES.values()}

# Common abbreviations, for suggestions only (a guess the message says is one): where an
# abbreviation is shared (CST: US Central and China; IST: India, Israel, Ireland), the
# first reading wins; the message shows the display name so the reader can check it.
ABBREVIATIONS: dict[str, str] = {
    **dict.fromkeys(("PST", "PDT", "PT"), "Pacific Standard Time"),
    **dict.fromkeys(("MST", "MDT", "MT"), "Mountain Standard Time"),
    **dict.fromkeys(("CST", "CDT", "CT"), "Central Standard Time"),
    **dict.fromkeys(("EST", "EDT", "ET"), "Eastern Standard Time"),
    **dict.fromkeys(("AKST", "AKDT"), "Alaskan Standard Time"),
    **dict.fromkeys(("HST", "HAST"), "Hawaiian Standard Time"),
    **dict.fromkeys(("NST", "NDT"), "Newfoundland Standard Time"),
    **dict.fromkeys(("BST", "WET", "WEST"), "GMT Standard Time"),
    **dict.fromkeys(("CET", "CEST", "MEZ", "MESZ"), "W. Europe Standard Time"),
    **dict.fromkeys(("EET", "EEST"), "FLE Standard Time"),
    **dict.fromkeys(("MSK",), "Russian Standard Time"),
    **dict.fromkeys(("IST",), "India Standard Time"),
    **dict.fromkeys(("JST",), "Tokyo Standard Time"),
    **dict.fromkeys(("KST",), "Korea Standard Time"),
    **dict.fromkeys(("HKT",), "China Standard Time"),
    **dict.fromkeys(("SGT",), "Singapore Standard Time"),
    **dict.fromkeys(("AEST", "AEDT"), "AUS Eastern Standard Time"),
    **dict.fromkeys(("ACST", "ACDT"), "Cen. Australia Standard Time"),
    **dict.fromkeys(("AWST",), "W. Australia Standard Time"),
    **dict.fromkeys(("NZST", "NZDT"), "New Zealand Standard Time"),
    **dict.fromkeys(("SAST",), "South Africa Standard Time"),
    **dict.fromkeys(("BRT",), "E. South America Standard Time"),
}

_WINDOWS_FOLDED = {zone.casefold(): zone for zone in WINDOWS_TIME_ZONES}
_IANA_FOLDED = {name.casefold(): name for name in IANA_TO_WINDOWS}
_OFFSET = re.compile(r"^(?:utc|gmt)\s*([+-])\s*(\d{1,2})(?::?00)?$")
_FILLER = ("standard", "time")  # words every other id has: a typo match on them means nothing


def _core(text: str) -> str:
    """The words of a (case-folded) name that tell ids apart: without ``standard`` and ``time``."""
    words = [w for w in text.split() if not difflib.get_close_matches(w, _FILLER, n=1, cutoff=0.7)]
    return " ".join(words)


_CORES = {_core(folded): zone for folded, zone in _WINDOWS_FOLDED.items()}


def _cities() -> dict[str, str]:
    """``tokyo`` -> ``Tokyo Standard Time``: the last part of the IANA names, where it names one id."""
    found: dict[str, set[str]] = {}
    for name, zone in IANA_TO_WINDOWS.items():
        if "/" in name and not name.startswith("Etc/"):
            found.setdefault(name.rsplit("/", 1)[1].replace("_", " ").casefold(), set()).add(zone)
    return {city: zones.pop() for city, zones in found.items() if len(zones) == 1}


_CITIES = _cities()


def _diagnose(value: str) -> tuple[str, str] | None:
    """``(kind, id)``: how a value that is not an id relates to the id it most likely means."""
    text = " ".join(value.split())
    folded = text.casefold()
    if folded in _WINDOWS_FOLDED:
        return "spelling", _WINDOWS_FOLDED[folded]
    if folded in _IANA_FOLDED:
        return "iana", IANA_TO_WINDOWS[_IANA_FOLDED[folded]]
    if text.upper() in ABBREVIATIONS:
        return "abbreviation", ABBREVIATIONS[text.upper()]
    if folded in _CITIES:
        return "close", _CITIES[folded]
    offset = _OFFSET.match(folded)
    if offset:  # a fixed offset: only its own UTC±hh id, never a near spelling of another offset
        zone = f"UTC{offset[1]}{int(offset[2]):02d}" if int(offset[2]) else "UTC"
        return ("close", zone) if zone in WINDOWS_TIME_ZONES else None
    if "/" in text:
        near = difflib.get_close_matches(folded, sorted(_IANA_FOLDED), n=1, cutoff=0.8)
        if near:
            return "close", IANA_TO_WINDOWS[_IANA_FOLDED[near[0]]]
    core = _core(re.sub(r"[/_]", " ", folded))
    near = difflib.get_close_matches(core, sorted(_CORES), n=1, cutoff=0.75) if core else []
    return ("close", _CORES[near[0]]) if near else None


def suggest_time_zone(value: str) -> str | None:
    """The Windows id ``value`` most likely means (``value`` itself when it is one), or None."""
    if value in WINDOWS_TIME_ZONES:
        return value
    found = _diagnose(value)
    return found[1] if found else None


def time_zone_problem(value: str) -> str | None:
    """None when ``value`` is a Windows time zone id; else what is wrong and the id to use."""
    if value in WINDOWS_TIME_ZONES:
        return None
    if not value.strip():
        return "a Windows time zone id is required, e.g. 'W. Europe Standard Time' (`tzutil /l` lists them)"
    found = _diagnose(value)
    if found is None and _OFFSET.match(" ".join(value.split()).casefold()):
        fixed = ", ".join(sorted(z for z in WINDOWS_TIME_ZONES if z.startswith("UTC")))
        return (
            f"'{value}' is not a Windows time zone id; Windows has fixed-offset ids only for {fixed}: "
            "use the id of a place instead, e.g. 'W. Europe Standard Time' (`tzutil /l` lists them)"
        )
    if found is None:
        return (
            f"'{value}' is not a Windows time zone id; use one such as 'W. Europe Standard Time' or "
            "'Eastern Standard Time' (`tzutil /l` lists them, as does azurefacts/data/windows_time_zones.json)"
        )
    kind, zone = found
    display = TIME_ZONES[zone].display
    if kind == "iana":
        return f"'{value}' is an IANA name; Azure schedules take Windows ids: use '{zone}' [{display}]"
    if kind == "spelling":
        return f"'{value}' is not a Windows time zone id as written (ids are matched exactly): use '{zone}'"
    if kind == "abbreviation":
        return f"'{value}' is an abbreviation, not a Windows time zone id; did you mean {zone} [{display}]?"
    return f"'{value}' is not a Windows time zone id; did you mean {zone} [{display}]?"
