"""Errors raised by the emulator.

``ArmError`` carries the code Azure Resource Manager returns for the same
request (``InvalidParameter``, ``SkuNotAvailable``, ``QuotaExceeded`` ...), so a
test or a user reads the same code they would see from ``pulumi up``.
``FakeAzureError`` is the emulator's own complaint: something it does not
emulate, or a program bug that Azure would not report (two Pulumi resources
managing one ARM id). Neither is ever swallowed: a fake that silently accepts
anything is worse than none.
"""

from __future__ import annotations


class FakeAzureError(Exception):
    """The emulator cannot answer: unknown type or invoke, or a program bug."""


class UnknownResourceType(FakeAzureError):  # noqa: N818 - public name
    """A resource type token the emulator does not model."""

    def __init__(self, token: str) -> None:
        super().__init__(
            f"fakeazure does not emulate resource type '{token}'; add a provider in "
            "fakeazure/providers/ before using it"
        )
        self.token = token


class UnknownInvoke(FakeAzureError):  # noqa: N818 - public name
    """A function (invoke) token the emulator does not model."""

    def __init__(self, token: str) -> None:
        super().__init__(
            f"fakeazure does not emulate invoke '{token}'; add it to fakeazure/providers/"
        )
        self.token = token


class ArmError(Exception):
    """An error Azure Resource Manager would return for the same request.

    ``code`` is ARM's error code, ``target`` the offending property (dotted,
    as ARM reports it) and ``message`` the explanation.
    """

    def __init__(self, code: str, message: str, target: str | None = None) -> None:
        self.code = code
        self.message = message
        self.target = target
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = f" (target: {self.target})" if self.target else ""
        return f"{self.code}: {self.message}{where}"

    def __reduce__(self) -> tuple[type[ArmError], tuple[str, str, str | None]]:
        return (ArmError, (self.code, self.message, self.target))
