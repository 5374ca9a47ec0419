"""Owned work items: what the organisation must do next for a member, with an owning team and an SLA."""
