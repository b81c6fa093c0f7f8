"""User-facing errors: their message is what the user reads, so it names the fix."""

from __future__ import annotations


class ToneclsError(Exception):
    """An error caused by the user's input, files or settings (exit code 1)."""


class InputError(ToneclsError):
    """Bad input data, located by file and line when known."""

    def __init__(self, message: str, path: object = None, line: int | None = None):
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class ModelFileError(ToneclsError):
    """A model file that cannot be used: missing, corrupted or of another version."""


class MissingExtra(ToneclsError):
    """A file type whose reader is an optional dependency that is not installed: the message says what to install."""

    def __init__(self, what: str, package: str, extra: str):
        super().__init__(f"{what} needs {package}: pip install 'tonecls[{extra}]'")


def library_reason(exc: BaseException, limit: int = 200) -> str:
    """A third-party library's exception as a short clause for a one-line message: its type and first words."""
    text = " ".join(str(exc).split())
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:limit]
