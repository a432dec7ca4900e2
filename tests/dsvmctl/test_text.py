"""What a person reads in the terminal and in the PR comment: only what changes, costs by item."""

from __future__ import annotations

from tests.helpers import Project


def test_text_diff_shows_only_what_changes_and_full_shows_all(project: Project) -> None:
    project.config["dsvm:members"][0]["vm_size"] = "Standard_D8s_v5"
    project.write()
    code, short = project.run("diff")
    assert code == 0, short
    assert "alice-vm" in short and "hardwareProfile.vmSize" in short
    assert "resizes Standard_D4s_v5 -> Standard_D8s_v5: restarts the VM" in short
    assert "bob-vm" not in short and "alice-nic" not in short and "dsvm-dev-nsg" not in short
    assert "dsvm:components:Workstation alice" in short  # the component that holds the change
    (vm_line,) = [line for line in short.splitlines() if "VirtualMachine alice-vm " in line]
    assert "delete-before-replace" not in vm_line  # an update in place deletes nothing
    code, full = project.run("diff", "--full")
    assert code == 0 and "bob-vm" in full and "dsvm-dev-nsg" in full


def test_a_refusal_is_printed_once_with_its_way_out(project: Project) -> None:
    project.config["dsvm:members"][1]["data_disk"]["size_gb"] = 64
    project.write()
    code, output = project.run("diff")
    assert code == 2
    assert "would be refused: BadRequest (below)" in output  # marked in the tree
    assert output.count("cannot be resized down") == 1  # and said once, whole
    assert output.count("Way out: disks only grow") == 1


def test_no_changes_comment_has_no_graph(project: Project) -> None:
    code, markdown = project.run("diff", "--markdown")
    assert code == 0
    assert "No changes." in markdown and "mermaid" not in markdown


def test_plan_prints_a_cost_table_by_item(tmp_path: object) -> None:
    from dsvmctl.cli import app
    from tests.helpers import ROOT, runner

    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert "Monthly cost estimate (USD)" in result.output
    assert "Standard_D4s_v5 Linux VM" in result.output and "Standard Bastion" in result.output
    assert "list prices of" in result.output


def test_a_replace_says_it_deletes_before_it_creates(project: Project) -> None:
    project.config["dsvm:image"]["version"] = "25.09.15"
    project.write()
    code, output = project.run("diff")
    assert code == 0, output
    (vm_line,) = [line for line in output.splitlines() if "VirtualMachine alice-vm " in line]
    assert "± azure-native:compute:VirtualMachine alice-vm  (delete-before-replace)" in vm_line
    from dsvmctl.cli import app
    from tests.helpers import runner

    plan = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(project.dir)]).output
    assert "VirtualMachine alice-vm  (delete-before-replace)" in plan  # a plan lists the option
