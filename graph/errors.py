"""Errors a user can act on: each names the file (or store) and what is wrong with it."""

from __future__ import annotations


class PolicykgError(Exception):
    """Base for errors the CLI turns into one line and a non-zero exit."""


class InputError(PolicykgError):
    """A release file that cannot be read or holds no release."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def __reduce__(self):  # raised in an extraction process, re-raised in the build's
        return type(self), (self.path, self.message)


class StoreError(PolicykgError):
    """A store that cannot be built, opened or validated."""
