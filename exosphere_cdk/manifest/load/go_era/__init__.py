"""The Go era's manifests (Exosphere 0.23 to 0.37): their schema, loader and translation."""
