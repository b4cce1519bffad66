"""The scopes a token may carry."""
SCOPES = {
    "read": "Read warehouse data",
    "write": "Read and change warehouse data",
    "users": "Manage users and their tokens",
}


def scope_names(scope):
    """The names in a requested scope string: split on spaces only, as Passport does."""
    return [name for name in (scope or "").split(" ") if name]
