"""The `gongkai` command: entry points (CLI, doctor, backup) above every other layer."""
