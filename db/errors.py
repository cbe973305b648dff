"""Storage problems a user can act on (the file is locked, damaged, not a shop, too new)."""


class StorageError(Exception):
    """A sentence for the user: str() is shown as is."""
