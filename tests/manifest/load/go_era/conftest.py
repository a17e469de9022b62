"""The `go_app` fixture: Go-era apps of each family in a temporary working folder."""

from tests.manifest.load.go_era.apps import go_app

__all__ = ["go_app"]
