"""The registry's entries, one module per kind (its statuses, clocks, steps and public face),
written with the records of ``spec``. Read them through schemas/registry.py, which lists them."""
