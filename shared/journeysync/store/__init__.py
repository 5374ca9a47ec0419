"""The DynamoDB profile store: customers, the identity index and the timeline in one table."""

from journeysync.store.profiles import ProfileStore
from journeysync.store.table import TableKeys

__all__ = ["ProfileStore", "TableKeys"]
