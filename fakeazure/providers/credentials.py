"""What Azure accepts as a VM's credentials: OpenSSH public keys and Windows admin passwords.

- SSH keys: ``<type> <base64 blob> [comment]``, type ssh-rsa or ssh-ed25519, the
  blob naming the same type; RSA moduli of 2048 bits or more (Microsoft Learn,
  'Supported SSH key formats').
- Windows passwords: 8-123 characters, 3 of 4 character classes, not one of the
  passwords Azure refuses outright (Microsoft Learn, 'FAQ for Windows VMs').
"""

from __future__ import annotations

import base64
import binascii
import struct

from fakeazure import errors

# Azure refuses these Windows passwords outright (Microsoft Learn, 'FAQ for Windows VMs').
_FORBIDDEN_PASSWORDS = {
    "abc@123",
    "iloveyou!",
    "p@$$w0rd",
    "p@ssw0rd",
    "p@ssword123",
    "pa$$word",
    "pass@word1",
    "password!",
    "password1",
    "password22",
}


def check_ssh_key(key: str, target: str) -> None:
    """An OpenSSH public key: '<type> <base64 blob> [comment]', the blob naming the same type."""
    parts = key.strip().split()
    error = errors.invalid_parameter(
        "The value of parameter linuxConfiguration.ssh.publicKeys.keyData is invalid.",
        target,
    )
    if len(parts) < 2 or parts[0] not in ("ssh-rsa", "ssh-ed25519"):
        raise error
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise error from exc
    if len(blob) < 4:
        raise error
    (length,) = struct.unpack(">I", blob[:4])
    if blob[4 : 4 + length].decode(errors="replace") != parts[0]:
        raise error
    if parts[0] == "ssh-rsa":
        # e, n as length-prefixed mpints; Azure requires RSA keys of 2048 bits or more.
        offset = 4 + length
        try:
            (e_len,) = struct.unpack(">I", blob[offset : offset + 4])
            offset += 4 + e_len
            (n_len,) = struct.unpack(">I", blob[offset : offset + 4])
        except struct.error as exc:  # a truncated blob is as malformed as a bad type string
            raise error from exc
        n = blob[offset + 4 : offset + 4 + n_len].lstrip(b"\x00")
        if len(n) * 8 < 2048:
            raise errors.invalid_parameter("SSH RSA keys must be at least 2048 bits long.", target)


def check_windows_password(password: str) -> None:
    # ARM: "The supplied password must be between 8-123 characters long and must satisfy
    # at least 3 of password complexity requirements" (lower, upper, digit, special).
    classes = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if not 8 <= len(password) <= 123 or classes < 3 or password.lower() in _FORBIDDEN_PASSWORDS:
        raise errors.invalid_parameter(
            "The supplied password must be between 8-123 characters long and must satisfy at "
            "least 3 of password complexity requirements from the following: 1) Contains an "
            "uppercase character 2) Contains a lowercase character 3) Contains a numeric digit "
            "4) Contains a special character 5) Control characters are not allowed",
            "adminPassword",
        )
