"""The local runtime: the template's resources on a moto server, handlers behind a local gateway."""
