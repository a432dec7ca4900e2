"""The roster file (stacks/scale_out/roster.py): every bad row with its number and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stacks.scale_out.roster import MAX_PARTICIPANTS, RosterError, read_roster
from tests.helpers import ssh_key

HEADER = "username,ssh_public_key,email\n"


def csv_roster(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(header + "".join(row + "\n" for row in rows))
    return path


def problems(path: Path, passwords: bool = False, admin: str | None = "teacher") -> list[str]:
    with pytest.raises(RosterError) as info:
        read_roster(path, passwords, admin)
    return info.value.problems


def test_a_good_roster_reads_in_file_order(tmp_path: Path) -> None:
    path = csv_roster(tmp_path, f"ada_doe,{ssh_key('ada')},ada@example.edu", "", " , ,", "ben-roe,,")
    ada, ben = read_roster(path, passwords=True)
    assert (ada.username, ada.email, ada.row) == ("ada_doe", "ada@example.edu", 2)
    assert ada.ssh_public_key == ssh_key("ada") and (ben.username, ben.ssh_public_key, ben.row) == ("ben-roe", None, 5)


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ("Ada,,", "row 2: 'Ada' has upper case letters"),
        ("root,,", "row 2: 'root' is reserved"),
        ("admin,,", "row 2: 'admin' is reserved"),
        ("teacher,,", "row 2: 'teacher' is reserved"),  # the stack's admin
        ("1ada,,", "row 2: '1ada' is not a user name"),
        ("a" + "b" * 32 + ",,", "is not a user name: start with a letter, then up to 31"),  # 33 characters
        (",,nobody@example.edu", "row 2: no username"),
        ("ada,ssh-ed25519 AAAA,", "row 2: ssh_public_key: the key's"),
        ("ada,,ada-at-example.edu", "row 2: 'ada-at-example.edu' is not an email address"),
    ],
)
def test_each_bad_row_is_named_with_its_fix(tmp_path: Path, row: str, fragment: str) -> None:
    found = problems(csv_roster(tmp_path, row), passwords=True)
    assert any(fragment in p for p in found), found


def test_a_32_character_user_name_is_the_longest(tmp_path: Path) -> None:
    (longest,) = read_roster(csv_roster(tmp_path, "a" + "b" * 31 + ",,"), passwords=True)
    assert len(longest.username) == 32


def test_a_missing_key_needs_passwords_allowed(tmp_path: Path) -> None:
    path = csv_roster(tmp_path, f"ada,{ssh_key('ada')},", "ben,,")
    (problem,) = problems(path)
    assert problem.startswith("row 3: 'ben' has no ssh_public_key") and "roster.passwords: true" in problem
    assert len(read_roster(path, passwords=True)) == 2


def test_duplicates_name_both_rows(tmp_path: Path) -> None:
    (problem,) = problems(csv_roster(tmp_path, "ada,,", "ben,,", "ada,,"), passwords=True)
    assert problem == "row 4: 'ada' appears twice (also row 2); each participant once"


def test_every_bad_row_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(csv_roster(tmp_path, "Ada,,", "ok,,", "root,,"), passwords=True)
    assert [p.split(":")[0] for p in found] == ["row 2", "row 4"]


def test_more_than_1000_participants_are_refused(tmp_path: Path) -> None:
    path = csv_roster(tmp_path, *(f"p{i:04d},," for i in range(MAX_PARTICIPANTS + 1)))
    assert any("1001 participants" in p and "split the roster" in p for p in problems(path, passwords=True))
    path = csv_roster(tmp_path, *(f"p{i:04d},," for i in range(MAX_PARTICIPANTS)))
    assert len(read_roster(path, passwords=True)) == MAX_PARTICIPANTS


@pytest.mark.parametrize(("header", "fragment"), [("name,key\n", "unknown column(s): name, key"),
                                                  ("username,phone\n", "unknown column(s): phone"),
                                                  ("ssh_public_key,email\n", "username is missing")])  # fmt: skip
def test_the_header_names_the_columns(tmp_path: Path, header: str, fragment: str) -> None:
    (problem,) = problems(csv_roster(tmp_path, "ada,x", header=header), passwords=True)
    assert problem.startswith("row 1 (the header)") and fragment in problem


def test_an_empty_roster_is_refused(tmp_path: Path) -> None:
    assert problems(csv_roster(tmp_path), passwords=True) == [
        "no participants; list at least one (username, optional ssh_public_key and email)"
    ]
    for name in ("empty.csv", "empty.yaml"):
        (tmp_path / name).write_text("\n  \n")
        (problem,) = problems(tmp_path / name, passwords=True)
        assert problem.startswith("is empty; write the participants in it: a header row `username,ssh_public_key")


def test_a_yaml_roster_names_entries(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump([{"username": "ada", "ssh_public_key": ssh_key("ada")}, {"username": "Ben"}]))
    found = problems(path, passwords=True)
    assert found == ["entry 2: 'Ben' has upper case letters, which Linux user names and JupyterHub refuse: 'ben'"]
    path.write_text(yaml.safe_dump({"participants": [{"username": "ada", "email": "ada@example.edu"}]}))
    (ada,) = read_roster(path, passwords=True)
    assert ada.email == "ada@example.edu" and ada.row == 1


def test_other_formats_and_broken_yaml_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "roster.txt"
    text.write_text("ada\n")
    assert "neither .csv nor .yaml" in problems(text)[0]
    broken = tmp_path / "roster.yaml"
    broken.write_text("- username: [ada\n")
    assert "not valid YAML" in problems(broken)[0]


def test_classroom_md_roster_change_is_what_the_diff_prints(tmp_path: Path) -> None:
    """docs/CLASSROOM.md, 'Changing the roster mid-course', as written: eli_doe leaves and zoe_late joins, then
    an email changes; the two diff summaries and the scale set's line are the diff's own."""
    import shutil

    from dsvmctl.cli import app
    from tests.helpers import ROOT, runner

    for name in ("Pulumi.yaml", "Pulumi.classroom.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "rosters", tmp_path / "rosters")
    where = ["-s", "classroom", "--project-dir", str(tmp_path), "--state-dir", str(tmp_path / "state")]
    assert runner.invoke(app, ["up", *where]).exit_code == 0
    roster = tmp_path / "rosters/classroom.csv"
    original = roster.read_text()
    lines = [line for line in original.splitlines() if not line.startswith("eli_doe,")]
    roster.write_text("\n".join([*lines, "zoe_late,,zoe.late@example.edu"]) + "\n")
    doc = (ROOT / "docs/CLASSROOM.md").read_text()
    moved = runner.invoke(app, ["diff", *where]).output.splitlines()
    (summary,) = [line for line in moved if line.startswith("+0 ~1")]
    assert f"{summary.split(';')[0]};" in doc
    (vmss,) = [line for line in moved if "~ azure-native:compute:VirtualMachineScaleSet" in line]
    assert vmss.strip() in doc
    roster.write_text(original.replace("ada.doe@example.edu", "ada@example.edu"))
    (unchanged,) = [line for line in runner.invoke(app, ["diff", *where]).output.splitlines()
                    if line.startswith("+0 ~0")]  # fmt: skip
    assert f"`{unchanged.split(';')[0]}`" in doc
