"""What Azure accepts as a VM's admin user name and computer name.

Sources: Microsoft Learn, 'FAQ for Linux VMs' and 'FAQ for Windows VMs' ("the
following usernames are not allowed"; user name length); Microsoft Learn,
'Naming rules and restrictions for Azure resources' (Microsoft.Compute
virtualMachines: Windows computer names 1-15 characters, Linux host names 1-64,
the characters each refuses).
"""

from __future__ import annotations

import re

ACCOUNTS_SOURCE = "Microsoft Learn, 'FAQ for Linux VMs' / 'FAQ for Windows VMs' (reserved user names)"
NAMING_SOURCE = "Microsoft Learn, 'Naming rules and restrictions for Azure resources' (virtualMachines)"

# Admin user names Azure refuses on every OS.
RESERVED_ADMIN_USERNAMES = frozenset(
    {
        "administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1",
        "1", "123", "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david",
        "guest", "john", "owner", "root", "server", "sql", "support", "support_388945a0",
        "sys", "test2", "test3", "user4", "user5",
    }
)  # fmt: skip

WINDOWS_ADMIN_USERNAME_MAX = 20
LINUX_ADMIN_USERNAME_MAX = 64
WINDOWS_COMPUTER_NAME_MAX = 15
LINUX_COMPUTER_NAME_MAX = 64
# Characters a Windows computer name may not contain (the naming rules page).
WINDOWS_COMPUTER_NAME_FORBIDDEN = set("`~!@#$%^&*()=+_[]{}\\|;:.'\",<>/?")
LINUX_USERNAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,63}$", re.IGNORECASE)
LINUX_COMPUTER_NAME = re.compile(r"^[A-Za-z0-9-]+$")


def windows_computer_name_problem(name: str) -> str | None:
    """Why Azure refuses ``name`` as a Windows computer name, or None."""
    if not 1 <= len(name) <= WINDOWS_COMPUTER_NAME_MAX:
        return f"longer than {WINDOWS_COMPUTER_NAME_MAX} characters"
    if name.isdigit():
        return "entirely numeric"
    bad = sorted(set(name) & WINDOWS_COMPUTER_NAME_FORBIDDEN)
    if bad:
        return f"contains {' '.join(bad)}"
    return None


def linux_computer_name_problem(name: str) -> str | None:
    """Why Azure refuses ``name`` as a Linux host name, or None."""
    if not 1 <= len(name) <= LINUX_COMPUTER_NAME_MAX:
        return f"longer than {LINUX_COMPUTER_NAME_MAX} characters"
    if not LINUX_COMPUTER_NAME.match(name):
        return "has characters other than letters, digits and hyphens"
    return None
