"""``python -m azurefacts.prices refresh|show``: the price snapshot, rebuilt from the API or described.

``refresh`` reads the public Azure Retail Prices API (no account needed, network
needed) for the reference region and each ``--region``, prints what changes per
price (old -> new) and what the API did not return, and writes the files
atomically to ``--output`` (default: the shipped snapshot). ``--dry-run`` writes
nothing. A price the pricers need that is missing in the reference region (no
region to fall back to) stops the write unless ``--allow-missing``.

``show`` prints each file's date and age (warned past 90 days), source,
regions and item counts.

Exit codes: 0 ok; 1 refused (missing reference-region prices); 2 the API could
not be read, or a bad argument or snapshot.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from azurefacts import clock
from azurefacts.prices import REFERENCE_REGION, SNAPSHOT_DIR
from azurefacts.prices.refresh import API_URL, Getter, Refresh, RefreshError, http_get_json, refresh, write_snapshot
from azurefacts.prices.review import diff_lines, show_lines
from azurefacts.regions import REGIONS, normalize_location

OPTIONAL_SHOWN = 5  # optional prices missing (Spot): how many to name per region


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m azurefacts.prices", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("refresh", help="rebuild the snapshot from the Azure Retail Prices API")
    up.add_argument("--region", action="append", default=[], metavar="REGION",
                    help=f"a region to price besides {REFERENCE_REGION} (repeatable, or comma-separated)")  # fmt: skip
    up.add_argument("--output", type=Path, default=SNAPSHOT_DIR, metavar="DIR",
                    help="where to write vm.json and services.json (default: the shipped snapshot)")  # fmt: skip
    up.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    up.add_argument("--allow-missing", action="store_true",
                    help=f"write even when prices the estimate needs are missing in {REFERENCE_REGION}")  # fmt: skip
    up.add_argument("--api-url", default=API_URL, help="the API endpoint (a mirror, or a test server)")
    show = commands.add_parser("show", help="the snapshot's dates, age, sources, regions and item counts")
    show.add_argument("--dir", type=Path, default=SNAPSHOT_DIR, help="the snapshot directory (default: shipped)")
    return parser


def _regions(asked: Sequence[str]) -> list[str]:
    regions = [normalize_location(r) for text in asked for r in text.split(",") if r.strip()]
    unknown = [r for r in regions if r not in REGIONS]
    if unknown:
        raise ValueError(f"unknown region(s) {', '.join(unknown)}: azurefacts.regions has {', '.join(REGIONS)}")
    return regions


def _old(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        print(f"note: {path} could not be read ({error}); compared as a new file", file=sys.stderr)
        return None
    return data if isinstance(data, dict) else None


def _report(result: Refresh) -> list[str]:
    """What the API did not return, and anything odd it returned."""
    lines: list[str] = []
    required = [(r, k) for r, k, req in result.missing if req]
    if required:
        lines.append("Not returned by the API (not written; estimates outside the reference region use "
                     f"{REFERENCE_REGION}'s price and say so):")  # fmt: skip
        grouped: dict[str, list[str]] = {}
        for region, key in required:
            grouped.setdefault(f"{region}/{'/'.join(key[:-1])}", []).append(key[-1])
        lines += [f"  {where}: {', '.join(items)}" for where, items in sorted(grouped.items())]
    optional: dict[str, list[str]] = {}
    for region, key, req in result.missing:
        if not req:
            optional.setdefault(region, []).append("/".join(key))
    for region, keys in sorted(optional.items()):
        more = f" and {len(keys) - OPTIONAL_SHOWN} more" if len(keys) > OPTIONAL_SHOWN else ""
        lines.append(f"Optional prices not returned in {region} (Spot: the estimate assumes a fraction of "
                     f"pay-as-you-go): {', '.join(keys[:OPTIONAL_SHOWN])}{more}")  # fmt: skip
    lines += [f"note: {note}" for note in result.notes]
    return lines


def _progress(text: str) -> None:
    print(f"reading {text}", file=sys.stderr)


def run_refresh(args: argparse.Namespace, today: date, get: Getter) -> int:
    regions = _regions(args.region)
    out: Path = args.output
    result = refresh(regions, today=today, base_url=args.api_url, get=get, progress=_progress)
    missing = {f"{region}/{'/'.join(key)}" for region, key, _ in result.missing}

    def why(key: str) -> str:
        region = key.split("/", 1)[0]
        if region not in result.regions:
            return f"region not refreshed: pass --region {region} to keep it"
        return "not returned by the API" if key in missing else "not asked by the refresh"

    for name, data in result.files.items():
        print("\n".join(diff_lines(name, _old(out / name), data, why)))
    report = _report(result)
    if report:
        print("\n".join(report))
    blocking = result.blocking()
    if blocking and not args.allow_missing:
        print(f"Refused: {len(blocking)} price(s) the estimate needs are missing in {REFERENCE_REGION}, the "
              "reference region every other region falls back to; nothing written. Check the report above, then "
              "re-run with --allow-missing to write without them.", file=sys.stderr)  # fmt: skip
        return 1
    if args.dry_run:
        print(f"Dry run: nothing written to {out}.")
        return 0
    write_snapshot(out, result.files)
    print(f"Wrote {', '.join(str(out / name) for name in result.files)} (review: git diff -- {out}).")
    return 0


def main(argv: Sequence[str] | None = None, *, today: date | None = None, get: Getter | None = None) -> int:
    """The command line; ``today`` and ``get`` (one GET of a JSON page) are for tests."""
    args = _parser().parse_args(argv)
    today = today or clock.today()
    try:
        if args.command == "show":
            print("\n".join(show_lines(args.dir, today)))
            return 0
        return run_refresh(args, today, get or http_get_json)
    except RefreshError as error:
        print(f"price refresh failed: {error}. Nothing was written.", file=sys.stderr)
    except (OSError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
