"""catalogue wing."""
