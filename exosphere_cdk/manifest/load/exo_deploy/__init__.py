"""The exo-deploy era (Exosphere 0.21 and 0.22): its manifest schema and its loader."""
