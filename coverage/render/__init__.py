"""render wing."""
