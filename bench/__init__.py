"""The synthesis benchmark (issue 5): `bench/generate.py` writes apps, `bench/run.py` times them."""
