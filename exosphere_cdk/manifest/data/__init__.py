"""Tables of facts from outside: EC2 instance types, ExoCom releases, registries, rule packs."""
