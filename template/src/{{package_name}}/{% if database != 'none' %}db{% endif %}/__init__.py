"""The database: engine and sessions, the declarative base, column types and outage handling."""
