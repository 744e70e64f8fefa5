"""The versioned public API; each version mounts the routers of the domains."""
