"""The pull request's comment on one stack's Azure preview, success or failure: ``python -m dsvmctl.preview_comment``.

pulumi/actions comments only when the command succeeds: a preview stopped by a mandatory policy, a
provider error or a failed login left a red check and no word on the pull request. ``pr.yml`` therefore
runs ``pulumi preview --policy-pack policy --diff`` itself, keeps its whole output, and posts what this
renders as ONE comment per stack (found by its marker, edited on every push): on success the change
summary and the diff; on failure what stopped it (the policy violations, the ``error:`` lines) first,
then the end of the log. GitHub keeps a comment under 65,536 characters; the log is cut to fit.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

LIMIT = 60000  # characters of log in one comment (GitHub's limit is 65,536 for the whole body)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def marker(stack: str) -> str:
    return f"<!-- pulumi-preview:{stack} -->"


def what_stopped_it(log: str) -> list[str]:
    """The lines that say why a preview failed: policy violations (each with its indented detail) and errors."""
    found: list[str] = []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        text = line.strip()
        if "[mandatory]" in text:
            found.append(text)
            found += [d.strip() for d in _indented_after(lines, i)]
        elif text.startswith("error:") or re.match(r"^\S.*\berror:\s", text):
            found.append(text)
    return list(dict.fromkeys(found))  # once each, in order


def _indented_after(lines: list[str], index: int) -> list[str]:
    depth = len(lines[index]) - len(lines[index].lstrip())
    out = []
    for line in lines[index + 1 :]:
        if not line.strip() or len(line) - len(line.lstrip()) <= depth:
            break
        out.append(line)
    return out


def summary(log: str) -> list[str]:
    """The preview's ``Resources:`` block (``+ 2 to create`` ...), as the CLI prints it."""
    lines = log.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "Resources:"), None)
    if start is None:
        return []
    return [line.strip() for line in _indented_after(lines, start)]


def render(stack: str, log: str, exit_code: int) -> str:
    log = _ANSI.sub("", log)
    tail = log if len(log) <= LIMIT else "… (the start is in the job's log)\n" + log[-LIMIT:]
    lines = [marker(stack)]
    if exit_code == 0:
        lines += [f"### ✅ `pulumi preview --policy-pack policy` of `{stack}` (Azure)", ""]
        lines += [f"- {s}" for s in summary(log)] or ["No summary in the output; the diff is below."]
        lines += ["", "<details><summary>The preview</summary>", "", "```diff", tail.strip(), "```", "</details>"]
    else:
        lines += [f"### ⛔ `pulumi preview --policy-pack policy` of `{stack}` (Azure) failed (exit {exit_code})", ""]
        stopped = what_stopped_it(log)
        if stopped:
            lines += ["What stopped it:", "", "```", *stopped, "```"]
        else:
            lines += ["The output names no policy violation or error line; the end of the log:", "",
                      "```", *log.strip().splitlines()[-40:], "```"]  # fmt: skip
        lines += ["", "<details><summary>The whole output</summary>", "", "```", tail.strip(), "```", "</details>"]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dsvmctl.preview_comment",
                                     description=(__doc__ or "").splitlines()[0])  # fmt: skip
    parser.add_argument("stack")
    parser.add_argument("--log", type=Path, required=True, help="the preview's stdout and stderr")
    parser.add_argument("--exit", type=int, required=True, dest="exit_code", help="the preview's exit code")
    args = parser.parse_args(argv)
    try:
        log = args.log.read_text(errors="replace")
    except OSError as error:
        log = f"(no output: {error})"
    sys.stdout.write(render(args.stack, log, args.exit_code))
    return 0


if __name__ == "__main__":
    sys.exit(main())
