"""Reading an app folder: YAML with line numbers, the converter, a loader per manifest era."""
