"""Unit tests are pure: no socket may be opened."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("unit tests may not open network connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(autouse=True)
def _region_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.shared.settings import reset_settings

    monkeypatch.setenv("JK_REGION", "groningen")
    reset_settings()
    yield
    reset_settings()
