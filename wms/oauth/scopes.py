"""The scopes a token may carry."""
SCOPES = {
    "read": "Read warehouse data",
    "write": "Read and change warehouse data",
    "users": "Manage users and their tokens",
}
