"""Gongkai (公开): government information-disclosure casework as durable Temporal workflows."""

__version__ = "0.1.0"
