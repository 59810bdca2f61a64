"""products wing."""
