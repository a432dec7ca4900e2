"""The DSVM image every machine of a stack runs, and the VM size checks."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import Field, field_validator, model_validator

from azurefacts import clock
from azurefacts.images import DSVM_IMAGES, DsvmImage
from azurefacts.sizes import SIZE_NAME, VM_SIZES, suggest_size
from stacks.config.base import PROMOTED, Model, PathError

OsImage = Literal["ubuntu-2204", "ubuntu-2004", "windows-2022", "windows-2019"]


class ImageConfig(Model):
    """The DSVM marketplace image every workstation of the stack runs."""

    os: OsImage = Field(
        description="Required. DSVM image: `ubuntu-2204`, `ubuntu-2004`, `windows-2022` or `windows-2019`."
    )
    version: str = Field(
        description=(
            "Required. Pinned image version (e.g. `25.05.20`), the same for every member; promote "
            "the pin dev -> staging -> prod. `latest` is refused: it drifts between members."
        ),
        json_schema_extra=PROMOTED,
    )

    @field_validator("version")
    @classmethod
    def _pinned(cls, value: str) -> str:
        if not re.match(r"^\d+\.\d+\.\d+$", value):
            raise ValueError(
                f"'{value}' is not a pinned version; use a version such as 25.05.20 "
                "(az vm image list --publisher microsoft-dsvm --all)"
            )
        return value

    @model_validator(mode="after")
    def _known_version(self) -> ImageConfig:
        image = self.facts
        if image.find_version(self.version) is None:
            nearest = ", ".join(image.nearest_versions(self.version))
            raise PathError(
                "version",
                f"'{self.version}' is not a known version of the {self.os} DSVM image; known versions nearest to "
                f"it: {nearest} (`dsvmctl images` lists them all)",
            )
        return self

    @property
    def facts(self) -> DsvmImage:
        """What azurefacts knows of this image."""
        return DSVM_IMAGES[self.os]

    @property
    def is_windows(self) -> bool:
        return self.facts.is_windows


def vm_size_problem(value: str, today: date | None = None) -> str | None:
    """Why a stack cannot use this VM size, or None.

    A size ``azurefacts`` does not know passes (Azure may well offer it; the emulator
    says it cannot plan it), unless it differs from a known size only in case or
    punctuation, which is a typo.
    """
    size = VM_SIZES.get(value)
    if size is None:
        near = suggest_size(value)
        if near is not None and re.sub(r"[^a-z0-9]", "", near.lower()) == re.sub(r"[^a-z0-9]", "", value.lower()):
            return f"'{value}' is not a VM size; did you mean {near}?"
        if not SIZE_NAME.match(value):
            return f"'{value}' is not an Azure VM size name; use e.g. Standard_D4s_v5"
        return None
    if size.retired(today or clock.today()):
        return (
            f"{value} ({size.series}) was retired on {size.retired_on}; pick a current size such as "
            "Standard_D4s_v5 (CPU) or Standard_NC4as_T4_v3 (GPU)"
        )
    if not size.encryption_at_host:
        return (
            f"{value} does not support encryption at host, which every workstation uses; pick a "
            "current size such as Standard_D4s_v5 (CPU) or Standard_NC4as_T4_v3 (GPU)"
        )
    # Premium storage is checked with the disks the VM gets (stacks.config.os_disk.premium_problem).
    return None


def check_vm_size(value: str, path: str | None = None) -> str:
    """``value`` if a stack may use it, else a ``ValueError`` (a ``PathError`` at ``path``)."""
    message = vm_size_problem(value)
    if message:
        raise PathError(path, message) if path else ValueError(message)
    return value
