"""The app in a folder, read by the loader of its manifest era.

Exosphere's manifests changed shape across releases; each era's loader turns
its own shape into the one app model (model.app). Today one era is read, the
exo-deploy one (Exosphere 0.21 and 0.22, `manifest.load.exo_deploy`).
"""

from __future__ import annotations

from pathlib import Path

from exosphere_cdk.manifest.load.exo_deploy import loader as exo_deploy
from exosphere_cdk.manifest.model.app import LoadedApp


def load_directory(app_dir: str | Path, env: str = "production") -> LoadedApp:
    """The app in `app_dir` as given by a user: AppFolderError when it names no folder."""
    return exo_deploy.load_directory(app_dir, env)


def load_app(directory: Path, env: str = "production") -> LoadedApp:
    """The app in `directory` for environment `env`; ManifestError with every problem."""
    return exo_deploy.load_app(directory, env)
